"""Programmes as loaded from content/, enrolments, progress, exercise answers and the diary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


class ProgrammeRecord(db.Model):
    """A programme as last loaded by ``flask content load``."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    step: Mapped[int]
    unlock: Mapped[str] = mapped_column(String(16))
    # Bumped whenever the content changes, so answers can say which text they answered.
    version: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    modules: Mapped[list[ModuleRecord]] = relationship(
        back_populates="programme", order_by="ModuleRecord.position"
    )

    def text(self, field: str, lang: str) -> str:
        values = getattr(self, field)
        return values.get(lang) or values.get(self.languages[0], "")

    @property
    def current_modules(self) -> list[ModuleRecord]:
        return [m for m in self.modules if m.retired_at is None]


class ModuleRecord(db.Model):
    """One module, all its languages. Retired (never deleted) when content drops it."""

    __tablename__ = "programme_module"
    __table_args__ = (
        Index("uq_programme_module_slug", "programme_id", "slug", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    optional: Mapped[bool] = mapped_column(default=False)
    minutes: Mapped[int]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    # {lang: {"title", "summary", "body"}} and {lang: [{"type", "id", "fields"}]}
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    blocks: Mapped[dict[str, Any]] = mapped_column(JSON)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[ProgrammeRecord] = relationship(back_populates="modules")

    def text(self, field: str, lang: str) -> str:
        texts = self.texts.get(lang) or next(iter(self.texts.values()))
        return texts[field]


class Enrolment(db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        Index("ix_enrolment_patient_status", "patient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="active")

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    therapist: Mapped[User | None] = relationship(foreign_keys=[therapist_id])
    programme: Mapped[ProgrammeRecord] = relationship()
    unlocks: Mapped[list[ModuleUnlock]] = relationship(cascade="all, delete-orphan")
    progress: Mapped[list[ModuleProgress]] = relationship(cascade="all, delete-orphan")


class ModuleUnlock(db.Model):
    """A module the therapist opened for this patient (early, or under the 'therapist' rule)."""

    __tablename__ = "module_unlock"
    __table_args__ = (Index("uq_module_unlock", "enrolment_id", "module_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_module.id"))
    unlocked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ModuleProgress(db.Model):
    __tablename__ = "module_progress"
    __table_args__ = (Index("uq_module_progress", "enrolment_id", "module_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_module.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExerciseAnswer(db.Model):
    """A patient's answer to one interactive block, saved as they type."""

    __tablename__ = "exercise_answer"
    __table_args__ = (
        Index("uq_exercise_answer", "patient_id", "module_id", "block_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_module.id"))
    block_id: Mapped[str] = mapped_column(String(64))
    block_type: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    module_version: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saves: Mapped[int] = mapped_column(default=1)

    module: Mapped[ModuleRecord] = relationship()


class TherapistFeedback:
    """The therapist's written feedback, the same on homework and on a VR session: written
    by ``operations.write_feedback``, unread until ``operations.mark_feedback_read``."""

    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def feedback_by(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=lambda: [cls.feedback_by_id])


class HomeworkSubmission(TherapistFeedback, db.Model):
    """Homework the patient sent to their therapist, with the therapist's written feedback."""

    __tablename__ = "homework_submission"
    __table_args__ = (Index("ix_homework_waiting", "therapist_id", "feedback_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("exercise_answer.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_module.id"))
    # What was sent, as sent: later edits of the draft do not change it.
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    module: Mapped[ModuleRecord] = relationship()


class MoodEntry(db.Model):
    """The daily mood diary: 0-10 and an optional note, one entry per day."""

    __tablename__ = "mood_entry"
    __table_args__ = (
        CheckConstraint("mood BETWEEN 0 AND 10", name="mood"),
        Index("uq_mood_entry_day", "patient_id", "day", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    day: Mapped[date] = mapped_column(Date)
    mood: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VrSession(TherapistFeedback, db.Model):
    """One virtual-reality exposure session: a scene block of a module, climbed level by
    level with a SUDS rating (0-100) before, at each level and after."""

    __tablename__ = "vr_session"
    __table_args__ = (Index("ix_vr_session_patient", "patient_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_module.id"))
    block_id: Mapped[str] = mapped_column(String(64))
    scene: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    highest_level: Mapped[int] = mapped_column(default=0)
    # The level the session began at: the therapist's starting level for the scene, or 1.
    start_level: Mapped[int] = mapped_column(default=1, server_default="1")

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    module: Mapped[ModuleRecord] = relationship()
    ratings: Mapped[list[VrRating]] = relationship(
        cascade="all, delete-orphan", order_by="VrRating.id")


class VrRating(db.Model):
    """A SUDS rating (0-100) in a session: before the first level, at a level, or after."""

    __tablename__ = "vr_rating"
    __table_args__ = (
        CheckConstraint("suds BETWEEN 0 AND 100", name="suds"),
        CheckConstraint("phase IN ('before', 'during', 'after')", name="phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("vr_session.id"), index=True)
    level: Mapped[int]
    phase: Mapped[str] = mapped_column(String(8))
    suds: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VrAssignment(db.Model):
    """A scene the therapist assigned to the patient, with the level to start at."""

    __tablename__ = "vr_assignment"
    __table_args__ = (
        CheckConstraint("start_level >= 1", name="start_level"),
        Index("uq_vr_assignment_scene", "patient_id", "scene", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    scene: Mapped[str] = mapped_column(String(16))
    start_level: Mapped[int]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
