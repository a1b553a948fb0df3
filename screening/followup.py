"""The follow-up after treatment: PHQ-9 and GAD-7 once more, some months after discharge.

At a discharge (``step_assigned`` with no next step) a ``FollowUp`` falls due
``FOLLOWUP_DAYS`` later. When it is due the patient sees it on her home page and gets one
reminder email; she answers it on the weekly measures' page, through the same risk loop.
Her therapist sees the scores in her record; reporting counts sustained recovery from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.db import db, utcnow
from app.security import patient_data, roles_required
from app.signals import Panel, Reminder, StepChange
from screening import operations, scoring
from screening.models import FollowUp, ResponseContext, RiskSource
from screening.views import bp, measures_page

# --- writes ----------------------------------------------------------------------------------


def schedule(patient: User, step_assignment_id: int, discharged_at: datetime) -> FollowUp:
    """The follow-up of the episode that this step row ended."""
    followup = FollowUp(
        patient_id=patient.id, step_assignment_id=step_assignment_id,
        discharged_at=discharged_at,
        due_at=discharged_at + timedelta(days=current_app.config["FOLLOWUP_DAYS"]))
    return add_recorded(followup, "followup", patient_id=patient.id)


def on_step_assigned(sender: User, *, change: StepChange, **_kwargs) -> None:
    if change.step is None and change.ended_step_id and change.discharged_at:
        schedule(change.patient, change.ended_step_id, change.discharged_at)


def complete(followup: FollowUp, answers: Mapping[str, Mapping[str, Any]], token: str) -> None:
    """Keep both questionnaires; a risky PHQ-9 item 9 alerts the duty therapists, as ever."""
    patient = followup.patient
    phq9, gad7 = (
        operations._store_response(patient, operations.instrument(i), answers[i],
                                   context=ResponseContext.FOLLOWUP,
                                   key=f"followup:{followup.id}:{token}:{i}")
        for i in operations.WEEKLY_INSTRUMENTS)
    followup.phq9_response_id, followup.gad7_response_id = phq9.id, gad7.id
    followup.completed_at = utcnow()
    db.session.flush()
    record(Action.UPDATE, "followup", followup.id, patient_id=patient.id)
    if phq9.has_risk:
        operations.raise_risk_alert(patient, RiskSource.PHQ9_ITEM9, response=phq9)


# --- reads -----------------------------------------------------------------------------------


def due_for(patient: User, now: datetime | None = None) -> FollowUp | None:
    """The patient's oldest follow-up that is due and not answered (audited when found)."""
    followup = db.session.execute(
        db.select(FollowUp).where(FollowUp.patient_id == patient.id,
                                  FollowUp.completed_at.is_(None),
                                  FollowUp.due_at <= (now or utcnow()))
        .order_by(FollowUp.due_at).limit(1)
    ).scalar_one_or_none()
    if followup is not None:
        record(Action.READ, "followup", followup.id, patient_id=patient.id)
    return followup


def collect_reminders(sender, *, now: datetime, **_kwargs) -> list[Reminder]:
    followups = db.session.execute(
        db.select(FollowUp).options(selectinload(FollowUp.patient))
        .where(FollowUp.completed_at.is_(None), FollowUp.due_at <= now)
    ).scalars()
    # One key per follow-up: the reminder goes out once, however often cron runs.
    return [Reminder(f.patient, "questionnaire", f"followup:{f.id}") for f in followups]


def record_panel(patient: User) -> Panel | None:
    """The patient's follow-ups in her record: when due, and the scores once answered."""
    followups = db.session.execute(
        db.select(FollowUp).options(selectinload(FollowUp.phq9), selectinload(FollowUp.gad7))
        .where(FollowUp.patient_id == patient.id).order_by(FollowUp.due_at)
    ).scalars().all()
    if not followups:
        return None
    for followup in followups:
        record(Action.READ, "followup", followup.id, patient_id=patient.id)
    rows = []
    for followup in followups:
        answered = followup.phq9 is not None and followup.gad7 is not None
        rows.append({
            "followup": followup,
            "phq9": followup.phq9.total if answered else None,
            "gad7": followup.gad7.total if answered else None,
            "caseness": scoring.is_caseness(followup.phq9.total, followup.gad7.total)
            if answered else None,
        })
    return Panel(order=15, template="screening/_followup_record_panel.html",
                 context={"rows": rows, "now": utcnow()})


# --- the patient's page ------------------------------------------------------------------------


def _own_due(followup_id: int) -> FollowUp:
    """Scoped loader: the signed-in patient's own follow-up, due and not answered; else 404."""
    followup = db.session.get(FollowUp, followup_id)
    if (followup is None or followup.patient_id != current_user.id
            or not followup.is_due(utcnow())):
        abort(404)
    record(Action.READ, "followup", followup.id, patient_id=followup.patient_id)
    return followup


@bp.route("/measures/followup/<int:followup_id>", methods=["GET", "POST"])
@roles_required(Role.PATIENT)
@patient_data
def followup_page(followup_id: int):
    followup = _own_due(followup_id)

    def store(answers: dict, token: str):
        try:
            complete(followup, answers, token)
        except operations.AlreadySubmitted:
            db.session.rollback()
            return redirect(url_for("main.patient_home"))
        if followup.phq9 is not None and followup.phq9.has_risk:
            return redirect(url_for(".support"))
        flash(_("Thank you. Your answers help us see how people are doing after treatment."),
              "success")
        return redirect(url_for("main.patient_home"))

    return measures_page(store, heading=_("How have you been since your treatment ended?"),
                         lead=_("A few months have passed since your treatment ended. These "
                                "are the same questions as before, so that you and the clinic "
                                "can see how you are doing now."))
