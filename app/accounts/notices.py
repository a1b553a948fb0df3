"""Account emails sent at registration: the page says the same in every case, these do not.

A new patient gets a welcome with the sign-in link. The owner of an email someone tried
to register again learns of it, so a stranger never learns from the page who has an
account, and the owner is not left wondering.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

from app.accounts import operations, recovery
from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import record


def _compose(user: User, already_registered: bool, verify_token: str | None,
             provider: str | None = None) -> Message:
    link = current_app.config["BASE_URL"].rstrip("/") + "/login"
    greeting = _("Hello %(name)s,", name=user.name.split()[0])
    if already_registered:
        subject = _("Someone tried to create a Stepcare account with your email")
        lines = [
            _("Someone, perhaps you, just tried to create a new Stepcare account with this "
              "email address. You already have an account, so nothing was changed."),
            _("If it was you, sign in here with your existing password:"),
            link,
            _("If it was not you, you can ignore this email. Your account is safe."),
        ]
    else:
        subject = _("Welcome to Stepcare")
        lines = [
            _("Your Stepcare account is ready. Sign in with %(provider)s:", provider=provider)
            if provider else
            _("Your Stepcare account is ready. Sign in with your email and the password "
              "you chose:"),
            link,
            *(recovery.verification_lines(verify_token) if verify_token else []),
            _("If you did not create this account, please reply to this email."),
        ]
    return Message(subject=subject, recipients=[user.email],
                   body="\n\n".join([greeting, *lines]))


def send_registration_notice(user: User, *, already_registered: bool,
                             verify_token: str | None = None, provider: str | None = None) -> None:
    """Email the address's owner; a mail failure must not undo or reveal the registration.

    A new patient's welcome carries the link that verifies their address; one who
    registered through an OpenID provider is told to sign in with ``provider`` (its label).
    """
    from app.reminders import mail

    with force_locale(user.language):
        message = _compose(user, already_registered, verify_token, provider)
    try:
        mail.send(message)
    except Exception as exc:  # noqa: BLE001 - SMTP down must not turn into a 500
        current_app.logger.warning("registration email not sent: %s", type(exc).__name__)


def notify_owner(email: str) -> None:
    """Tell the owner of this address (if it has one) that someone tried to register it."""
    existing = operations.find_by_email(email)
    if existing is not None:
        # Her name and address were read to write to her: her access log shows it.
        record(Action.READ, "account", existing.id,
               patient_id=existing.id if existing.is_patient else None)
        send_registration_notice(existing, already_registered=True)


def register_or_notify_owner(form, terms) -> None:
    """Register the patient, or tell the email's owner that someone tried; nothing else."""
    try:
        user = operations.register_patient(
            email=form.email.data,
            password=form.password.data,
            name=form.name.data,
            language=form.language.data,
            date_of_birth=form.date_of_birth.data,
            terms=terms,
            contact=form.details(),
        )
    except operations.EmailTaken:
        # create_user hashed the password before it looked, so this answer takes as
        # long as a real registration.
        notify_owner(form.email.data)
    else:
        token = recovery.issue(user, recovery.VERIFY)
        send_registration_notice(user, already_registered=False, verify_token=token)
