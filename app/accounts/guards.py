"""Where a sign-in may send the browser next, and the keys and messages of its limits.

Only failed attempts count. Three login limits: per account and address, per address, and
per account from all addresses together. The last one slows a guesser who spreads over
many addresses; browsers that signed in to the account before skip it, so an attacker can
slow a real user down but never lock them out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import devices, operations

PENDING_USER = "mfa_user"


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would help phishing.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    ``/%09/evil.com`` (a tab, once decoded) becomes ``//evil.com``: refuse any of them
    rather than clean them up.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(c.isspace() or not c.isprintable() for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target



def failed_attempt(response) -> bool:
    return response.status_code not in (301, 302, 303)


def form_email() -> str:
    return operations.normalise_email(request.form.get("email", ""))


def account_and_ip() -> str:
    return f"{form_email()}|{request.remote_addr}"


def account() -> str:
    return f"account|{form_email()}"


def pending_key() -> str:
    return f"mfa|{session.get(PENDING_USER)}|{request.remote_addr}"


def reauth_key() -> str:
    return f"reauth|{current_user.get_id()}"


def setting_limit(name: str):
    return lambda: current_app.config[name]


def slowed_message() -> str:
    return _("There have been many failed sign-ins to this account, so it is slowed down for "
             "a few minutes. Please wait and try again. On a device where you have signed in "
             "before, you can sign in now.")


def known_device() -> bool:
    return devices.is_known(request.cookies, form_email())


def succeeded(response) -> bool:
    return not failed_attempt(response)
