"""Writes to accounts. Each flushes; the request (or CLI command) commits once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date

from flask import request
from sqlalchemy import func

from app.accounts import mfa, passwords, sessions
from app.accounts.models import Consent, OidcLink, RecoveryCode, Role, User
from app.accounts.terms import Terms
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.db import add_if_unique, db, release_write_lock, take_write_lock, utcnow


class EmailTaken(ValueError):
    """Another account already uses this email."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


def create_user(
    *,
    email: str,
    password: str,
    role: Role,
    name: str,
    language: str = "da",
    date_of_birth: date | None = None,
    verified: bool = True,
) -> User:
    """A new account. ``verified``: whether its email counts as confirmed (an admin or the
    operator made it); a patient who registers themself confirms it by a link."""
    # Hash first, holding no write lock (argon2 takes ~100 ms), and whether or not the
    # email is taken, so both answers take as long. Then look up with the lock held.
    release_write_lock()
    password_hash = passwords.hash_password(password)
    take_write_lock()
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=str(role),
        password_hash=password_hash,
        language=language,
        date_of_birth=date_of_birth,
        email_verified_at=utcnow() if verified else None,
    )
    if not add_if_unique(user):
        # Two registrations raced for the same email; the other one won.
        raise EmailTaken(email)
    if role == Role.PATIENT:
        record(Action.CREATE, "patient", user.id, patient_id=user.id)
    return user


def register_patient(
    *, email: str, password: str, name: str, language: str, date_of_birth: date, terms: Terms,
    contact: Mapping[str, str | None] | None = None,
) -> User:
    user = create_user(
        email=email,
        password=password,
        role=Role.PATIENT,
        name=name,
        language=language,
        date_of_birth=date_of_birth,
        verified=False,
    )
    record_consent(user, terms)
    if contact:
        set_contact_details(user, contact)
    return user


CONTACT_FIELDS = ("phone", "gp_practice", "emergency_name", "emergency_relation",
                  "emergency_phone")


def set_contact_details(user: User, details: Mapping[str, str | None]) -> bool:
    """How clinicians reach the patient; audited whenever it changes. True if it did."""
    changed = [key for key in CONTACT_FIELDS
               if key in details and getattr(user, key) != details[key]]
    for key in changed:
        setattr(user, key, details[key])
    if changed:
        db.session.flush()
        record(Action.UPDATE, "patient_contact", user.id, patient_id=user.id)
    return bool(changed)


def record_consent(user: User, terms: Terms) -> Consent:
    consent = Consent(
        user_id=user.id,
        terms_version=terms.version,
        language=terms.language,
        terms_text_sha256=hashlib.sha256(terms.text.encode()).hexdigest(),
        ip=request.remote_addr,
    )
    return add_recorded(consent, "consent", patient_id=user.id)


def authenticate(email: str, password: str) -> User | None:
    """The user whose password this is, or None. Rehashes when argon2 parameters change.

    The hash is verified outside the write transaction: on SQLite a login holding the
    write lock for argon2's ~100 ms stalled every other writer (issue 13, finding 4). A
    pending change (the session's last-seen time) is not flushed by the lookup, so there
    is nothing written yet and the lock can go; the writes after take it again.
    """
    with db.session.no_autoflush:
        user = find_by_email(email)
    release_write_lock()
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def set_password(user: User, password: str) -> None:
    release_write_lock()  # argon2 without the lock, if the request has written nothing yet
    user.password_hash = passwords.hash_password(password)
    # Other devices signed in with the old password lose their sessions.
    sessions.end_all_for(user, "password_changed", keep=sessions.current())
    db.session.flush()


def begin_totp_enrolment(user: User) -> str:
    """A fresh secret, kept unconfirmed until the user proves their app shows the codes."""
    if user.totp_secret is None or user.totp_confirmed_at is None:
        user.totp_secret = mfa.new_secret()
        db.session.flush()
    return user.totp_secret


def verify_totp(user: User, code: str) -> bool:
    counter = mfa.matching_counter(user.totp_secret or "", code, user.totp_last_counter)
    if counter is None:
        return False
    user.totp_last_counter = counter
    db.session.flush()
    return True


def confirm_totp(user: User, code: str) -> list[str] | None:
    """Finish enrolment; returns the new recovery codes (shown once) or None."""
    if not verify_totp(user, code):
        return None
    user.totp_confirmed_at = utcnow()
    return replace_recovery_codes(user)


def replace_recovery_codes(user: User) -> list[str]:
    codes = mfa.new_recovery_codes()
    user.recovery_codes = [RecoveryCode(code_hash=mfa.hash_recovery_code(c)) for c in codes]
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    wanted = mfa.hash_recovery_code(code)
    for stored in user.recovery_codes:
        if stored.used_at is None and stored.code_hash == wanted:
            stored.used_at = utcnow()
            db.session.flush()
            return True
    return False


def unused_recovery_codes(user: User) -> int:
    return sum(1 for c in user.recovery_codes if c.used_at is None)


def disable(user: User) -> None:
    """Disabling ends every session at once; the record itself stays."""
    user.disabled_at = utcnow()
    sessions.end_all_for(user, "disabled")
    db.session.flush()
    if user.is_patient:
        record(Action.UPDATE, "patient", user.id, patient_id=user.id)


def enable(user: User) -> None:
    user.disabled_at = None
    db.session.flush()
    if user.is_patient:
        record(Action.UPDATE, "patient", user.id, patient_id=user.id)


def update_profile(user: User, *, name: str, language: str, reminders: bool = True,
                   research: bool | None = None) -> None:
    user.name = name.strip()
    user.language = language
    user.reminders_opt_out = not reminders
    if research is not None:
        user.research_opt_out = not research
    db.session.flush()
    if user.is_patient:
        record(Action.UPDATE, "patient", user.id, patient_id=user.id)



def oidc_link_for(provider: str, subject: str) -> OidcLink | None:
    return db.session.execute(
        db.select(OidcLink).where(OidcLink.provider == provider, OidcLink.subject == subject)
    ).scalar_one_or_none()


def oidc_links_of(user: User) -> list[OidcLink]:
    return list(db.session.execute(
        db.select(OidcLink).where(OidcLink.user_id == user.id).order_by(OidcLink.provider)
    ).scalars())


def link_oidc(user: User, provider: str, subject: str, national_id: str | None) -> OidcLink:
    """Let this provider's subject sign in as ``user``; audited as a change to the account."""
    link = OidcLink(user_id=user.id, provider=provider, subject=subject,
                    national_id=national_id or None)
    return add_recorded(link, "oidc_link", patient_id=user.id if user.is_patient else None)
