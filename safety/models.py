"""Safety plans: one plan per patient, every version kept (the versions are never changed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, db, utcnow


class SafetyPlan(db.Model):
    """A patient's safety plan. What it says is its latest ``SafetyPlanVersion``."""

    __tablename__ = "safety_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The number of the latest version: a version's number is its place in the history.
    current_number: Mapped[int] = mapped_column(default=0)

    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    versions: Mapped[list[SafetyPlanVersion]] = relationship(
        back_populates="plan", order_by="SafetyPlanVersion.number")


class SafetyPlanVersion(db.Model):
    """One saved state of a plan, written once and never updated (append-only)."""

    __tablename__ = "safety_plan_version"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_safety_plan_version_number"),
        Index("ix_safety_plan_version_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("safety_plan.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    number: Mapped[int]
    # {section id: [item, ...]} for the sections in safety.sections.SECTIONS.
    sections: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change_note: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[SafetyPlan] = relationship(back_populates="versions")
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def items(self, section: str) -> list[str]:
        return list(self.sections.get(section) or [])
