"""What screening tells the caseload page, for many patients in a few queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import func

from app.caseload.models import StepAssignment
from app.dashboard import caseload_facts
from app.db import db, utcnow
from screening import scoring
from screening.instruments import load_instrument
from screening.models import QuestionnaireResponse, RiskAlert

MEASURES = ("phq9", "gad7")


def measures_by_patient(patient_ids: list[int]) -> dict[int, dict[str, list]]:
    """Every PHQ-9 and GAD-7 total, oldest first: {patient: {instrument: [(when, total)]}}."""
    rows = db.session.execute(
        db.select(QuestionnaireResponse.patient_id, QuestionnaireResponse.instrument_id,
                  QuestionnaireResponse.submitted_at, QuestionnaireResponse.total)
        .where(QuestionnaireResponse.patient_id.in_(patient_ids),
               QuestionnaireResponse.instrument_id.in_(MEASURES))
        .order_by(QuestionnaireResponse.submitted_at)
    ).all()
    found: dict[int, dict[str, list]] = defaultdict(lambda: {m: [] for m in MEASURES})
    for patient_id, instrument_id, when, total in rows:
        found[patient_id][instrument_id].append((when, total))
    return found


def _change_facts(series: dict[str, list], instruments: dict) -> dict:
    if not series["phq9"] or not series["gad7"]:
        return {}
    first = {m: series[m][0][1] for m in MEASURES}
    last = {m: series[m][-1][1] for m in MEASURES}
    outcome = scoring.episode_outcome(first, last)
    return {
        "phq9_latest": last["phq9"], "gad7_latest": last["gad7"],
        "phq9_band": instruments["phq9"].band_for(last["phq9"]).name,
        "gad7_band": instruments["gad7"].band_for(last["gad7"]).name,
        "phq9_change": last["phq9"] - first["phq9"], "gad7_change": last["gad7"] - first["gad7"],
        "reliable_improvement": outcome.reliable_improvement,
        "reliable_deterioration": outcome.reliable_deterioration,
        "measures": len(series["phq9"]),
        "last_measure_at": series["phq9"][-1][0],
    }


def _facts(sender, *, patient_ids: list[int], **_kwargs) -> dict[int, dict]:
    if not patient_ids:
        return {}
    measures = measures_by_patient(patient_ids)
    content = current_app.config["CONTENT_DIR"]
    instruments = {m: load_instrument(m, content) for m in MEASURES}
    alerts = dict(db.session.execute(
        db.select(RiskAlert.patient_id, func.count())
        .where(RiskAlert.patient_id.in_(patient_ids), RiskAlert.acknowledged_at.is_(None))
        .group_by(RiskAlert.patient_id)
    ).all())
    steps = dict(db.session.execute(
        db.select(StepAssignment.patient_id, StepAssignment.started_at)
        .where(StepAssignment.patient_id.in_(patient_ids), StepAssignment.ended_at.is_(None),
               StepAssignment.step == 2)
    ).all())
    check_week = timedelta(weeks=current_app.config["NOT_ON_TRACK_WEEK"])
    now = utcnow()
    facts = {}
    for patient_id in patient_ids:
        found = _change_facts(measures[patient_id], instruments) if patient_id in measures else {}
        found["open_risk_alerts"] = alerts.get(patient_id, 0)
        started = steps.get(patient_id)
        # Early non-response predicts failure in internet CBT (Forsell et al. 2019).
        found["not_on_track"] = bool(started and now - started >= check_week
                                     and not found.get("reliable_improvement"))
        facts[patient_id] = found
    return facts


def connect() -> None:
    caseload_facts.connect(_facts)
