"""Measurement-based alerts screening raises: deterioration, not on track, overdue risk."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.caseload import alerts
from app.caseload.models import StepAssignment
from app.db import db
from screening import scoring
from screening.caseload import MEASURES, measure_summaries
from screening.models import RiskAlert


def check_patient(patient_id: int, now: datetime) -> int:
    series = measure_summaries([patient_id]).get(patient_id, {})
    if not all(m in series for m in MEASURES):
        return 0
    first = {m: series[m].first for m in MEASURES}
    last = {m: series[m].last for m in MEASURES}
    outcome = scoring.episode_outcome(first, last)
    raised = 0
    latest = series["phq9"].last_at.isoformat()
    if outcome.reliable_deterioration and not alerts.has_open(patient_id, "deterioration"):
        raised += alerts.raise_alert(
            patient_id, "deterioration", f"deterioration:{patient_id}:{latest}",
            str(_l("PHQ-9 %(a)s → %(b)s, GAD-7 %(c)s → %(d)s", a=first["phq9"],
                   b=last["phq9"], c=first["gad7"], d=last["gad7"])))
    step = db.session.execute(
        db.select(StepAssignment).where(StepAssignment.patient_id == patient_id,
                                        StepAssignment.ended_at.is_(None))
    ).scalar_one_or_none()
    check_after = timedelta(weeks=current_app.config["NOT_ON_TRACK_WEEK"])
    if (step is not None and step.step == 2 and now - step.started_at >= check_after
            and not outcome.reliable_improvement):
        raised += alerts.raise_alert(
            patient_id, "not_on_track", f"not_on_track:{step.id}",
            str(_l("No reliable improvement by week %(n)s: consider stepping up.",
                   n=current_app.config["NOT_ON_TRACK_WEEK"])))
    return raised


def sweep(sender, *, now: datetime, **_kwargs) -> int:
    raised = 0
    overdue = db.session.execute(
        db.select(RiskAlert).where(RiskAlert.acknowledged_at.is_(None), RiskAlert.due_at < now)
    ).scalars()
    for alert in overdue:
        raised += alerts.raise_alert(alert.patient_id, "risk_overdue",
                                     f"risk_overdue:{alert.id}",
                                     str(_l("A risk alert was not acknowledged in time.")))
    steps = db.session.execute(
        db.select(StepAssignment.patient_id).where(StepAssignment.ended_at.is_(None),
                                                   StepAssignment.step == 2)
    ).scalars()
    for patient_id in steps:
        raised += check_patient(patient_id, now)
    return raised
