"""Writes for screening, re-measurement and the risk loop. Each flushes; the request commits."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import joinedload

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import add_recorded, record
from app.caseload.loaders import current_therapist_id
from app.caseload.models import CareAssignment
from app.caseload.operations import current_step, set_step
from app.db import add_if_unique, db, utcnow
from screening import content as screening_content
from screening import notifications, routing, scoring, urgency
from screening.alerts import check_patient
from screening.answers import is_complete, risk_items, scored_values
from screening.instruments import Instrument, load_instrument
from screening.models import (
    Answer,
    QuestionnaireResponse,
    ResponseContext,
    RiskAlert,
    RiskSource,
    Screening,
    ScreeningStatus,
)

WEEKLY_INSTRUMENTS = ("phq9", "gad7")
MEASURED_STEPS = (2, 3)


class AlreadySubmitted(Exception):
    """The same submission arrived twice; the first one stands."""


# --- the screening pages -----------------------------------------------------------------


def instrument(instrument_id: str) -> Instrument:
    return load_instrument(instrument_id, current_app.config["CONTENT_DIR"])


def page_ids() -> list[str]:
    """The screening's pages in order; WSAS can be switched off per deployment."""
    pages = ["phq9", "gad7"]
    if current_app.config["SCREENING_WSAS_ENABLED"]:
        pages.append("wsas")
    return [*pages, "intake"]


def in_progress_for(patient: User) -> Screening | None:
    return db.session.execute(
        db.select(Screening)
        .where(Screening.patient_id == patient.id, Screening.status == ScreeningStatus.IN_PROGRESS)
        .order_by(Screening.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_submitted_for(patient: User) -> Screening | None:
    return db.session.execute(
        db.select(Screening)
        .where(Screening.patient_id == patient.id, Screening.status != ScreeningStatus.IN_PROGRESS)
        .order_by(Screening.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def start(patient: User) -> Screening:
    existing = in_progress_for(patient)
    if existing is not None:
        return existing
    screening = Screening(patient_id=patient.id, drafts={})
    return add_recorded(screening, "screening", patient_id=patient.id)


def next_page(screening: Screening) -> str | None:
    for page in page_ids():
        if not is_complete(instrument(page), screening.drafts.get(page, {})):
            return page
    return None


def save_page(screening: Screening, page: str, answers: Mapping[str, Any]) -> list[RiskAlert]:
    """Keep a page's answers; a risky answer raises its alert in this same transaction."""
    previous = dict(screening.drafts.get(page) or {})
    # Assign a new dict: SQLAlchemy notices a replaced JSON value, not an edited one.
    screening.drafts = {**screening.drafts, page: dict(answers)}
    db.session.flush()
    record(Action.UPDATE, "screening", screening.id, patient_id=screening.patient_id)
    alerts: list[RiskAlert] = []
    if page == "intake":
        from screening.language_alerts import check_intake

        alerts += check_intake(screening.patient, answers, previous)
    if not risk_items(instrument(page), answers):
        return alerts
    source = RiskSource.PHQ9_ITEM9 if page == "phq9" else RiskSource.INTAKE_SUICIDAL_PLAN
    alert = raise_risk_alert(screening.patient, source, screening=screening)
    return [alert, *alerts] if alert is not None else alerts


def _store_response(
    patient: User,
    instrument_: Instrument,
    answers: Mapping[str, Any],
    *,
    context: ResponseContext,
    key: str,
    screening: Screening | None = None,
) -> QuestionnaireResponse:
    total = band = None
    if instrument_.is_scored:
        result = scoring.score(instrument_.id, scored_values(instrument_, answers),
                               current_app.config["CONTENT_DIR"])
        total, band = result.total, result.band
    response = QuestionnaireResponse(
        patient_id=patient.id,
        instrument_id=instrument_.id,
        instrument_version=instrument_.version,
        context=str(context),
        screening_id=screening.id if screening else None,
        total=total,
        band=band,
        has_risk=bool(risk_items(instrument_, answers)),
        idempotency_key=key,
        answers=[
            Answer(item_id=item_id, value_int=value if isinstance(value, int) else None,
                   value_text=value if isinstance(value, str) else None)
            for item_id, value in answers.items()
        ],
    )
    if not add_if_unique(response):
        raise AlreadySubmitted(key)
    record(Action.CREATE, "questionnaire_response", response.id, patient_id=patient.id)
    return response


def submit(screening: Screening) -> Screening:
    """Store every page as responses, score them and route: all of it or none of it."""
    if screening.status != ScreeningStatus.IN_PROGRESS:
        raise AlreadySubmitted(screening.id)
    if next_page(screening) is not None:
        raise ValueError("the screening has unanswered pages")
    patient = screening.patient
    for page in page_ids():
        _store_response(patient, instrument(page), screening.drafts[page],
                        context=ResponseContext.SCREENING, key=f"screening:{screening.id}:{page}",
                        screening=screening)
    drafts = screening.drafts
    facts = routing.build_facts(
        scored_values(instrument("phq9"), drafts["phq9"]),
        scored_values(instrument("gad7"), drafts["gad7"]),
        drafts["intake"],
        scored_values(instrument("wsas"), drafts["wsas"]) if "wsas" in drafts else None,
        current_app.config["CONTENT_DIR"],
    )
    recommendation = routing.recommend(facts, screening_content.rules())
    screening.facts = facts
    screening.recommended_step = recommendation.step
    screening.matched_rules = list(recommendation.matched)
    screening.status = ScreeningStatus.SUBMITTED
    screening.submitted_at = utcnow()
    db.session.flush()
    return screening


def recommendation_for(screening: Screening) -> routing.Recommendation:
    return routing.recommend(screening.facts, screening_content.rules())


# --- the therapist's review ----------------------------------------------------------------


def review(
    screening: Screening,
    *,
    step: int,
    by: User,
    reason: str | None,
    therapist: User | None,
) -> None:
    """Confirm or override the recommended step; this enrols the patient."""
    if screening.status != ScreeningStatus.SUBMITTED:
        raise AlreadySubmitted(screening.id)
    screening.confirmed_step = step
    screening.override_reason = reason if step != screening.recommended_step else None
    screening.reviewed_by_id = by.id
    screening.reviewed_at = utcnow()
    screening.status = ScreeningStatus.REVIEWED
    db.session.flush()
    record(Action.UPDATE, "screening", screening.id, patient_id=screening.patient_id)
    set_step(screening.patient, step, by=by, reason=reason, therapist=therapist,
             context=dict(screening.facts or {}))


def review_queue(viewer: User) -> list[Screening]:
    """Submitted screenings this user may review: their own patients', and the unassigned
    ones if they are on duty (admins see all)."""
    query = (
        db.select(Screening)
        .options(joinedload(Screening.patient))
        .where(Screening.status == ScreeningStatus.SUBMITTED)
        .order_by(Screening.submitted_at)
    )
    if viewer.role == Role.THERAPIST:
        current = db.select(CareAssignment.therapist_id).where(
            CareAssignment.patient_id == Screening.patient_id, CareAssignment.ended_at.is_(None)
        ).scalar_subquery()
        mine = current == viewer.id
        query = query.where(db.or_(mine, current.is_(None)) if viewer.on_duty else mine)
    return urgency.prioritised(list(db.session.execute(query).scalars()))


# --- the risk loop -------------------------------------------------------------------------


def raise_risk_alert(
    patient: User,
    source: RiskSource,
    *,
    screening: Screening | None = None,
    response: QuestionnaireResponse | None = None,
    excerpt: str | None = None,
    excerpt_source: str | None = None,
) -> RiskAlert | None:
    """Alert the patient's therapist (or the duty therapists) with a deadline to acknowledge.

    A screening raises at most one alert per source, however often a page is saved.
    ``excerpt``: for language alerts, the sentence the patient wrote (clinicians only).
    """
    if screening is not None:
        existing = db.session.execute(
            db.select(RiskAlert).where(
                RiskAlert.screening_id == screening.id, RiskAlert.source == str(source)
            )
        ).scalar_one_or_none()
        if existing is not None:
            return None
    now = utcnow()
    alert = RiskAlert(
        patient_id=patient.id,
        source=str(source),
        screening_id=screening.id if screening else None,
        response_id=response.id if response else None,
        excerpt=excerpt,
        excerpt_source=excerpt_source,
        therapist_id=current_therapist_id(patient.id),
        created_at=now,
        due_at=now + timedelta(hours=current_app.config["RISK_ACK_HOURS"]),
    )
    if not add_if_unique(alert):
        return None  # the same page, saved from another tab a moment ago, raised it
    record(Action.CREATE, "risk_alert", alert.id, patient_id=patient.id)
    # In this request: a clinician hears of it now, not at the next cron run.
    notifications.alert_raised(alert)
    return alert


def escalate_overdue(now: datetime | None = None) -> list[RiskAlert]:
    """Escalate to the administrators at the deadline, and again at the second one."""
    first = notifications.escalate_overdue(now)
    return first + [a for a in notifications.escalate_again(now) if a not in first]


def _visible_open_alerts(viewer: User, query):
    """Therapists: their patients' alerts, plus unowned ones when on duty. Admins: all."""
    query = query.where(RiskAlert.acknowledged_at.is_(None))
    if viewer.role != Role.THERAPIST:
        return query
    # The patient's therapist now, not the one when the alert was raised: an alert follows
    # its patient to a new therapist (hazard H-007).
    current = db.select(CareAssignment.therapist_id).where(
        CareAssignment.patient_id == RiskAlert.patient_id, CareAssignment.ended_at.is_(None)
    ).scalar_subquery()
    mine = current == viewer.id
    return query.where(db.or_(mine, current.is_(None)) if viewer.on_duty else mine)


def open_alerts_for(viewer: User) -> list[RiskAlert]:
    query = _visible_open_alerts(
        viewer,
        db.select(RiskAlert)
        .options(joinedload(RiskAlert.patient), joinedload(RiskAlert.therapist))
        .order_by(RiskAlert.due_at),
    )
    return list(db.session.execute(query).scalars())


def current_therapists(patient_ids: list[int]) -> dict[int, User]:
    """{patient: their therapist now}, for the patients who have one."""
    if not patient_ids:
        return {}
    rows = db.session.execute(
        db.select(CareAssignment.patient_id, User)
        .join(User, User.id == CareAssignment.therapist_id)
        .where(CareAssignment.patient_id.in_(patient_ids), CareAssignment.ended_at.is_(None))
    ).all()
    return {patient_id: therapist for patient_id, therapist in rows}


def count_open_alerts(viewer: User) -> int:
    query = _visible_open_alerts(viewer, db.select(db.func.count()).select_from(RiskAlert))
    return db.session.execute(query).scalar_one()


# --- weekly re-measurement -----------------------------------------------------------------


def last_weekly_at(patient: User) -> datetime | None:
    return db.session.execute(
        db.select(db.func.max(QuestionnaireResponse.submitted_at)).where(
            QuestionnaireResponse.patient_id == patient.id,
            QuestionnaireResponse.instrument_id == "phq9",
        )
    ).scalar_one()


def weekly_due(patient: User, now: datetime | None = None) -> bool:
    """Patients in steps 2 and 3 answer PHQ-9 and GAD-7 every interval (7 days by default)."""
    step = current_step(patient)
    if step is None or step.step not in MEASURED_STEPS:
        return False
    last = last_weekly_at(patient)
    interval = timedelta(days=current_app.config["MEASURE_INTERVAL_DAYS"])
    return last is None or (now or utcnow()) - last >= interval


def measures_ever_due(patient: User) -> bool:
    """Whether weekly measures were ever asked of this patient: in step 2 or 3 now, or
    any weekly answered before."""
    step = current_step(patient)
    if step is not None and step.step in MEASURED_STEPS:
        return True
    return db.session.execute(
        db.select(QuestionnaireResponse.id).where(
            QuestionnaireResponse.patient_id == patient.id,
            QuestionnaireResponse.context == ResponseContext.WEEKLY).limit(1)
    ).first() is not None


def latest_phq9(patient: User) -> QuestionnaireResponse | None:
    return db.session.execute(
        db.select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient.id,
            QuestionnaireResponse.instrument_id == "phq9")
        .order_by(QuestionnaireResponse.submitted_at.desc(), QuestionnaireResponse.id.desc())
        .limit(1)
    ).scalar_one_or_none()


MAX_FORM_TOKEN = 32


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def is_form_token(token: str) -> bool:
    """Short and URL-safe, as :func:`new_form_token`'s are: it must fit the idempotency key."""
    return 0 < len(token) <= MAX_FORM_TOKEN and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in token
    )


def record_weekly(
    patient: User, answers: Mapping[str, Mapping[str, Any]], token: str
) -> list[QuestionnaireResponse]:
    responses = [
        _store_response(patient, instrument(i), answers[i], context=ResponseContext.WEEKLY,
                        key=f"weekly:{patient.id}:{token}:{i}")
        for i in WEEKLY_INSTRUMENTS
    ]
    phq9 = responses[0]
    if phq9.has_risk:
        raise_risk_alert(patient, RiskSource.PHQ9_ITEM9, response=phq9)
    check_patient(patient.id, utcnow())  # deterioration, not on track
    return responses
