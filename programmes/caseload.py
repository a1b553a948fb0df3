"""What programmes tells the caseload page, for many patients in a few queries."""

from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from app.dashboard import caseload_facts
from app.db import db
from programmes import operations
from programmes.models import (
    Enrolment,
    ExerciseAnswer,
    HomeworkSubmission,
    MoodEntry,
    ProgrammeRecord,
)


def _grouped(query) -> dict:
    return dict(db.session.execute(query).all())


def _facts(sender, *, patient_ids: list[int], **_kwargs) -> dict[int, dict]:
    if not patient_ids:
        return {}
    lang = str(get_locale())
    enrolments = db.session.execute(
        db.select(Enrolment)
        .options(selectinload(Enrolment.programme).selectinload(ProgrammeRecord.modules),
                 selectinload(Enrolment.unlocks), selectinload(Enrolment.progress))
        .where(Enrolment.patient_id.in_(patient_ids), Enrolment.status == "active")
        .order_by(Enrolment.started_at)
    ).scalars().all()
    waiting = db.session.execute(
        db.select(HomeworkSubmission.patient_id, func.count(),
                  func.min(HomeworkSubmission.submitted_at))
        .where(HomeworkSubmission.patient_id.in_(patient_ids),
               HomeworkSubmission.feedback_at.is_(None))
        .group_by(HomeworkSubmission.patient_id)
    ).all()
    activity = [
        _grouped(db.select(ExerciseAnswer.patient_id, func.max(ExerciseAnswer.updated_at))
                 .where(ExerciseAnswer.patient_id.in_(patient_ids))
                 .group_by(ExerciseAnswer.patient_id)),
        _grouped(db.select(MoodEntry.patient_id, func.max(MoodEntry.updated_at))
                 .where(MoodEntry.patient_id.in_(patient_ids)).group_by(MoodEntry.patient_id)),
    ]
    facts: dict[int, dict] = {pid: {} for pid in patient_ids}
    for enrolment in enrolments:
        row = facts[enrolment.patient_id]
        if enrolment.programme.step == 2 or "programme" not in row:
            following = operations.next_module(enrolment)
            row["programme"] = enrolment.programme.text("title", lang)
            row["module"] = following.text("title", lang) if following else None
            row["modules_done"] = operations.progress_fraction(enrolment)
    for patient_id, count, oldest in waiting:
        facts[patient_id]["homework_waiting"] = count
        facts[patient_id]["homework_since"] = oldest
    for patient_id in patient_ids:
        times = [found[patient_id] for found in activity if found.get(patient_id)]
        if times:
            facts[patient_id]["programme_activity"] = max(times)
    return facts


def connect() -> None:
    caseload_facts.connect(_facts)
