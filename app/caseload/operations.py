"""Writes to the caseload. Each flushes; the request commits once."""

from __future__ import annotations

from sqlalchemy import func

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.caseload.models import (
    CareAssignment,
    ClinicalAlert,
    ClinicianNote,
    Disclosure,
    StepAssignment,
    TreatmentContact,
)
from app.db import db, utcnow
from app.signals import StepChange, send, step_assigned


class NotATherapist(ValueError):
    """Patients can only be assigned to active therapists."""


def _lock_patient(patient: User) -> None:
    """Serialise changes to one patient's care: two staff confirming a step or a therapist at
    the same moment would otherwise both end the old row and both insert a current one,
    and the partial unique index fails the second with a 500. SQLite's write lock, taken
    at BEGIN, already serialises; PostgreSQL needs the row lock."""
    db.session.execute(db.select(User.id).where(User.id == patient.id).with_for_update())


def current_assignment(patient: User) -> CareAssignment | None:
    return db.session.execute(
        db.select(CareAssignment).where(
            CareAssignment.patient_id == patient.id, CareAssignment.ended_at.is_(None)
        )
    ).scalar_one_or_none()


def assign(patient: User, therapist: User, *, by: User | None) -> CareAssignment:
    """Put a patient on a therapist's caseload, ending any earlier assignment."""
    if therapist.role != Role.THERAPIST or not therapist.is_active:
        raise NotATherapist(therapist.id)
    _lock_patient(patient)
    existing = current_assignment(patient)
    if existing is not None and existing.therapist_id == therapist.id:
        return existing
    if existing is not None:
        existing.ended_at = utcnow()
        # The partial unique index checks the old row's end before the new row.
        db.session.flush()
    assignment = CareAssignment(
        patient_id=patient.id, therapist_id=therapist.id, assigned_by_id=by.id if by else None
    )
    return add_recorded(assignment, "care_assignment", patient_id=patient.id, action=Action.UPDATE)


def current_step(patient: User) -> StepAssignment | None:
    return db.session.execute(
        db.select(StepAssignment).where(
            StepAssignment.patient_id == patient.id, StepAssignment.ended_at.is_(None)
        )
    ).scalar_one_or_none()


def set_step(
    patient: User,
    step: int,
    *,
    by: User | None,
    reason: str | None = None,
    therapist: User | None = None,
    context: dict | None = None,
) -> StepAssignment:
    """Move a patient to a step of care, and tell the domains that act on it.

    Steps 2 and 3 need a therapist: the given one, or the current one. ``context`` carries
    what the decision was based on (such as screening scores) for the receivers.
    """
    if step not in (1, 2, 3, 4):
        raise ValueError(f"step must be 1-4, got {step}")
    if therapist is not None:
        assign(patient, therapist, by=by)
    _lock_patient(patient)
    existing = current_step(patient)
    if existing is not None:
        existing.ended_at = utcnow()
        db.session.flush()
    assignment = StepAssignment(
        patient_id=patient.id, step=step, decided_by_id=by.id if by else None, reason=reason
    )
    add_recorded(assignment, "step", patient_id=patient.id, action=Action.UPDATE)
    send(step_assigned, patient, change=StepChange(patient, step, therapist, by, reason,
                                                  context or {}))
    return assignment


END_REASONS = ("completed", "dropped_out", "referred_on", "other")


def discharge(patient: User, *, by: User | None, reason: str, end_reason: str) -> None:
    """End the episode of care: the step ends with no next one."""
    if end_reason not in END_REASONS:
        raise ValueError(f"end_reason must be one of {END_REASONS}")
    current = current_step(patient)
    if current is None:
        return
    current.ended_at = now = utcnow()
    current.end_reason = end_reason
    current.reason = "\n".join(filter(None, [current.reason, reason]))
    db.session.flush()
    record(Action.UPDATE, "step", current.id, patient_id=patient.id)
    send(step_assigned, patient, change=StepChange(patient, None, None, by, reason,
                                                  {"end_reason": end_reason},
                                                  ended_step_id=current.id, discharged_at=now))


def record_contact(patient_id: int, therapist_id: int | None, kind: str,
                   source_id: str | None = None, duration_minutes: int | None = None) -> None:
    """A contact that counts as treatment (video session, written feedback, ...)."""
    db.session.add(TreatmentContact(patient_id=patient_id, therapist_id=therapist_id, kind=kind,
                                    source_id=source_id, duration_minutes=duration_minutes))
    db.session.flush()


def current_steps(patient_ids: list[int]) -> dict[int, StepAssignment]:
    return {s.patient_id: s for s in db.session.execute(
        db.select(StepAssignment).where(StepAssignment.patient_id.in_(patient_ids),
                                        StepAssignment.ended_at.is_(None))
    ).scalars()}


def open_clinical_alert_counts(patient_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(
        db.select(ClinicalAlert.patient_id, func.count())
        .where(ClinicalAlert.patient_id.in_(patient_ids), ClinicalAlert.acknowledged_at.is_(None))
        .group_by(ClinicalAlert.patient_id)
    ).all())


def add_note(patient: User, author: User, body: str) -> ClinicianNote:
    note = ClinicianNote(patient_id=patient.id, author_id=author.id, body=body.strip())
    return add_recorded(note, "clinician_note", patient_id=patient.id)


def record_disclosure(patient: User | None, *, by: User | None, kind: str, recipient: str,
                      purpose: str, what: str, patient_count: int = 1) -> Disclosure:
    """Every letter or export that leaves the care team: what, to whom, why."""
    disclosure = Disclosure(patient_id=patient.id if patient else None, kind=kind, what=what,
                            recipient=recipient.strip(), purpose=purpose.strip(),
                            made_by_id=by.id if by else None, patient_count=patient_count)
    db.session.add(disclosure)
    db.session.flush()
    if patient is not None:
        record(Action.EXPORT, kind, disclosure.id, patient_id=patient.id)
    return disclosure


def contact_count(patient: User) -> int:
    return db.session.execute(
        db.select(func.count()).select_from(TreatmentContact)
        .where(TreatmentContact.patient_id == patient.id)
    ).scalar_one()


def step_history(patient: User) -> list[StepAssignment]:
    return list(db.session.execute(
        db.select(StepAssignment).where(StepAssignment.patient_id == patient.id)
        .order_by(StepAssignment.started_at)
    ).scalars())
