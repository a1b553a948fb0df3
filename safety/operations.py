"""Writes and reads of safety plans. Each write flushes; the request commits once.

A change never edits a version: it appends the next one, so the history shows who wrote
what, and when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import add_recorded, record, record_many
from app.db import db, utcnow
from safety.models import SafetyPlan, SafetyPlanVersion
from safety.sections import MAX_ITEM_LENGTH, MAX_ITEMS, SECTION_IDS


class NothingChanged(ValueError):
    """The new version would say exactly what the current one says."""


class PlanFull(ValueError):
    """A section already holds as many items as fit on the printed page."""


def plan_for(patient_id: int) -> SafetyPlan | None:
    return db.session.execute(
        db.select(SafetyPlan).where(SafetyPlan.patient_id == patient_id)
    ).scalar_one_or_none()


def current_version(plan: SafetyPlan) -> SafetyPlanVersion:
    return db.session.execute(
        db.select(SafetyPlanVersion).options(selectinload(SafetyPlanVersion.author))
        .where(SafetyPlanVersion.plan_id == plan.id,
               SafetyPlanVersion.number == plan.current_number)
    ).scalar_one()


def read_current(patient_id: int) -> SafetyPlanVersion | None:
    """The patient's current plan, audited as a read (None, unaudited, when there is none)."""
    plan = plan_for(patient_id)
    if plan is None:
        return None
    version = current_version(plan)
    record(Action.READ, "safety_plan_version", version.id, patient_id=patient_id)
    return version


def history(plan: SafetyPlan) -> list[SafetyPlanVersion]:
    """Every version, newest first; each one shown is audited."""
    versions = list(db.session.execute(
        db.select(SafetyPlanVersion).options(selectinload(SafetyPlanVersion.author))
        .where(SafetyPlanVersion.plan_id == plan.id)
        .order_by(SafetyPlanVersion.number.desc())
    ).scalars())
    record_many(Action.READ, "safety_plan_version",
                [(v.id, plan.patient_id) for v in versions])
    return versions


def updated_at_for(patient_ids: Sequence[int]) -> dict[int, datetime]:
    """{patient: when their plan last changed} for the patients who have one."""
    if not patient_ids:
        return {}
    return dict(db.session.execute(
        db.select(SafetyPlan.patient_id, SafetyPlan.updated_at)
        .where(SafetyPlan.patient_id.in_(list(patient_ids)))
    ).all())


def clean(sections: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Every section, its items stripped and the empty ones dropped; ValueError if too long."""
    cleaned: dict[str, list[str]] = {}
    for section_id in SECTION_IDS:
        items = [" ".join(str(item).split()) for item in sections.get(section_id) or []]
        items = [item for item in items if item]
        if len(items) > MAX_ITEMS or any(len(item) > MAX_ITEM_LENGTH for item in items):
            raise ValueError(section_id)
        cleaned[section_id] = items
    return cleaned


def save_version(patient: User, sections: Mapping[str, Sequence[str]], *, by: User,
                 note: str | None = None) -> SafetyPlanVersion:
    """Append a version with these sections (starting the plan if the patient has none)."""
    content = clean(sections)
    plan = plan_for(patient.id)
    if plan is None:
        plan = SafetyPlan(patient_id=patient.id, current_number=0)
        add_recorded(plan, "safety_plan", patient_id=patient.id)
    elif current_version(plan).sections == content:
        raise NothingChanged(plan.id)
    now = utcnow()
    version = SafetyPlanVersion(
        plan_id=plan.id, patient_id=patient.id, number=plan.current_number + 1,
        sections=content, author_id=by.id, author_role=str(by.role), created_at=now,
        change_note=(note or "").strip() or None)
    db.session.add(version)
    plan.current_number = version.number
    plan.updated_at = now
    db.session.flush()
    record(Action.CREATE, "safety_plan_version", version.id, patient_id=patient.id)
    return version


def add_item(patient: User, section: str, item: str, *, by: User) -> SafetyPlanVersion:
    """The patient adds one item to a section of their current plan: a new version."""
    plan = plan_for(patient.id)
    if plan is None or section not in SECTION_IDS:
        raise LookupError(section)
    sections = {key: list(value) for key, value in current_version(plan).sections.items()}
    if len(sections.get(section) or []) >= MAX_ITEMS:
        raise PlanFull(section)
    sections[section] = [*(sections.get(section) or []), item]
    return save_version(patient, sections, by=by)
