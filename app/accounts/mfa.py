"""TOTP second factor: enrolment, one-time verification and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

TOTP_STEP_SECONDS = 30
# Accept the previous and next step too: phones' clocks drift.
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn on the server (no script, no image fetch)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#17324d", light="#ffffff")


def matching_counter(
    secret: str, code: str, last_counter: int | None, now: float | None = None
) -> int | None:
    """The time-step a code belongs to, if it is valid and newer than the last one used.

    Returning the step lets the caller store it, which is what makes a code
    single-use: a replay carries a step that is not newer.
    """
    code = ascii_digits(code)
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // TOTP_STEP_SECONDS)
    for counter in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if hmac.compare_digest(totp.at(counter * TOTP_STEP_SECONDS), code):
            return counter
    return None


def ascii_digits(code: str) -> str:
    """Spaces dropped and any script's digits (say Arabic-Indic ٣) read as 0-9.

    Phones with another keyboard send such digits; comparing them as they are would fail
    (``hmac.compare_digest`` refuses non-ASCII text).
    """
    return "".join(str(int(c)) if c.isdecimal() else c for c in "".join(code.split()))


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k3f9-xq2m-7pd4``; shown once, stored only as hashes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return [
        "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def hash_recovery_code(code: str) -> str:
    # The codes carry ~70 bits of randomness, so a fast hash is enough.
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()
