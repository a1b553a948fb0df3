"""The reminder screening contributes: weekly questionnaires that are due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import selectinload

from app.caseload.models import StepAssignment
from app.db import db
from app.signals import Reminder
from screening.operations import MEASURED_STEPS, last_weekly_at, weekly_due


def collect(sender, *, now: datetime, **_kwargs) -> list[Reminder]:
    steps = db.session.execute(
        db.select(StepAssignment).options(selectinload(StepAssignment.patient))
        .where(StepAssignment.ended_at.is_(None), StepAssignment.step.in_(MEASURED_STEPS))
    ).scalars()
    reminders = []
    for step in steps:
        if weekly_due(step.patient, now):
            last = last_weekly_at(step.patient)
            # One reminder for each time the questionnaires fall due.
            key = f"questionnaire:{step.patient_id}:{last.isoformat() if last else 'first'}"
            reminders.append(Reminder(step.patient, "questionnaire", key))
    return reminders

