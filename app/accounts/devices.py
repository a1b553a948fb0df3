"""Known devices: a browser that signed in to an account before may skip its shared limit.

After a successful sign-in the browser gets a cookie holding a keyed hash of the account's
email (never the email itself). The account-wide login limit exempts a browser carrying
it, so an attacker guessing from many addresses slows down strangers, not the owner.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from flask import current_app

from app.accounts.operations import normalise_email

# A shared family computer may hold a few accounts; older ones drop off.
MAX_ACCOUNTS = 5


def cookie_name() -> str:
    production = current_app.config.get("ENV") == "production"
    return "__Host-stepcare-device" if production else "stepcare-device"


def _digest(email: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = b"known-device|" + normalise_email(email).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _stored(cookies: Mapping[str, str]) -> list[str]:
    return [d for d in cookies.get(cookie_name(), "").split(".") if d][:MAX_ACCOUNTS]


def is_known(cookies: Mapping[str, str], email: str) -> bool:
    if not email:
        return False
    digest = _digest(email)
    return any(hmac.compare_digest(digest, stored) for stored in _stored(cookies))


def remember(response, cookies: Mapping[str, str], email: str) -> None:
    digest = _digest(email)
    kept = [digest, *[d for d in _stored(cookies) if d != digest]][:MAX_ACCOUNTS]
    config = current_app.config
    response.set_cookie(
        cookie_name(),
        ".".join(kept),
        max_age=int(config["KNOWN_DEVICE_DAYS"]) * 86400,
        secure=bool(config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
        path="/",
    )
