"""Writes and reads for messaging. Writes flush; the request commits once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func

from app import crisis, signals
from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.caseload.models import CareAssignment
from app.db import db, utcnow
from app.messaging.models import Message
from app.messaging.timing import is_overdue
from app.signals import PatientText, Reminder

MAX_LENGTH = 5000


class MessageRefused(ValueError):
    """Empty, too long, or not allowed in this thread; the message says which."""


def thread(patient: User) -> list[Message]:
    return list(db.session.execute(
        db.select(Message).where(Message.patient_id == patient.id).order_by(Message.sent_at)
    ).scalars())


def _written(text: PatientText) -> bool:
    """Screening scans what patients write for risk language (app.signals); if it finds
    some, the patient sees crisis help on the page after sending."""
    if signals.patient_wrote(text):
        crisis.offer_now()
        return True
    return False


def check_undeliverable(patient: User, body: str) -> bool:
    """A message that cannot be sent still goes through the risk check (nothing is kept)."""
    body = body.strip()
    return bool(body) and _written(PatientText(patient, body[:MAX_LENGTH], "message"))


def send(patient: User, sender: User, body: str) -> Message:
    body = body.strip()
    if not body:
        raise MessageRefused("empty")
    if len(body) > MAX_LENGTH:
        raise MessageRefused("too_long")
    message = Message(patient_id=patient.id, sender_id=sender.id, body=body)
    add_recorded(message, "message", patient_id=patient.id)
    if sender.id == patient.id:
        _written(PatientText(patient, body, "message"))
    return message


def edit(message: Message, editor: User, body: str) -> None:
    """Only the sender, and only until the message has been read."""
    if message.sender_id != editor.id or message.read_at is not None:
        raise MessageRefused("read")
    body = body.strip()
    if not body or len(body) > MAX_LENGTH:
        raise MessageRefused("empty" if not body else "too_long")
    changed = body != message.body
    message.body, message.edited_at = body, utcnow()
    db.session.flush()
    record(Action.UPDATE, "message", message.id, patient_id=message.patient_id)
    if changed and editor.id == message.patient_id:
        _written(PatientText(editor, body, "message"))


def mark_read(messages: list[Message], reader: User) -> None:
    """Read receipts: the other side's unread messages become read."""
    now = utcnow()
    changed = [m for m in messages if m.sender_id != reader.id and m.read_at is None]
    for message in changed:
        message.read_at = now
    if changed:
        db.session.flush()


def unread_for_patient(patient: User) -> int:
    return db.session.execute(
        db.select(func.count()).select_from(Message).where(
            Message.patient_id == patient.id, Message.sender_id != patient.id,
            Message.read_at.is_(None))
    ).scalar_one()


@dataclass(frozen=True)
class ThreadSummary:
    patient_id: int
    unread: int
    last_at: datetime
    awaiting_since: datetime | None  # the oldest patient message not yet answered
    overdue: bool


def summaries(patient_ids: list[int], now: datetime | None = None) -> dict[int, ThreadSummary]:
    """Per-thread figures for many patients in two queries (for the caseload)."""
    if not patient_ids:
        return {}
    now = now or utcnow()
    target = current_app.config["MESSAGE_RESPONSE_WORKING_DAYS"]
    unread = dict(db.session.execute(
        db.select(Message.patient_id, func.count())
        .where(Message.patient_id.in_(patient_ids), Message.sender_id == Message.patient_id,
               Message.read_at.is_(None))
        .group_by(Message.patient_id)
    ).all())
    rows = db.session.execute(
        db.select(Message.patient_id, Message.sender_id, Message.sent_at)
        .where(Message.patient_id.in_(patient_ids)).order_by(Message.sent_at)
    ).all()
    result: dict[int, ThreadSummary] = {}
    awaiting: dict[int, datetime | None] = {}
    last: dict[int, datetime] = {}
    for patient_id, sender_id, sent_at in rows:
        last[patient_id] = sent_at
        if sender_id == patient_id:
            if awaiting.get(patient_id) is None:
                awaiting[patient_id] = sent_at
        else:
            awaiting[patient_id] = None  # the care team answered
    for patient_id, last_at in last.items():
        since = awaiting.get(patient_id)
        result[patient_id] = ThreadSummary(
            patient_id, unread.get(patient_id, 0), last_at, since,
            since is not None and is_overdue(since, now, target))
    return result


def therapist_threads(therapist: User) -> list[int]:
    """Patients on the therapist's caseload (their threads)."""
    return list(db.session.execute(
        db.select(CareAssignment.patient_id).where(
            CareAssignment.therapist_id == therapist.id, CareAssignment.ended_at.is_(None))
    ).scalars())


def collect_reminders(sender, *, now: datetime, **_kwargs) -> list[Reminder]:
    """Patients with unread messages from their therapist: one reminder per first unread."""
    oldest = db.session.execute(
        db.select(Message.patient_id, func.min(Message.id))
        .where(Message.sender_id != Message.patient_id, Message.read_at.is_(None))
        .group_by(Message.patient_id)
    ).all()
    patients = {u.id: u for u in db.session.execute(
        db.select(User).where(User.id.in_([pid for pid, _m in oldest]))).scalars()}
    return [Reminder(patients[pid], "message", f"message:{pid}:{mid}") for pid, mid in oldest]
