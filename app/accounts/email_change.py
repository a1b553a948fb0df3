"""Changing a signed-in user's email address (issue 14).

The user confirms their password first (the account's re-authentication step), then names
the new address. A single-use link (an ``AccountToken`` of purpose ``change`` whose
``email`` is the new address) goes to the new address, and a notice to the old one. The
address changes only when the link is followed; the old address is then told again.

An address another account already uses is answered exactly like a free one: the page and
the pending change look the same, and the old address gets the same notice; only the new
address's owner gets a note that someone tried to use it, instead of a link (as at
registration). Such a change can never be completed.
"""

from __future__ import annotations

import threading

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from app.accounts import operations, recovery
from app.accounts.models import AccountToken, User
from app.audit.models import Action
from app.audit.operations import record
from app.db import db, utcnow


def _patient_id(user: User) -> int | None:
    return user.id if user.is_patient else None


def pending_for(user: User) -> AccountToken | None:
    """The change still waiting for its link to be followed, if any."""
    return db.session.execute(
        db.select(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == recovery.CHANGE,
               AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _end_pending(user: User) -> int:
    """Make every unused change link of the user stop working; how many there were."""
    result = db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == recovery.CHANGE,
               AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def request_change(user: User, new_email: str) -> None:
    """Issue a link for ``new_email`` and email both addresses once the request commits.

    Earlier pending changes stop working. The caller has checked that ``new_email`` is
    not the user's own address.
    """
    new_email = operations.normalise_email(new_email)
    token = recovery.issue(user, recovery.CHANGE, email=new_email)
    owner = operations.find_by_email(new_email)
    if owner is None:
        with force_locale(user.language):
            to_new = _link_message(user, new_email, token)
    else:
        # Her name and address were read to write to her: her access log shows it.
        record(Action.READ, "account", owner.id, patient_id=_patient_id(owner))
        with force_locale(owner.language):
            to_new = _taken_message(owner)
    with force_locale(user.language):
        to_old = _requested_message(user)
    _send_after_commit([to_new, to_old])


def cancel(user: User) -> bool:
    """Withdraw the pending change; False if there was none."""
    pending = pending_for(user)
    if pending is None or _end_pending(user) == 0:
        return False
    record(Action.DELETE, "change_link", pending.id, patient_id=_patient_id(user))
    return True


def address_taken(row: AccountToken) -> bool:
    """Whether another account uses the link's address by now (then it cannot be used)."""
    owner = operations.find_by_email(row.email)
    return owner is not None and owner.id != row.user_id


def apply_change(row: AccountToken) -> bool:
    """Make the link's address the user's, verified now. False if the link was used."""
    if not recovery.claim(row):
        return False
    user = row.user
    old_email = user.email
    _end_pending(user)
    user.email = row.email
    user.email_verified_at = utcnow()
    db.session.flush()
    record(Action.UPDATE, "change_link", row.id, patient_id=_patient_id(user))
    with force_locale(user.language):
        done = _changed_message(user, old_email)
    _send_after_commit([done])
    return True


def _send_after_commit(messages: list[Message]) -> None:
    """From a thread once the request has committed: a taken address's answer takes no
    longer than a free one's, and nothing leaves if the request fails."""
    app = current_app._get_current_object()

    def send_all() -> None:
        for message in messages:
            recovery.deliver(app, message)

    recovery.after_commit(lambda: threading.Thread(target=send_all, daemon=True).start())


# --- the emails --------------------------------------------------------------------------------


def _hello(user: User) -> str:
    return _("Hello %(name)s,", name=user.name.split()[0])


def _link_message(user: User, new_email: str, token: str) -> Message:
    hours = current_app.config["EMAIL_CHANGE_HOURS"]
    lines = [
        _hello(user),
        _("Someone, perhaps you, asked to use this email address for their Stepcare account. "
          "Open this link to confirm it. It works once, for %(n)s hours:", n=hours),
        recovery.link(f"/email/change/{token}"),
        _("If it was not you, you can ignore this email: nothing changes."),
    ]
    return Message(subject=_("Confirm your new email address for Stepcare"),
                   recipients=[new_email], body="\n\n".join(lines))


def _taken_message(owner: User) -> Message:
    lines = [
        _hello(owner),
        _("Someone just asked to use this email address for another Stepcare account. It "
          "already belongs to your account, so nothing was changed."),
        _("If it was you, sign in to your existing account here:"),
        recovery.link("/login"),
        _("If it was not you, you can ignore this email. Your account is safe."),
    ]
    return Message(subject=_("Someone tried to use your email address on Stepcare"),
                   recipients=[owner.email], body="\n\n".join(lines))


def _requested_message(user: User) -> Message:
    lines = [
        _hello(user),
        _("Someone signed in to your Stepcare account asked to change its email address. "
          "Nothing changes until the link we sent to the new address is followed."),
        _("If it was not you, sign in, cancel the change on your account page, and change "
          "your password:"),
        recovery.link("/account"),
    ]
    return Message(subject=_("A change of your Stepcare email address was asked for"),
                   recipients=[user.email], body="\n\n".join(lines))


def _changed_message(user: User, old_email: str) -> Message:
    lines = [
        _hello(user),
        _("The email address of your Stepcare account is now %(email)s. From now on you "
          "sign in with it, and we write to you there.", email=user.email),
        _("If you did not do this, contact the clinic at once: reply to this email."),
    ]
    return Message(subject=_("Your Stepcare email address was changed"),
                   recipients=[old_email], body="\n\n".join(lines))
