"""Put the hand-computed clinic of clinic.py into the database, as the app would store it."""

from __future__ import annotations

from app.accounts.models import Role, User
from app.caseload.models import CareAssignment, StepAssignment, TreatmentContact
from app.db import db
from screening.models import QuestionnaireResponse, Screening
from tests.reporting import clinic


def seed_clinic(password_hash: str, prefix: str = "") -> dict[int, int]:
    """Create the clinic; returns {fixture id: database id} for patients and therapists."""
    ids: dict[int, int] = {}
    for number in (clinic.T1, clinic.T2):
        therapist = User(email=f"{prefix}therapist{number}@example.com",
                         name=f"{prefix}Therapist {number}", role=str(Role.THERAPIST),
                         password_hash=password_hash, language="en")
        db.session.add(therapist)
        db.session.flush()
        ids[number] = therapist.id
    for number in range(1, 11):
        patient = User(email=f"{prefix}patient{number}@example.com",
                       name=f"{prefix}Patient {number}", role=str(Role.PATIENT),
                       password_hash=password_hash, language="en")
        db.session.add(patient)
        db.session.flush()
        ids[number] = patient.id
    for row in clinic.STEPS:
        db.session.add(StepAssignment(patient_id=ids[row.patient_id], step=row.step,
                                      started_at=row.started_at, ended_at=row.ended_at,
                                      end_reason=row.end_reason))
        db.session.flush()  # one current row per patient: end the earlier one first
    screenings: dict[tuple[int, object], int] = {}
    for measure in clinic.MEASURES:
        patient_id = ids[measure.patient_id]
        screening_id = None
        if measure.baseline:
            key = (patient_id, measure.at)
            if key not in screenings:
                screening = Screening(patient_id=patient_id, status="reviewed",
                                      started_at=measure.at, submitted_at=measure.at,
                                      recommended_step=2, confirmed_step=2, drafts={})
                db.session.add(screening)
                db.session.flush()
                screenings[key] = screening.id
            screening_id = screenings[key]
        db.session.add(QuestionnaireResponse(
            patient_id=patient_id, instrument_id=measure.instrument_id, instrument_version=1,
            context="screening" if measure.baseline else "weekly", screening_id=screening_id,
            submitted_at=measure.at, total=measure.total,
            idempotency_key=f"{prefix}{patient_id}:{measure.instrument_id}:{measure.at}"))
    for contact in clinic.CONTACTS:
        db.session.add(TreatmentContact(patient_id=ids[contact.patient_id], kind="video",
                                        occurred_at=contact.at))
    for spell in clinic.SPELLS:
        db.session.add(CareAssignment(patient_id=ids[spell.patient_id],
                                      therapist_id=ids[spell.therapist_id],
                                      assigned_at=spell.assigned_at, ended_at=spell.ended_at))
        db.session.flush()
    db.session.commit()
    return ids
