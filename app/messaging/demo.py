"""Messages for the demo clinic: answered threads, some waiting, one overdue."""

from __future__ import annotations

import random
from datetime import timedelta

from app.caseload.operations import current_assignment
from app.db import utcnow
from app.demo_story import BY_KEY
from app.messaging import operations
from app.signals import DemoClinic, DemoHook

EXCHANGES = {
    "en": [
        ("I found the activity planner hard this week. Is that normal?",
         "Yes, many people do. Try planning just one small thing a day and see how it goes."),
        ("Can I do two modules this week?",
         "You can read ahead when the next module opens. Take your time with the exercises."),
        ("I slept better after keeping the same wake-up time.", None),
    ],
    "da": [
        ("Jeg syntes, aktivitetsplanen var svær i denne uge. Er det normalt?",
         "Ja, det oplever mange. Prøv at planlægge én lille ting om dagen og se, hvordan det går."),
        ("Må jeg tage to moduler i denne uge?",
         "Du kan læse videre, når næste modul åbner. Giv dig god tid til øvelserne."),
        ("Jeg sov bedre, efter at jeg stod op på samme tid hver dag.", None),
    ],
}
#: A story patient's latest message that the therapist has not read yet, and a reply from
#: the therapist that the patient has not read yet (app.demo_story).
UNREAD = {
    "da": ("Jeg har haft en hård uge og nåede ikke hjemmeopgaven. Kan vi tale om det?",
           "Tak fordi du skriver. Det er helt i orden; prøv bare den første øvelse, og så "
           "ser vi på resten sammen på torsdag."),
    "en": ("I had a rough week and didn't get to the homework. Can we talk about it?",
           "Thank you for writing. That is fine; try just the first exercise and we will look "
           "at the rest together on Thursday."),
}


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    for index, patient in enumerate(clinic.patients[:-5]):
        assignment = current_assignment(patient)
        if assignment is None or index % 3 == 2:
            continue
        question, answer = EXCHANGES[patient.language][index % 3]
        sent = operations.send(patient, patient, question)
        sent.sent_at = utcnow() - timedelta(days=1 + index % 6)
        if answer is not None and index % 2 == 0:
            sent.read_at = sent.sent_at + timedelta(hours=5)
            reply = operations.send(patient, assignment.therapist, answer)
            reply.sent_at = sent.read_at
    _story_threads(clinic)


def _story_threads(clinic: DemoClinic) -> None:
    """The active story patients: one waits for the therapist, the next for the patient."""
    active = [p for key, p in clinic.story.items() if BY_KEY[key].end_reason is None]
    for index, patient in enumerate(active):
        question, answer = UNREAD[patient.language]
        sent = operations.send(patient, patient, question)
        sent.sent_at = utcnow() - timedelta(days=1, hours=index)
        if index % 2:
            sent.read_at = sent.sent_at + timedelta(hours=2)
            reply = operations.send(patient, current_assignment(patient).therapist, answer)
            reply.sent_at = sent.read_at


def hook(sender) -> DemoHook:
    """First: the random draws, and so the demo data, stay as they were."""
    return DemoHook(order=10, populate=populate)
