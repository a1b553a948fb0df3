"""Reminders programmes contributes: new feedback, and a nudge after a quiet week in step 2."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import selectinload

from app.caseload.models import StepAssignment
from app.db import db
from app.signals import Reminder
from programmes.models import Enrolment, HomeworkSubmission, VrSession
from programmes.operations import last_activity


def _feedback(now: datetime) -> list[Reminder]:
    unread = db.session.execute(
        db.select(HomeworkSubmission).options(selectinload(HomeworkSubmission.patient))
        .where(HomeworkSubmission.feedback_at.is_not(None),
               HomeworkSubmission.feedback_read_at.is_(None))
    ).scalars()
    reminders = [Reminder(s.patient, "feedback", f"feedback:{s.id}") for s in unread]
    # Feedback on a VR exposure session reaches the patient the same way.
    unread_vr = db.session.execute(
        db.select(VrSession).options(selectinload(VrSession.patient))
        .where(VrSession.feedback_at.is_not(None), VrSession.feedback_read_at.is_(None))
    ).scalars()
    return reminders + [Reminder(s.patient, "feedback", f"vr-feedback:{s.id}")
                        for s in unread_vr]


def _inactive(now: datetime) -> list[Reminder]:
    quiet = timedelta(days=current_app.config["INACTIVITY_REMINDER_DAYS"])
    enrolments = db.session.execute(
        db.select(Enrolment).options(selectinload(Enrolment.patient))
        .join(StepAssignment, (StepAssignment.patient_id == Enrolment.patient_id)
              & StepAssignment.ended_at.is_(None))
        .where(Enrolment.status == "active", StepAssignment.step == 2)
    ).scalars()
    reminders = []
    for enrolment in enrolments:
        since = last_activity(enrolment.patient) or enrolment.started_at
        if now - since >= quiet:
            # One nudge per quiet spell: the key names the last activity.
            key = f"inactive:{enrolment.patient_id}:{since.date().isoformat()}"
            reminders.append(Reminder(enrolment.patient, "inactive", key))
    return reminders


def collect(sender, *, now: datetime, **_kwargs) -> list[Reminder]:
    return _feedback(now) + _inactive(now)
