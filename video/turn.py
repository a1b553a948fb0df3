"""Short-lived TURN credentials in coturn's REST scheme (``use-auth-secret``).

coturn (``use-auth-secret`` + ``static-auth-secret=<secret>``) accepts any
username of the form ``<unix expiry>:<anything>`` whose password is
``base64(HMAC-SHA1(secret, username))`` and whose expiry is not in the past.

coturn checks the expiry only when an allocation is created; a call already
relayed keeps working after it. A client that reconnects or restarts ICE should
therefore fetch fresh credentials rather than reuse old ones.

The ``user_ref`` must be an opaque id (for example a per-appointment token),
never a name or email: coturn logs usernames.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping

__all__ = [
    "DEFAULT_TURN_TTL",
    "MAX_USER_REF_LENGTH",
    "ice_servers",
    "turn_credentials",
    "verify_turn_credentials",
]

DEFAULT_TURN_TTL = 3600
MAX_USER_REF_LENGTH = 64
# Printable ASCII without space and without ':' (0x3A), which separates the expiry.
_USER_REF_RE = re.compile(rf"[!-9;-~]{{1,{MAX_USER_REF_LENGTH}}}")


def _check_user_ref(user_ref: object) -> str:
    if not isinstance(user_ref, str):
        raise ValueError(f"user_ref must be a str, got {type(user_ref).__name__}")
    if not user_ref:
        raise ValueError("user_ref must not be empty")
    if ":" in user_ref:
        raise ValueError("user_ref must not contain ':' (it separates the expiry)")
    if len(user_ref) > MAX_USER_REF_LENGTH:
        raise ValueError(f"user_ref must be at most {MAX_USER_REF_LENGTH} characters")
    if _USER_REF_RE.fullmatch(user_ref) is None:
        raise ValueError("user_ref must be printable ASCII without spaces (an opaque id)")
    return user_ref


def _check_secret(secret: object) -> str:
    if not isinstance(secret, str) or not secret:
        raise ValueError("TURN secret must be a non-empty str")
    return secret


def _now(now: int | None) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, bool) or not isinstance(now, int):
        raise ValueError(f"now must be an int (unix seconds), got {type(now).__name__}")
    return now


def _sign(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def turn_credentials(secret: str, user_ref: str, ttl_seconds: int, now: int | None = None) -> dict:
    """``{"username", "credential", "ttl", "expires_at"}`` valid for ``ttl_seconds``."""
    _check_secret(secret)
    _check_user_ref(user_ref)
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be a positive int, got {ttl_seconds!r}")
    expiry = _now(now) + ttl_seconds
    username = f"{expiry}:{user_ref}"
    return {
        "username": username,
        "credential": _sign(secret, username),
        "ttl": ttl_seconds,
        "expires_at": expiry,
    }


def verify_turn_credentials(
    secret: str, username: str, credential: str, now: int | None = None
) -> bool:
    """What coturn checks: the signature matches and the expiry is still ahead.

    A credential is valid while ``now < expiry``. Malformed input gives False.
    """
    if not all(isinstance(x, str) for x in (secret, username, credential)) or not secret:
        return False
    expiry_text, sep, _ref = username.partition(":")
    if not sep or not (0 < len(expiry_text) <= 20) or not expiry_text.isascii():
        return False
    if not expiry_text.isdigit():
        return False
    if int(expiry_text) <= _now(now):
        return False
    try:
        expected = _sign(secret, username).encode("ascii")
        given = credential.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)


def _urls(config: Mapping, key: str, schemes: tuple[str, ...]) -> list[str]:
    value = config.get(key)
    if value is None or value == "":
        return []
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, (list, tuple)) or not all(isinstance(u, str) for u in urls):
        raise ValueError(f"{key} must be a str or a list of str")
    urls = [u.strip() for u in urls if u.strip()]
    for url in urls:
        if not url.startswith(schemes):
            raise ValueError(f"{key}: {url!r} must start with one of {', '.join(schemes)}")
    return urls


def ice_servers(config: Mapping, user_ref: str, now: int | None = None) -> list[dict]:
    """The ``RTCIceServer`` list for a participant, from configuration.

    Keys: ``stun_urls``, ``turn_urls`` (str or list), ``turn_secret``,
    ``turn_ttl`` (seconds, default 3600). TURN is left out when there is no
    secret. With nothing configured the result is ``[]``: callers must pass it
    on as is (aiortc otherwise falls back to a public STUN server).
    """
    stun = _urls(config, "stun_urls", ("stun:", "stuns:"))
    turn = _urls(config, "turn_urls", ("turn:", "turns:"))
    servers: list[dict] = []
    if stun:
        servers.append({"urls": stun})
    secret = config.get("turn_secret")
    if turn and secret:
        ttl = config.get("turn_ttl") or DEFAULT_TURN_TTL
        creds = turn_credentials(secret, user_ref, ttl, now)
        servers.append(
            {"urls": turn, "username": creds["username"], "credential": creds["credential"]}
        )
    return servers
