"""Measurement-based alerts for therapists, raised by the domains and acknowledged here.

Kinds: deterioration, not_on_track, inactive, risk_overdue. Each situation has a key,
so raising is idempotent; an alert stays until a clinician acknowledges it.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask
from flask.cli import with_appcontext

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import record
from app.caseload.models import ClinicalAlert
from app.db import add_if_unique, db, utcnow
from app.signals import alert_sweep, answers

KINDS = ("deterioration", "not_on_track", "inactive", "risk_overdue")


def raise_alert(patient_id: int, kind: str, key: str, detail: str | None = None) -> bool:
    """True if a new alert was raised; False if this situation already had one."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    exists = db.session.execute(
        db.select(ClinicalAlert.id).where(ClinicalAlert.key == key)
    ).first()
    if exists:
        return False
    alert = ClinicalAlert(patient_id=patient_id, kind=kind, key=key, detail=detail)
    if not add_if_unique(alert):
        return False  # raised at the same moment by another worker
    record(Action.CREATE, "clinical_alert", alert.id, patient_id=patient_id)
    return True


def has_open(patient_id: int, kind: str) -> bool:
    return db.session.execute(
        db.select(ClinicalAlert.id).where(ClinicalAlert.patient_id == patient_id,
                                          ClinicalAlert.kind == kind,
                                          ClinicalAlert.acknowledged_at.is_(None))
    ).first() is not None


def open_for(patient_id: int) -> list[ClinicalAlert]:
    return list(db.session.execute(
        db.select(ClinicalAlert).where(ClinicalAlert.patient_id == patient_id,
                                       ClinicalAlert.acknowledged_at.is_(None))
        .order_by(ClinicalAlert.created_at)
    ).scalars())


def acknowledge(alert: ClinicalAlert, by: User) -> None:
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = by.id
    db.session.flush()
    record(Action.UPDATE, "clinical_alert", alert.id, patient_id=alert.patient_id)


def sweep(now: datetime | None = None) -> int:
    return sum(answers(alert_sweep, None, now=now or utcnow()))


@click.command("check-alerts")
@with_appcontext
def check_alerts_command() -> None:
    """Raise inactivity and overdue-risk alerts (run from cron, e.g. hourly)."""
    raised = sweep()
    db.session.commit()
    click.echo(f"Raised {raised} new clinical alert(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(check_alerts_command)
