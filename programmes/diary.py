"""The mood diary: one entry a day, with an optional note that screening reads for risk."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app

from app import crisis
from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import record
from app.db import db, insert_or_ignore, utcnow
from app.signals import PatientText, patient_wrote
from programmes.models import MoodEntry


def _entry_of(patient: User, day: date) -> MoodEntry | None:
    return db.session.execute(
        db.select(MoodEntry).where(MoodEntry.patient_id == patient.id, MoodEntry.day == day)
    ).scalar_one_or_none()


def save_mood(patient: User, day: date, mood: int, note: str | None) -> MoodEntry:
    entry = _entry_of(patient, day)
    created = entry is None and insert_or_ignore(
        MoodEntry, patient_id=patient.id, day=day, mood=mood, note=note
    )
    if entry is None:  # inserted just now, or a moment ago by the patient's other tab
        entry = _entry_of(patient, day)
    before = None if created else entry.note
    if not created:
        entry.mood, entry.note, entry.updated_at = mood, note, utcnow()
    action = Action.CREATE if created else Action.UPDATE
    db.session.flush()
    record(action, "mood_entry", entry.id, patient_id=patient.id)
    if note and note != before and patient_wrote(PatientText(patient, note, "diary")):
        crisis.offer_now()
    return entry


def clinic_today() -> date:
    """The diary's days are the clinic's calendar days, not UTC's."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def mood_entries(patient: User, limit: int = 60) -> list[MoodEntry]:
    rows = db.session.execute(
        db.select(MoodEntry).where(MoodEntry.patient_id == patient.id)
        .order_by(MoodEntry.day.desc()).limit(limit)
    ).scalars().all()
    return list(reversed(rows))
