"""Programme progress for the demo clinic: patients part-way through each programme."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app

from app.caseload.operations import current_assignment
from app.db import db, utcnow
from app.signals import DemoClinic, DemoHook
from programmes import diary, operations
from programmes.exercises import WORRY_LOG_ROWS

SAMPLE_TEXT = {
    "reflection": "I used to enjoy cooking for friends and walking by the water.",
    "homework": ("This week I went for three short walks and called my sister once. "
                 "Tuesday was hard, but I still went out for ten minutes."),
}


def _sample_answer(block) -> dict:
    kind = block.type
    if kind in SAMPLE_TEXT:
        return {"text": SAMPLE_TEXT[kind]}
    if kind == "slider":
        return {"value": (block.fields["min"] + block.fields["max"]) // 2}
    if kind == "quiz":
        return {"choice": block.fields["answer"]}
    if kind == "activity_planner":
        return {"days": [{"plan": "Walk 15 minutes", "done": d < 3, "mood": 5 + d % 3}
                         for d in range(block.fields["days"])]}
    if kind == "worry_log":
        return {"entries": [{"worry": "Will I manage at work?" if i == 0 else "",
                             "kind": "hypothetical" if i == 0 else None,
                             "action": "Wrote it down for worry time" if i == 0 else ""}
                            for i in range(WORRY_LOG_ROWS)]}
    if kind == "exposure_ladder":
        return {"steps": [{"situation": f"Step {s + 1}", "fear": 20 + 10 * s, "done": s < 2}
                          for s in range(block.fields["steps"])]}
    return {"situation": "A message from my boss", "feelings": "Anxious",
            "intensity_before": 70, "automatic_thought": "I did something wrong",
            "evidence_for": "", "evidence_against": "She often writes like that",
            "balanced_thought": "It is probably a normal question", "feelings_after": "Calmer",
            "intensity_after": 35}


def _work_through(enrolment, done_count: int, rng: random.Random, *, feedback: bool) -> None:
    for module in enrolment.programme.current_modules[:done_count + 1]:
        operations.mark_opened(enrolment, module)
        for block in operations.as_content_module(module, enrolment.patient.language).blocks:
            answer = operations.save_answer(enrolment.patient, module, block,
                                            _sample_answer(block))
            if block.type == "homework":
                submission = operations.submit_homework(
                    enrolment.patient, module, answer, enrolment.therapist_id)
                if feedback and module is not enrolment.programme.current_modules[done_count]:
                    operations.give_feedback(
                        submission, by=enrolment.therapist,
                        text="Thank you for this. Going out on a hard day is real progress. "
                             "Next week, try to plan one walk with someone else.")
        if module is not enrolment.programme.current_modules[done_count]:
            operations.complete_module(enrolment, module)


def _diary(patient, rng: random.Random) -> None:
    today = utcnow().date()
    mood = rng.randint(3, 6)
    for days_ago in range(20, -1, -1):
        if rng.random() < 0.8:
            mood = max(0, min(10, mood + rng.choice((-1, 0, 0, 1, 1))))
            diary.save_mood(patient, today - timedelta(days=days_ago), mood, None)


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    for index, patient in enumerate(clinic.patients[:-5]):
        for enrolment in operations.active_enrolments(patient):
            # Backdate the start so weekly modules have opened as they would have.
            weeks = 1 + index % 6
            enrolment.started_at = utcnow() - timedelta(weeks=weeks, days=1)
            if enrolment.therapist_id is None and current_assignment(patient):
                enrolment.therapist_id = current_assignment(patient).therapist_id
            _work_through(enrolment, min(weeks, len(enrolment.programme.current_modules) - 1),
                          rng, feedback=index % 3 != 0)
        if index % 2 == 0:
            _diary(patient, rng)
    db.session.flush()


def load() -> None:
    operations.load_content(current_app.config["CONTENT_DIR"])


def hook(sender) -> DemoHook:
    """After screening's part: it adds progress to the enrolments screening's reviews made."""
    return DemoHook(order=30, populate=populate, prepare=load)
