"""What screening tells the caseload page, for many patients in a few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func
from sqlalchemy.orm import aliased

from app.caseload.models import StepAssignment
from app.db import db, utcnow
from app.html import html
from app.signals import EMPTY_CELL, CaseloadColumn, CaseloadFacts, FactSource, PatientFacts
from screening import scoring
from screening.instruments import load_instrument
from screening.models import ContactAttempt, ContactOutcome, QuestionnaireResponse, RiskAlert

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


@dataclass(frozen=True)
class Summary:
    """A patient's first and latest total on one measure, and how many there are."""

    first: int
    last: int
    last_at: datetime
    count: int


def measure_summaries(patient_ids: list[int]) -> dict[int, dict[str, Summary]]:
    """{patient: {instrument: Summary}} for PHQ-9 and GAD-7.

    The caseload needs only each series' ends, so the database finds them (a grouped scan
    of the (patient, instrument, submitted_at) index, then one lookup per end) rather than
    returning every weekly total: 20 weeks x 150 patients is 6,000 rows, which took most of
    a caseload request's time to load into Python.
    """
    r = QuestionnaireResponse
    ends = (
        db.select(r.patient_id, r.instrument_id,
                  func.min(r.submitted_at).label("first_at"),
                  func.max(r.submitted_at).label("last_at"),
                  func.count().label("count"))
        .where(r.patient_id.in_(patient_ids), r.instrument_id.in_(MEASURES))
        .group_by(r.patient_id, r.instrument_id)
        .subquery()
    )
    first, last = aliased(r), aliased(r)

    def at(response, when):
        return ((response.patient_id == ends.c.patient_id)
                & (response.instrument_id == ends.c.instrument_id)
                & (response.submitted_at == when))

    rows = db.session.execute(
        db.select(ends.c.patient_id, ends.c.instrument_id, first.total, last.total,
                  last.submitted_at, ends.c.count)
        .join(first, at(first, ends.c.first_at))
        .join(last, at(last, ends.c.last_at))
    ).all()
    found: dict[int, dict[str, Summary]] = defaultdict(dict)
    # Two responses at the very same instant would both match; either is the series' end.
    for patient_id, instrument_id, first_total, last_total, last_at, count in rows:
        found[patient_id][instrument_id] = Summary(first_total, last_total, last_at, count)
    return found


@dataclass(frozen=True)
class ScreeningFacts(PatientFacts):
    """What screening tells the caseload about one patient.

    The measures are set once the patient has both a PHQ-9 and a GAD-7.
    """

    open_risk_alerts: int = 0
    not_on_track: bool = False  # step 2 from NOT_ON_TRACK_WEEK on, without reliable improvement
    phq9_latest: int | None = None
    gad7_latest: int | None = None
    phq9_band: str | None = None
    gad7_band: str | None = None
    phq9_change: int | None = None  # latest minus first
    gad7_change: int | None = None
    reliable_improvement: bool = False
    reliable_deterioration: bool = False
    measures: int = 0  # PHQ-9s answered
    last_measure_at: datetime | None = None
    # The oldest open risk alert on which nobody has reached the patient yet, and for how
    # many hours it has waited (hazard H-005: patient unreachable).
    risk_unreached_since: datetime | None = None
    risk_unreached_hours: int | None = None

    def active_at(self) -> datetime | None:
        return self.last_measure_at

    def waiting_since(self) -> datetime | None:
        return self.risk_unreached_since


def unreached_since(patient_ids: list[int]) -> dict[int, datetime]:
    """{patient: creation of their oldest open risk alert without a reached contact}."""
    reached = db.select(ContactAttempt.id).where(
        ContactAttempt.alert_id == RiskAlert.id, ContactAttempt.outcome == ContactOutcome.REACHED)
    return dict(db.session.execute(
        db.select(RiskAlert.patient_id, func.min(RiskAlert.created_at))
        .where(RiskAlert.patient_id.in_(patient_ids), RiskAlert.acknowledged_at.is_(None),
               ~reached.exists())
        .group_by(RiskAlert.patient_id)
    ).all())


def _change_facts(series: dict[str, Summary], instruments: dict) -> dict:
    if not all(m in series for m in MEASURES):
        return {}
    first = {m: series[m].first for m in MEASURES}
    last = {m: series[m].last for m in MEASURES}
    outcome = scoring.episode_outcome(first, last)
    return {
        "phq9_latest": last["phq9"], "gad7_latest": last["gad7"],
        "phq9_band": instruments["phq9"].band_for(last["phq9"]).name,
        "gad7_band": instruments["gad7"].band_for(last["gad7"]).name,
        "phq9_change": last["phq9"] - first["phq9"], "gad7_change": last["gad7"] - first["gad7"],
        "reliable_improvement": outcome.reliable_improvement,
        "reliable_deterioration": outcome.reliable_deterioration,
        "measures": series["phq9"].count,
        "last_measure_at": series["phq9"].last_at,
    }


def _alerts_patients(alert_ids) -> set[int]:
    return set(db.session.execute(
        db.select(RiskAlert.patient_id).where(RiskAlert.id.in_(list(alert_ids)))).scalars())


#: The tables screening's facts come from (the core names step_assignment).
SOURCES = (FactSource("questionnaire_response"), FactSource("risk_alert"),
           FactSource("risk_contact_attempt", "alert_id", _alerts_patients))


def _valid_until(started: datetime | None, not_on_track: bool, since: datetime | None,
                 now: datetime, check_week: timedelta) -> datetime | None:
    """When time alone next changes the facts: not on track, or a further hour unreached."""
    times = []
    if started is not None and not not_on_track and now - started < check_week:
        times.append(started + check_week)
    if since is not None:
        times.append(since + timedelta(hours=(now - since) // timedelta(hours=1) + 1))
    return min(times, default=None)


def facts(sender, *, patient_ids: list[int], **_kwargs) -> CaseloadFacts:
    if not patient_ids:
        return CaseloadFacts(ScreeningFacts, sources=SOURCES)
    measures = measure_summaries(patient_ids)
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
    unreached = unreached_since(patient_ids)
    found, valid_until = {}, {}
    for patient_id in patient_ids:
        change = _change_facts(measures[patient_id], instruments) if patient_id in measures else {}
        started = steps.get(patient_id)
        # Early non-response predicts failure in internet CBT (Forsell et al. 2019).
        not_on_track = bool(started and now - started >= check_week
                            and not change.get("reliable_improvement"))
        since = unreached.get(patient_id)
        found[patient_id] = ScreeningFacts(
            open_risk_alerts=alerts.get(patient_id, 0), not_on_track=not_on_track,
            risk_unreached_since=since,
            risk_unreached_hours=int((now - since).total_seconds() // 3600) if since else None,
            **change)
        until = _valid_until(started, not_on_track, since, now, check_week)
        if until is not None:
            valid_until[patient_id] = until
    return CaseloadFacts(ScreeningFacts, found, valid_until, SOURCES)


def _risk_alerts(row: Any, t: Mapping[str, Any]) -> str:
    facts = row.facts
    if not facts.open_risk_alerts:
        return ""
    label = ngettext("%(num)s risk alert", "%(num)s risk alerts", facts.open_risk_alerts)
    shown = html('<a class="badge badge-danger" href="%s">%s</a>', url_for("screening.alerts"),
                 label)
    if facts.risk_unreached_since:
        waited = (ngettext("%(num)s hour", "%(num)s hours", facts.risk_unreached_hours)
                  if facts.risk_unreached_hours else t["screening_under_an_hour"])
        shown += html(' <span class="badge badge-danger risk-unreached">%s · %s</span>',
                      t["screening_unreached"], waited)
    return shown


def _marker(css: str, arrow: str, label: str) -> str:
    return html('\n<span class="%s" title="%s">%s <span class="visually-hidden">%s</span></span>',
                css, label, arrow, label)


def _measure(latest: int | None, band: str | None, change: int | None) -> str:
    if latest is None:
        return EMPTY_CELL
    return html('<span class="badge band-%s">%s</span>\n<span class="change">%s</span>',
                band, latest, f"{change or 0:+d}")


def _phq9(row: Any, t: Mapping[str, Any]) -> str:
    facts = row.facts
    shown = _measure(facts.phq9_latest, facts.phq9_band, facts.phq9_change)
    if facts.phq9_latest is None:
        return shown
    if facts.reliable_improvement:
        shown += _marker("marker-up", "\u25bc", t["screening_improvement"])
    if facts.reliable_deterioration:
        shown += _marker("marker-down", "\u25b2", t["screening_deterioration"])
    return shown


def _gad7(row: Any, t: Mapping[str, Any]) -> str:
    facts = row.facts
    return _measure(facts.gad7_latest, facts.gad7_band, facts.gad7_change)


def columns(sender, **_kwargs) -> list[CaseloadColumn]:
    return [
        CaseloadColumn("needs", 110, _risk_alerts,
                       strings={"screening_unreached": _l("Not yet reached"),
                                "screening_under_an_hour": _l("under an hour")}),
        CaseloadColumn("phq9", 500, _phq9, "PHQ-9", strings={
            "screening_improvement": _l("Reliable improvement"),
            "screening_deterioration": _l("Reliable deterioration")}),
        CaseloadColumn("gad7", 600, _gad7, "GAD-7"),
    ]
