"""Screening histories for the demo clinic: every step, weekly measures, an open risk alert."""

from __future__ import annotations

import random
from datetime import timedelta

from app.caseload.operations import current_assignment, current_step
from app.db import db, utcnow
from app.signals import DemoClinic, DemoHook
from screening import operations

INTAKE_TEMPLATE = {
    "presenting_problem": "I have felt low and tired for months and stopped seeing friends.",
    "goals": "Sleep better and get back to doing things I used to enjoy.",
    "previous_treatment": "no",
    "substance_use": "none",
    "bipolar": "no",
    "psychosis": "no",
    "suicidal_plan": "no",
    "preferred_format": "written_guidance",
}

# (PHQ-9 total, GAD-7 total, WSAS total, intake changes) giving each step of care.
PROFILES = {
    1: (6, 5, 8, {"preferred_format": "self_help"}),
    2: (12, 10, 14, {}),
    3: (17, 13, 22, {"preferred_format": "video"}),
    4: (22, 16, 30, {}),
}


def spread(total: int, items: int, top: int, rng: random.Random) -> list[int]:
    """Item answers that add up to ``total``."""
    values = [0] * items
    for _ in range(min(total, items * top)):
        candidates = [i for i, v in enumerate(values) if v < top]
        values[rng.choice(candidates)] += 1
    return values


def _page_answers(instrument_id: str, total: int, rng: random.Random, item9: int = 0) -> dict:
    instrument = operations.instrument(instrument_id)
    items = instrument.scored_items
    top = max(items[0].option_values)
    values = spread(total - item9, len(items) - (instrument_id == "phq9"), top, rng)
    if instrument_id == "phq9":
        values.append(item9)
    answers = {item.id: value for item, value in zip(items, values, strict=True)}
    if instrument_id == "phq9":
        answers["phq9_difficulty"] = 1
    return answers


def _screen(patient, step: int, rng: random.Random, *, days_ago: int, item9: int = 0):
    phq9, gad7, wsas, intake_changes = PROFILES[step]
    screening = operations.start(patient)
    operations.save_page(screening, "phq9", _page_answers("phq9", phq9, rng, item9))
    operations.save_page(screening, "gad7", _page_answers("gad7", gad7, rng))
    if "wsas" in operations.page_ids():
        operations.save_page(screening, "wsas", _page_answers("wsas", wsas, rng))
    operations.save_page(screening, "intake", {**INTAKE_TEMPLATE, **intake_changes})
    operations.submit(screening)
    when = utcnow() - timedelta(days=days_ago)
    screening.started_at = screening.submitted_at = when
    for response in screening.responses:
        response.submitted_at = when
    return screening


def _weekly_history(patient, weeks: int, start_phq9: int, start_gad7: int, trend: int,
                    rng: random.Random) -> None:
    for week in range(1, weeks + 1):
        phq9 = max(0, min(27, start_phq9 + trend * week + rng.randint(-1, 1)))
        gad7 = max(0, min(21, start_gad7 + (trend * week) // 2 + rng.randint(-1, 1)))
        answers = {"phq9": _page_answers("phq9", phq9, rng),
                   "gad7": _page_answers("gad7", gad7, rng)}
        responses = operations.record_weekly(patient, answers, f"demo-{week}")
        for response in responses:
            response.submitted_at = utcnow() - timedelta(days=7 * (weeks - week) + 1)


def _contact_log(patient) -> None:
    """Two calls on the open alert: nobody answered, then a voicemail (still not reached)."""
    from screening.callbacks import log_contact
    from screening.models import RiskAlert

    alert = db.session.execute(db.select(RiskAlert).where(
        RiskAlert.patient_id == patient.id, RiskAlert.acknowledged_at.is_(None))).scalar_one()
    # Raised four hours ago, so the calls below come after it.
    alert.created_at = utcnow() - timedelta(hours=4)
    alert.due_at = alert.created_at + timedelta(hours=24)
    therapist = current_assignment(patient).therapist
    danish = patient.language == "da"
    log_contact(alert, by=therapist, method="phone", outcome="no_answer",
                at=utcnow() - timedelta(hours=3),
                note="Ringede, ingen svar." if danish else "Called, no answer.")
    log_contact(alert, by=therapist, method="phone", outcome="voicemail",
                at=utcnow() - timedelta(hours=1),
                note=("Lagde besked med bøn om at ringe tilbage i dag." if danish
                      else "Left a message asking her to call back today."))


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    clinic.therapists[0].on_duty = True
    assigned, waiting = clinic.patients[:-5], clinic.patients[-5:]
    for index, patient in enumerate(assigned):
        step = (1, 2, 2, 3, 2, 4)[index % 6]
        therapist = current_assignment(patient).therapist
        weeks = weeks_in_care(index)
        screening = _screen(patient, step, rng, days_ago=7 * weeks + 1)
        operations.review(screening, step=step, by=therapist, reason=None,
                          therapist=therapist if step in (2, 3) else None)
        # The step began the day after screening, so "week n" on every page means the same.
        screening.reviewed_at = screening.submitted_at + timedelta(days=1)
        current_step(patient).started_at = screening.reviewed_at
        if step in (2, 3):
            trend = (-1, -1, 0, 1)[index % 4]  # most improve, some stall, a few worsen
            _weekly_history(patient, weeks, PROFILES[step][0], PROFILES[step][1],
                            trend, rng)
    # An assigned patient whose latest weekly PHQ-9 item 9 was answered 1: an open alert
    # on a therapist's caseload.
    risky = assigned[1]
    answers = {"phq9": _page_answers("phq9", 13, rng, item9=1),
               "gad7": _page_answers("gad7", 9, rng)}
    operations.record_weekly(risky, answers, "demo-risk")
    _contact_log(risky)
    # Waiting for review, one of them with a risky answer that nobody has acknowledged yet
    # (item 9 answered 2: an urgent review, first in the queue with its deadline).
    _screen(waiting[0], 2, rng, days_ago=1, item9=2)
    for patient in waiting[1:3]:
        _screen(patient, rng.choice((1, 2, 3)), rng, days_ago=rng.randint(0, 6))
    in_progress = operations.start(waiting[3])
    operations.save_page(in_progress, "phq9", _page_answers("phq9", 11, rng))
    populate_story(clinic, rng)
    db.session.flush()


def weeks_in_care(index: int) -> int:
    """1 to 16 weeks, spread over the caseload (the programmes' part reads the step's start)."""
    return 1 + (index * 5 + 3) % 16


def populate_story(clinic: DemoClinic, rng: random.Random) -> None:
    from screening.demo_story import populate_story as story  # it builds on this module

    story(clinic, rng)


def hook(sender) -> DemoHook:
    """Before programmes' part, which adds progress to the enrolments screening's reviews made."""
    return DemoHook(order=20, populate=populate)
