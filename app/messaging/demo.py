"""Messages for the demo clinic: answered threads, some waiting, one overdue."""

from __future__ import annotations

import random
from datetime import timedelta

from app.caseload.operations import current_assignment
from app.db import utcnow
from app.messaging import operations
from app.signals import DemoClinic, DemoHook

EXCHANGES = [
    ("I found the activity planner hard this week. Is that normal?",
     "Yes, many people do. Try planning just one small thing a day and see how it goes."),
    ("Can I do two modules this week?",
     "You can read ahead when the next module opens. Take your time with the exercises."),
    ("I slept better after keeping the same wake-up time.", None),
]


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    for index, patient in enumerate(clinic.patients[:-5]):
        assignment = current_assignment(patient)
        if assignment is None or index % 3 == 2:
            continue
        question, answer = EXCHANGES[index % len(EXCHANGES)]
        sent = operations.send(patient, patient, question)
        sent.sent_at = utcnow() - timedelta(days=1 + index % 6)
        if answer is not None and index % 2 == 0:
            sent.read_at = sent.sent_at + timedelta(hours=5)
            reply = operations.send(patient, assignment.therapist, answer)
            reply.sent_at = sent.read_at


def hook(sender) -> DemoHook:
    """First: the random draws, and so the demo data, stay as they were."""
    return DemoHook(order=10, populate=populate)
