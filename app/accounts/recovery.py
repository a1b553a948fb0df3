"""Links sent by email: password reset and email verification.

A link carries a random token; only its SHA-256 is stored (``AccountToken``). A token
works once (claimed with a single conditional UPDATE, so two tabs cannot both use it)
and until it expires. Each write flushes; the request commits once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import timedelta
from enum import StrEnum

from flask import Flask, current_app, redirect, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from app.accounts import operations, passwords, sessions
from app.accounts.models import AccountToken, User
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.db import db, release_write_lock, utcnow

RESET = "reset"
VERIFY = "verify"
CHANGE = "change"  # a new email address, waiting for its owner to follow the link
MAX_TOKEN_LENGTH = 100  # what a link can carry; anything longer is not ours


class Problem(StrEnum):
    """Why a link does not work, for the page that says so."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def keep_link(key: str, token: str, endpoint: str):
    """Keep a link's token in the signed session cookie under ``key`` and send the browser
    on to ``endpoint``, a page without it: the token then never sits in the address bar,
    the history or a Referer header while the page's form is open."""
    session[key] = token[: MAX_TOKEN_LENGTH + 1]
    return redirect(url_for(endpoint))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(purpose: str) -> timedelta:
    config = current_app.config
    if purpose == RESET:
        return timedelta(minutes=config["PASSWORD_RESET_MINUTES"])
    if purpose == CHANGE:
        return timedelta(hours=config["EMAIL_CHANGE_HOURS"])
    return timedelta(days=config["EMAIL_VERIFY_DAYS"])


def _patient_id(user: User) -> int | None:
    return user.id if user.is_patient else None


def issue(user: User, purpose: str, email: str | None = None) -> str:
    """A new link token for the user; earlier unused ones of the same kind stop working.

    It is bound to the user's address, or to ``email`` (the new one, for a change)."""
    now = utcnow()
    db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    row = AccountToken(token_hash=_hash(token), user_id=user.id, purpose=purpose,
                       email=email or user.email, created_at=now,
                       expires_at=now + _lifetime(purpose))
    add_recorded(row, f"{purpose}_link", patient_id=_patient_id(user))
    return token


def check(token: str | None, purpose: str) -> tuple[AccountToken | None, Problem | None]:
    """The stored token a link names, if it still works; else why not. Reads only."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None, Problem.UNKNOWN
    row = db.session.execute(
        db.select(AccountToken).where(AccountToken.token_hash == _hash(token),
                                      AccountToken.purpose == purpose)
    ).scalar_one_or_none()
    if row is None or not row.user.is_active:
        return None, Problem.UNKNOWN
    if purpose != CHANGE and row.email != row.user.email:  # a change's is the new address
        return None, Problem.UNKNOWN
    if row.used_at is not None:
        return None, Problem.USED
    if utcnow() >= row.expires_at:
        return None, Problem.EXPIRED
    return row, None


def claim(row: AccountToken) -> bool:
    """Mark the token used; False if another request used it first."""
    claimed = db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def reset_password(row: AccountToken, password: str) -> bool:
    """Set the new password and end every session of the user. False if the link was used."""
    user = row.user
    release_write_lock()  # argon2 (~100 ms) before this request writes anything
    password_hash = passwords.hash_password(password)
    if not claim(row):
        return False
    user.password_hash = password_hash
    sessions.end_all_for(user, "password_reset")
    db.session.flush()
    record(Action.UPDATE, "reset_link", row.id, patient_id=_patient_id(user))
    return True


def verify_email(row: AccountToken) -> bool:
    """Mark the address the link went to as the user's, verified. False if already used."""
    if not claim(row):
        return False
    user = row.user
    user.email_verified_at = utcnow()
    db.session.flush()
    record(Action.UPDATE, "verify_link", row.id, patient_id=_patient_id(user))
    return True


# --- the emails --------------------------------------------------------------------------------


def link(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _reset_message(user: User, token: str) -> Message:
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    lines = [
        _("Hello %(name)s,", name=user.name.split()[0]),
        _("Someone, perhaps you, asked to choose a new password for your Stepcare account. "
          "Open this link to choose one. It works once, for %(n)s minutes:", n=minutes),
        link(f"/password/reset/{token}"),
        _("If it was not you, you can ignore this email: your password stays as it is."),
    ]
    return Message(subject=_("Choose a new Stepcare password"), recipients=[user.email],
                   body="\n\n".join(lines))


def verification_lines(token: str) -> list[str]:
    """The paragraph that asks a patient to confirm their address (also in the welcome)."""
    return [
        _("Please confirm that this is your email address. Until you do, Stepcare sends "
          "you no reminders. Open this link:"),
        link(f"/email/verify/{token}"),
    ]


def _verification_message(user: User, token: str) -> Message:
    lines = [_("Hello %(name)s,", name=user.name.split()[0]), *verification_lines(token),
             _("If you did not create a Stepcare account, you can ignore this email.")]
    return Message(subject=_("Confirm your email address for Stepcare"),
                   recipients=[user.email], body="\n\n".join(lines))


def deliver(app: Flask, message: Message) -> None:
    from app.reminders import mail

    with app.app_context():
        try:
            mail.send(message)
        except Exception as exc:  # noqa: BLE001 - a mail failure must not become a 500
            app.logger.warning("account email not sent: %s", type(exc).__name__)


def request_reset(email: str) -> None:
    """Email a reset link if the address has an active account; nothing otherwise.

    The email goes out from a thread once the request has committed, so an answer
    for a real account takes no longer than one for an unknown address.
    """
    user = operations.find_by_email(email)
    if user is None or not user.is_active:
        return
    token = issue(user, RESET)
    with force_locale(user.language):
        message = _reset_message(user, token)
    app = current_app._get_current_object()
    after_commit(lambda: threading.Thread(target=deliver, args=(app, message),
                                           daemon=True).start())


def send_verification(user: User) -> None:
    """A new verification link, emailed at once (the patient asked for it)."""
    token = issue(user, VERIFY)
    with force_locale(user.language):
        message = _verification_message(user, token)
    after_commit(lambda: deliver(current_app._get_current_object(), message))


def after_commit(action) -> None:
    """Run once the request's transaction is committed: a link must not arrive before its
    token is stored (or at all, if the request failed)."""
    from sqlalchemy import event

    event.listen(db.session(), "after_commit", lambda _session: action(), once=True)
