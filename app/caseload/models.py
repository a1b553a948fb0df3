from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


def _one_current_per_patient(name: str) -> Index:
    """At most one row per patient that has not ended (a partial unique index)."""
    current = text("ended_at IS NULL")
    return Index(name, "patient_id", unique=True, sqlite_where=current,
                 postgresql_where=current)


class CareAssignment(db.Model):
    """A patient on a therapist's caseload. Ended, never deleted: history matters."""

    __tablename__ = "care_assignment"
    __table_args__ = (
        # At most one current therapist per patient.
        _one_current_per_patient("uq_care_assignment_current_patient"),
        Index("ix_care_assignment_therapist_current", "therapist_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    therapist_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])


class StepAssignment(db.Model):
    """The step of care a patient is in. Ended, never deleted, when the step changes."""

    __tablename__ = "step_assignment"
    __table_args__ = (
        CheckConstraint("step BETWEEN 1 AND 4", name="step"),
        _one_current_per_patient("uq_step_assignment_current_patient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    step: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # Set when the episode of care ends without a next step: completed | dropped_out |
    # referred_on | other. NHS Talking Therapies counts dropouts separately.
    end_reason: Mapped[str | None] = mapped_column(String(24))

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class TreatmentContact(db.Model):
    """A therapist-patient contact that counts as treatment (NHS Talking Therapies counts these)."""
    __tablename__ = "treatment_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(24))  # "video", later "feedback", "message"
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_minutes: Mapped[int | None]
    source_id: Mapped[str | None] = mapped_column(String(64))  # e.g. the appointment id


class ClinicianNote(db.Model):
    """A clinician's note in the patient record. Never shown to the patient."""

    __tablename__ = "clinician_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class ClinicalAlert(db.Model):
    """A measurement-based alert for the therapist: acknowledged, never silently dropped.

    Kinds: deterioration, not_on_track, inactive, risk_overdue. The key makes raising
    idempotent: the same situation never raises twice.
    """

    __tablename__ = "clinical_alert"
    __table_args__ = (Index("ix_clinical_alert_open", "patient_id", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    detail: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])


class Disclosure(db.Model):
    """Patient data given to someone outside the care team: what, to whom, and why."""

    __tablename__ = "disclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # referral_letter | research_export
    what: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(Text)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    patient_count: Mapped[int] = mapped_column(default=1)


class StoredFacts(db.Model):
    """Every package's caseload facts about one patient, in one language, kept current.

    ``app.caseload.projection`` writes it in the transaction that changes the rows the
    facts come from, and the caseload page reads it instead of computing the facts.
    ``facts`` holds each package's by the name of its class. From ``valid_until`` on,
    time alone has changed the facts, and the page computes them afresh.
    """

    __tablename__ = "caseload_facts"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    facts: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
