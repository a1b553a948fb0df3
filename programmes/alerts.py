"""The alert programmes raises: a patient in step 2 or 3 inactive for 14 days or more."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.caseload import alerts
from app.caseload.models import StepAssignment
from app.db import db
from programmes.operations import last_activity


def sweep(sender, *, now: datetime, **_kwargs) -> int:
    quiet = timedelta(days=current_app.config["INACTIVE_ALERT_DAYS"])
    steps = db.session.execute(
        db.select(StepAssignment).options(selectinload(StepAssignment.patient))
        .where(StepAssignment.ended_at.is_(None), StepAssignment.step.in_((2, 3)))
    ).scalars()
    raised = 0
    for step in steps:
        since = last_activity(step.patient) or step.started_at
        if now - since >= quiet:
            raised += alerts.raise_alert(
                step.patient_id, "inactive", f"inactive:{step.patient_id}:{since.date()}",
                str(_l("No activity since %(day)s.", day=since.date().isoformat())))
    return raised
