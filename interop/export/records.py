"""Everything Stepcare holds about one patient, read once for both the report and the Bundle.

Only rows whose patient is the one asked for are read; the caller (the export view)
audits the read as one export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.models import SYSTEM_CLIENT_ROLE
from app.audit.queries import Access, patient_access_log
from app.caseload.models import StepAssignment
from app.db import db
from app.messaging.models import Message
from interop.api import identifiers
from programmes.models import ExerciseAnswer, MoodEntry
from screening.instruments import Instrument, load_instrument
from screening.models import QuestionnaireResponse
from video.models import Appointment


@dataclass(frozen=True)
class PatientRecords:
    patient: User
    responses: list[QuestionnaireResponse]
    instruments: dict[str, Instrument]
    steps: list[StepAssignment]
    messages: list[Message]
    moods: list[MoodEntry]
    exercises: list[ExerciseAnswer]
    appointments: list[Appointment]
    access_log: list[Access]
    people: dict[int, User]  # the people on the access log, by id
    identifiers: list[tuple[str, str]]  # national identifiers: (system, value)


def _people(rows: list[Access]) -> dict[int, User]:
    ids = {row.actor_id for row in rows
           if row.actor_id is not None and row.actor_role != SYSTEM_CLIENT_ROLE}
    if not ids:
        return {}
    return {user.id: user for user in _all(db.select(User).where(User.id.in_(ids)))}


def _all(query: Any) -> list[Any]:
    return list(db.session.execute(query).scalars())


def _instruments(responses: list[QuestionnaireResponse]) -> dict[str, Instrument]:
    content_dir = current_app.config["CONTENT_DIR"]
    return {i: load_instrument(i, content_dir) for i in {r.instrument_id for r in responses}}


def read(patient: User) -> PatientRecords:
    """The patient's records, oldest first (the access log too)."""
    pid = patient.id
    responses = _all(db.select(QuestionnaireResponse)
                     .where(QuestionnaireResponse.patient_id == pid)
                     .options(selectinload(QuestionnaireResponse.answers))
                     .order_by(QuestionnaireResponse.submitted_at, QuestionnaireResponse.id))
    access_log = patient_access_log(pid)
    return PatientRecords(
        patient=patient,
        identifiers=identifiers.of_patient(pid),
        responses=responses,
        instruments=_instruments(responses),
        steps=_all(db.select(StepAssignment).where(StepAssignment.patient_id == pid)
                   .order_by(StepAssignment.started_at, StepAssignment.id)),
        messages=_all(db.select(Message).where(Message.patient_id == pid)
                      .options(selectinload(Message.sender))
                      .order_by(Message.sent_at, Message.id)),
        moods=_all(db.select(MoodEntry).where(MoodEntry.patient_id == pid)
                   .order_by(MoodEntry.day)),
        exercises=_all(db.select(ExerciseAnswer).where(ExerciseAnswer.patient_id == pid)
                       .options(selectinload(ExerciseAnswer.module))
                       .order_by(ExerciseAnswer.updated_at, ExerciseAnswer.id)),
        appointments=_all(db.select(Appointment).where(Appointment.patient_id == pid)
                          .order_by(Appointment.starts_at, Appointment.id)),
        access_log=access_log,
        people=_people(access_log),
    )
