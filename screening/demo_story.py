"""The story patients' screening, weekly PHQ-9 and GAD-7 series and discharges (app.demo_story).

Every row is written by the real operations and then moved to its day in the past, in the
order it happened, so the alerts the operations raise see the same history a clinic would.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask import current_app

from app.caseload.operations import current_step, discharge
from app.db import db, utcnow
from app.demo_story import STORY, Persona, series
from app.signals import DemoClinic
from screening import operations
from screening.demo import INTAKE_TEMPLATE, PROFILES, _page_answers
from screening.models import FollowUp

END_NOTES = {
    ("da", "completed"): "Forløbet er afsluttet efter plan; aftalt at kontakte egen læge ved "
                         "tilbagefald.",
    ("en", "completed"): "Treatment finished as planned; agreed to contact the GP if the "
                         "symptoms come back.",
    ("da", "dropped_out"): "Har ikke svaret på beskeder eller opkald i tre uger; forløbet "
                           "lukkes, og egen læge er orienteret.",
}


def _screen(patient, persona: Persona, rng: random.Random, at: datetime):
    screening = operations.start(patient)
    operations.save_page(screening, "phq9", _page_answers("phq9", persona.phq9[0], rng))
    operations.save_page(screening, "gad7", _page_answers("gad7", persona.gad7[0], rng))
    if "wsas" in operations.page_ids():
        operations.save_page(screening, "wsas",
                             _page_answers("wsas", PROFILES[persona.step][2], rng))
    operations.save_page(screening, "intake", {**INTAKE_TEMPLATE, **PROFILES[persona.step][3]})
    operations.submit(screening)
    screening.started_at = screening.submitted_at = at
    for response in screening.responses:
        response.submitted_at = at
    return screening


def _weekly(patient, persona: Persona, start: datetime, rng: random.Random) -> None:
    weeks = persona.weeks
    phq9 = series(*persona.phq9, weeks)
    gad7 = series(*persona.gad7, weeks)
    for week in range(1, weeks + 1):
        answers = {"phq9": _page_answers("phq9", phq9[week], rng),
                   "gad7": _page_answers("gad7", gad7[week], rng)}
        at = start + timedelta(weeks=week, hours=-3)
        for response in operations.record_weekly(patient, answers, f"story-{week}"):
            response.submitted_at = at


def populate_story(clinic: DemoClinic, rng: random.Random) -> None:
    now = utcnow()
    for persona in STORY:
        patient = clinic.story[persona.key]
        therapist = clinic.therapists[persona.therapist]
        start = persona.started_at(now)
        screening = _screen(patient, persona, rng, start - timedelta(days=1))
        operations.review(screening, step=persona.step, by=therapist, reason=None,
                          therapist=therapist if persona.step in (2, 3) else None)
        screening.reviewed_at = current_step(patient).started_at = start
        if persona.step != 4:
            _weekly(patient, persona, start, rng)
        if persona.end_reason is not None:
            step = current_step(patient)
            note = END_NOTES.get((persona.language, persona.end_reason),
                                 END_NOTES[("en", "completed")])
            discharge(patient, by=therapist, reason=note, end_reason=persona.end_reason)
            step.ended_at = persona.ended_at(now)
            _date_follow_up_from(step.id, step.ended_at)


def _date_follow_up_from(step_assignment_id: int, discharged_at: datetime) -> None:
    """The discharge was back-dated: its follow-up falls due that long after it, too."""
    followup = db.session.execute(db.select(FollowUp).where(
        FollowUp.step_assignment_id == step_assignment_id)).scalar_one_or_none()
    if followup is not None:
        followup.discharged_at = discharged_at
        followup.due_at = discharged_at + timedelta(days=current_app.config["FOLLOWUP_DAYS"])
