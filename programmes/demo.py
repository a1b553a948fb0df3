"""Programme progress for the demo clinic: patients part-way through each programme."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app

from app.caseload.operations import current_assignment, current_step
from app.db import db, utcnow
from app.signals import DemoClinic, DemoHook
from programmes import demo_vr, diary, operations
from programmes.demo_text import TEXT
from programmes.exercises import WORRY_LOG_ROWS


def _sample_answer(block, language: str) -> dict:
    text = TEXT[language]
    kind = block.type
    if kind in ("reflection", "homework"):
        return {"text": text[kind]}
    if kind == "slider":
        return {"value": (block.fields["min"] + block.fields["max"]) // 2}
    if kind == "quiz":
        return {"choice": block.fields["answer"]}
    if kind == "activity_planner":
        return {"days": [{"plan": text["plan"], "done": d < 3, "mood": 5 + d % 3}
                         for d in range(block.fields["days"])]}
    if kind == "worry_log":
        return {"entries": [{"worry": text["worry"] if i == 0 else "",
                             "kind": "hypothetical" if i == 0 else None,
                             "action": text["worry_action"] if i == 0 else ""}
                            for i in range(WORRY_LOG_ROWS)]}
    if kind == "exposure_ladder":
        return {"steps": [{"situation": f"{text['step']} {s + 1}", "fear": 20 + 10 * s,
                           "done": s < 2} for s in range(block.fields["steps"])]}
    return {"situation": text["situation"], "feelings": text["feelings"],
            "intensity_before": 70, "automatic_thought": text["thought"],
            "evidence_for": "", "evidence_against": text["against"],
            "balanced_thought": text["balanced"], "feelings_after": text["after"],
            "intensity_after": 35}


def _work_through(enrolment, done_count: int, rng: random.Random, *, feedback: bool) -> None:
    language = enrolment.patient.language
    for module in enrolment.programme.current_modules[:done_count + 1]:
        operations.mark_opened(enrolment, module)
        for block in operations.as_content_module(module, enrolment.patient.language).blocks:
            answer = operations.save_answer(enrolment.patient, module, block,
                                            _sample_answer(block, language))
            if block.type == "homework":
                submission = operations.submit_homework(
                    enrolment.patient, module, answer, enrolment.therapist_id)
                if feedback and module is not enrolment.programme.current_modules[done_count]:
                    operations.give_feedback(
                        submission, by=enrolment.therapist,
                        text=TEXT[language]["feedback"])
        if module is not enrolment.programme.current_modules[done_count]:
            operations.complete_module(enrolment, module)


def _diary(patient, rng: random.Random) -> None:
    today = utcnow().date()
    mood = rng.randint(3, 6)
    notes = TEXT[patient.language]["diary"]
    for days_ago in range(20, -1, -1):
        if rng.random() < 0.8:
            mood = max(0, min(10, mood + rng.choice((-1, 0, 0, 1, 1))))
            note = notes[days_ago % len(notes)] if days_ago % 3 == 0 else None
            diary.save_mood(patient, today - timedelta(days=days_ago), mood, note)


def _progress(patient, index: int, rng: random.Random) -> None:
    step = current_step(patient)
    for enrolment in operations.active_enrolments(patient):
        # The programme began with the step (screening's part backdated it), so weekly
        # modules have opened as they would have.
        enrolment.started_at = step.started_at
        weeks = max(1, (utcnow() - step.started_at).days // 7)
        if enrolment.therapist_id is None and current_assignment(patient):
            enrolment.therapist_id = current_assignment(patient).therapist_id
        _work_through(enrolment, min(weeks, len(enrolment.programme.current_modules) - 1),
                      rng, feedback=index % 3 != 0)


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    for index, patient in enumerate(clinic.patients[:-5]):
        _progress(patient, index, rng)
        if index % 2 == 0:
            _diary(patient, rng)
    for index, patient in enumerate(clinic.story.values()):
        if current_step(patient) is not None:  # the discharged have no programme open
            _progress(patient, index + 1, rng)
            _diary(patient, rng)
    demo_vr.populate([*clinic.story.values(), *clinic.patients])
    db.session.flush()


def load() -> None:
    operations.load_content(current_app.config["CONTENT_DIR"])


def hook(sender) -> DemoHook:
    """After screening's part: it adds progress to the enrolments screening's reviews made."""
    return DemoHook(order=30, populate=populate, prepare=load)
