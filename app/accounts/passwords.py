"""Password hashing (argon2id) and the password policy (ASVS 5.0 L2)."""

from __future__ import annotations

import functools
import gzip
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128  # ASVS asks that at least 64 be allowed

# argon2-cffi's defaults are argon2id, m=64 MiB, t=3, p=4: at or above ASVS's table.
_hasher = PasswordHasher()

# Verifying against this makes an unknown email cost as much as a wrong password.
_DUMMY_HASH = _hasher.hash("stepcare-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def _common_passwords() -> frozenset[str]:
    data = resources.files("app.accounts").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def policy_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a new password is refused; an empty list means it is accepted.

    No composition rules: length and a blocklist are what protect people.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)s characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)s characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append(_l("This password is too common. Choose one that is harder to guess."))
    elif email and lowered == email.lower().split("@")[0]:
        problems.append(_l("Do not use your email address as your password."))
    return problems
