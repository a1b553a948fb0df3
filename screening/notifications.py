"""Who hears about a risk alert, and when: at once, at its deadline, and again later.

The sending itself is the core's (:mod:`app.notify`): screening decides whom to tell.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from app import notify
from app.audit.models import Action
from app.audit.operations import record
from app.db import db, utcnow
from screening.models import RiskAlert

KIND = "risk_alert"


def _path(alert: RiskAlert) -> str:
    return f"/alerts/{alert.id}"


def alert_raised(alert: RiskAlert) -> None:
    """The patient's therapist, or every clinician on duty, hears at once."""
    notify.notify_clinicians(
        alert_kind=KIND, alert_id=alert.id, patient_id=alert.patient_id, event="raised",
        recipients=notify.responsible_clinicians(alert.therapist_id), path=_path(alert))


def _escalate(alert: RiskAlert, event: str) -> None:
    extra = current_app.config["ALERT_ESCALATION_EMAIL"]
    notify.notify_clinicians(
        alert_kind=KIND, alert_id=alert.id, patient_id=alert.patient_id, event=event,
        recipients=notify.administrators(), path=_path(alert),
        extra_emails=[extra] if extra else [])


def escalate_overdue(now: datetime | None = None) -> list[RiskAlert]:
    """Alerts nobody acknowledged by their deadline go to the administrators."""
    now = now or utcnow()
    overdue = db.session.execute(
        db.select(RiskAlert).where(RiskAlert.acknowledged_at.is_(None),
                                   RiskAlert.escalated_at.is_(None), RiskAlert.due_at < now)
        .order_by(RiskAlert.id)
    ).scalars().all()
    for alert in overdue:
        alert.escalated_at = now
        db.session.flush()
        record(Action.UPDATE, "risk_alert", alert.id, patient_id=alert.patient_id)
        _escalate(alert, "escalated")
    return list(overdue)


def escalate_again(now: datetime | None = None) -> list[RiskAlert]:
    """Still open at the second deadline (hours after raising): the administrators again."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["RISK_SECOND_ESCALATION_HOURS"])
    overdue = db.session.execute(
        db.select(RiskAlert).where(RiskAlert.acknowledged_at.is_(None),
                                   RiskAlert.second_escalated_at.is_(None),
                                   RiskAlert.created_at < cutoff)
        .order_by(RiskAlert.id)
    ).scalars().all()
    for alert in overdue:
        alert.second_escalated_at = now
        alert.escalated_at = alert.escalated_at or now
        db.session.flush()
        record(Action.UPDATE, "risk_alert", alert.id, patient_id=alert.patient_id)
        _escalate(alert, "escalated_again")
    return list(overdue)


def for_alert(alert: RiskAlert) -> list[notify.ClinicianNotification]:
    return notify.for_alert(KIND, alert.id)
