"""Screening episodes, questionnaire responses and risk alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


class ScreeningStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"


class Screening(db.Model):
    """One pass through the screening questionnaires, from first page to therapist review."""

    __tablename__ = "screening"
    __table_args__ = (
        CheckConstraint("status IN ('in_progress', 'submitted', 'reviewed')", name="status"),
        CheckConstraint("recommended_step BETWEEN 1 AND 4", name="recommended_step"),
        CheckConstraint("confirmed_step BETWEEN 1 AND 4", name="confirmed_step"),
        Index("ix_screening_patient_status", "patient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16), default=ScreeningStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Answers saved page by page, so the patient can stop and resume.
    drafts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recommended_step: Mapped[int | None]
    matched_rules: Mapped[list[str] | None] = mapped_column(JSON)
    # Scores and categorical answers the rules saw; never free text.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    confirmed_step: Mapped[int | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    override_reason: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    responses: Mapped[list[QuestionnaireResponse]] = relationship(
        back_populates="screening", order_by="QuestionnaireResponse.id"
    )

    @property
    def is_overridden(self) -> bool:
        return self.confirmed_step is not None and self.confirmed_step != self.recommended_step


class ResponseContext(StrEnum):
    SCREENING = "screening"
    WEEKLY = "weekly"
    #: After discharge: PHQ-9 and GAD-7 once more, to see whether recovery lasted.
    FOLLOWUP = "followup"


class QuestionnaireResponse(db.Model):
    """One completed administration of an instrument, stored whole or not at all."""

    __tablename__ = "questionnaire_response"
    __table_args__ = (
        CheckConstraint("context IN ('screening', 'weekly', 'followup')", name="context"),
        Index("ix_questionnaire_response_patient", "patient_id", "instrument_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    instrument_id: Mapped[str] = mapped_column(String(16))
    instrument_version: Mapped[int]
    context: Mapped[str] = mapped_column(String(16))
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screening.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    total: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(32))
    has_risk: Mapped[bool] = mapped_column(default=False)
    # A double submit carries the same key; the unique index keeps one response.
    idempotency_key: Mapped[str] = mapped_column(String(96), unique=True)

    screening: Mapped[Screening | None] = relationship(back_populates="responses")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )


class FollowUp(db.Model):
    """The questionnaires a discharged patient is asked once more, some months later.

    Made at discharge (one per discharged step row); ``completed_at`` and the responses
    are set when the patient sends them.
    """

    __tablename__ = "followup"
    __table_args__ = (Index("ix_followup_due", "completed_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    step_assignment_id: Mapped[int] = mapped_column(ForeignKey("step_assignment.id"),
                                                    unique=True)
    discharged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phq9_response_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_response.id"))
    gad7_response_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_response.id"))

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    phq9: Mapped[QuestionnaireResponse | None] = relationship(foreign_keys=[phq9_response_id])
    gad7: Mapped[QuestionnaireResponse | None] = relationship(foreign_keys=[gad7_response_id])

    def is_due(self, now: datetime) -> bool:
        return self.completed_at is None and now >= self.due_at


class Answer(db.Model):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id", name="uq_answer_response_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_response.id", ondelete="CASCADE")
    )
    item_id: Mapped[str] = mapped_column(String(48))
    value_int: Mapped[int | None]
    value_text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[QuestionnaireResponse] = relationship(back_populates="answers")

    @property
    def value(self) -> int | str | None:
        return self.value_int if self.value_int is not None else self.value_text


class RiskSource(StrEnum):
    PHQ9_ITEM9 = "phq9_item9"
    INTAKE_SUICIDAL_PLAN = "intake_suicidal_plan"
    #: Words the patient wrote (intake free text, exercises, diary, messages).
    LANGUAGE = "language"


class ExcerptSource(StrEnum):
    """Where the words of a language alert were written."""

    INTAKE = "intake"
    EXERCISE = "exercise"
    DIARY = "diary"
    MESSAGE = "message"


#: Between the sentences of one language alert's excerpt.
EXCERPT_SEPARATOR = "\n"


class RiskAlert(db.Model):
    """An answer that calls for a prompt clinician review. It never closes by itself."""

    __tablename__ = "risk_alert"
    __table_args__ = (
        Index("ix_risk_alert_open", "acknowledged_at", "due_at"),
        # One alert per screening and source: re-saving a page must not raise a second one.
        UniqueConstraint("screening_id", "source", name="uq_risk_alert_screening_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(32))
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screening.id"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_response.id"))
    # The therapist responsible; None means the duty therapists.
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Told the administrators again, RISK_SECOND_ESCALATION_HOURS after raising.
    second_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)
    # Language alerts: the sentence the patient wrote, and where (ExcerptSource).
    # Shown to clinicians only, never back to the patient.
    excerpt: Mapped[str | None] = mapped_column(Text)
    excerpt_source: Mapped[str | None] = mapped_column(String(32))
    # Why nobody reached the patient before the alert was acknowledged (None if reached).
    no_contact_reason: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    therapist: Mapped[User | None] = relationship(foreign_keys=[therapist_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    contacts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="alert", order_by="ContactAttempt.attempted_at")

    @property
    def reached(self) -> bool:
        return any(c.outcome == ContactOutcome.REACHED for c in self.contacts)

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def excerpt_sentences(self) -> list[str]:
        return [s for s in (self.excerpt or "").split(EXCERPT_SEPARATOR) if s]

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at


class ContactMethod(StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    MESSAGE = "message"
    IN_PERSON = "in_person"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"


class ContactAttempt(db.Model):
    """One attempt to reach the patient about a risk alert: the callback log (append-only)."""

    __tablename__ = "risk_contact_attempt"
    __table_args__ = (
        CheckConstraint("method IN ('phone', 'video', 'message', 'in_person')", name="method"),
        CheckConstraint("outcome IN ('reached', 'no_answer', 'voicemail', 'wrong_number')",
                        name="outcome"),
        Index("ix_risk_contact_attempt_alert", "alert_id", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("risk_alert.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    alert: Mapped[RiskAlert] = relationship(back_populates="contacts")
    by: Mapped[User] = relationship(foreign_keys=[by_id])
