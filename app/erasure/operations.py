"""Asking for erasure, the retention date, and anonymising an account.

"Last clinical entry" is the newest audit row for the patient that wrote something
(create, update or delete) to a clinical resource: every write of patient data leaves
such a row (app.audit), whatever package wrote it, so the core needs to know no domain.
Writes to the account itself (``ADMINISTRATIVE_RESOURCES``: profile, contact details,
consent, links, the erasure request) are not clinical entries. An account with no such
row counts from the day it was created. The record may be purged ``RETENTION_YEARS``
after that day.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import func

from app.accounts import passwords, sessions
from app.accounts.models import User
from app.audit.models import Action, AuditEvent
from app.audit.operations import add_recorded, record
from app.db import db, utcnow
from app.erasure import references
from app.erasure.models import ErasureRequest, ErasureStatus

ADMINISTRATIVE_RESOURCES = frozenset({
    "patient", "patient_contact", "consent", "account", "reset_link", "verify_link",
    "kept_draft", "erasure_request", "care_assignment",
})
WRITES = (str(Action.CREATE), str(Action.UPDATE), str(Action.DELETE))


class AlreadyRequested(Exception):
    """The patient already has a pending request."""


class HasClinicalEntries(Exception):
    """The account holds clinical entries: it must wait for the retention period."""


def pending_for(user: User) -> ErasureRequest | None:
    return db.session.execute(
        db.select(ErasureRequest).where(ErasureRequest.user_id == user.id,
                                        ErasureRequest.status == ErasureStatus.PENDING)
    ).scalars().first()


def erasure_requested(user_id: int) -> bool:
    """Whether the patient ever asked for erasure (whatever became of it)."""
    return db.session.execute(
        db.select(ErasureRequest.id).where(ErasureRequest.user_id == user_id).limit(1)
    ).first() is not None


def request_erasure(user: User) -> ErasureRequest:
    """End every session at once, shut the account, and store the request."""
    if not user.is_patient:
        raise ValueError("only patients ask for erasure here")
    if pending_for(user) is not None:
        raise AlreadyRequested
    user.disabled_at = utcnow()
    sessions.end_all_for(user, "erasure")
    found = ErasureRequest(user_id=user.id, requested_at=utcnow(),
                           status=ErasureStatus.PENDING)
    return add_recorded(found, "erasure_request", patient_id=user.id)


def last_clinical_entry(user_id: int) -> datetime | None:
    return db.session.execute(
        db.select(func.max(AuditEvent.at)).where(
            AuditEvent.patient_id == user_id, AuditEvent.action.in_(WRITES),
            AuditEvent.resource_type.not_in(ADMINISTRATIVE_RESOURCES))
    ).scalar_one_or_none()


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def purgeable_from(user: User) -> datetime:
    """The first moment the record may be purged."""
    last = last_clinical_entry(user.id) or user.created_at
    return add_years(last, int(current_app.config["RETENTION_YEARS"]))


def has_clinical_entries(user: User) -> bool:
    """Any clinical audit row, or any row of a clinical table that refers to the account."""
    return (last_clinical_entry(user.id) is not None
            or references.count_clinical_rows(user.id) > 0)


def anonymise_stub(user: User) -> None:
    """Keep the row (the request and audit ids point at it) with nothing personal in it."""
    user.email = f"erased-{user.id}@erased.invalid"
    user.name = "—"
    user.password_hash = passwords.hash_password(secrets.token_urlsafe(32))
    for column in ("date_of_birth", "totp_secret", "totp_confirmed_at", "totp_last_counter",
                   "phone", "gp_practice", "emergency_name", "emergency_relation",
                   "emergency_phone", "email_verified_at"):
        setattr(user, column, None)
    user.disabled_at = user.disabled_at or utcnow()
    user.reminders_opt_out = True
    user.research_opt_out = True


def close(found: ErasureRequest, status: ErasureStatus, by: User | None) -> None:
    found.status = status
    found.handled_by_id = by.id if by is not None else None
    found.handled_at = utcnow()


def anonymise_now(found: ErasureRequest, by: User) -> None:
    """An admin's erasure of an account without clinical entries (nothing to retain)."""
    user = found.user
    if found.status != ErasureStatus.PENDING:
        raise AlreadyRequested
    if has_clinical_entries(user):
        raise HasClinicalEntries
    references.delete_rows_of(user.id)
    anonymise_stub(user)
    close(found, ErasureStatus.ANONYMISED, by)
    db.session.flush()
    record(Action.DELETE, "patient", user.id, patient_id=user.id)
