"""The demo's story patients: one for each step and state the product must show at first sight.

The core creates them (``add_patients``) and writes its own part (clinician notes, a referral
letter); each package's demo hook reads ``STORY`` and ``DemoClinic.story`` and lays out its
part of the same history: measures, modules, messages. Times are fixed offsets from today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.accounts.models import User
from app.caseload import operations as caseload
from app.caseload.models import CareAssignment, TreatmentContact
from app.db import db, utcnow


@dataclass(frozen=True)
class Persona:
    """``weeks``: how long the step has run (or ran, when discharged ``ended_weeks_ago``)."""

    key: str
    name: str
    language: str
    therapist: int  # index into the demo's therapists
    step: int
    weeks: int
    phq9: tuple[int, int]  # (at screening, latest)
    gad7: tuple[int, int]
    state: str
    end_reason: str | None = None
    ended_weeks_ago: int = 0

    @property
    def email(self) -> str:
        return f"{self.name.split()[0].lower()}@demo.stepcare.dk"

    def started_at(self, now: datetime) -> datetime:
        return now - timedelta(weeks=self.weeks + self.ended_weeks_ago, hours=2)

    def ended_at(self, now: datetime) -> datetime | None:
        if self.end_reason is None:
            return None
        return now - timedelta(weeks=self.ended_weeks_ago, hours=1)


STORY = [
    Persona("not_on_track", "Rikke Bruun", "da", 0, 2, 4, (13, 13), (10, 10),
            "not on track at week 4"),
    Persona("improving", "Daniel Carter", "en", 1, 3, 12, (19, 9), (15, 7),
            "reliable improvement, week 12"),
    Persona("worsening", "Louise Krogh", "da", 2, 2, 6, (11, 19), (9, 16),
            "reliable deterioration, week 6"),
    Persona("long", "Maria Eriksen", "da", 1, 2, 16, (18, 11), (14, 9),
            "week 16, last modules"),
    Persona("referred", "Henrik Vinther", "da", 0, 4, 1, (23, 23), (17, 17),
            "referral letter sent"),
    Persona("recovered_1", "Pia Lindberg", "da", 0, 1, 6, (11, 5), (9, 4),
            "discharged, recovered", "completed", 3),
    Persona("recovered_2", "Sarah Mitchell", "en", 0, 2, 8, (14, 6), (12, 5),
            "discharged, recovered", "completed", 5),
    Persona("improved", "Jens Kofoed", "da", 1, 2, 8, (16, 9), (13, 9),
            "discharged, reliably improved", "completed", 2),
    Persona("recovered_3", "Tobias Ravn", "da", 1, 3, 12, (20, 7), (15, 6),
            "discharged, recovered", "completed", 6),
    Persona("unchanged", "Hannah Price", "en", 2, 3, 12, (18, 16), (14, 13),
            "discharged, no reliable change", "completed", 4),
    Persona("dropped_out", "Lene Bisgaard", "da", 2, 2, 3, (13, 19), (11, 16),
            "discharged, dropped out, worse", "dropped_out", 7),
    Persona("recovered_4", "Anders Juhl", "da", 2, 2, 10, (15, 7), (11, 6),
            "discharged, recovered", "completed", 1),
]
BY_KEY = {persona.key: persona for persona in STORY}


def series(first: int, last: int, weeks: int) -> list[int]:
    """Weekly totals from ``first`` to ``last``: a straight line with a fixed wobble."""
    wobble = (0, 1, -1, 0, 1, 0, -1)
    values = [round(first + (last - first) * week / weeks) for week in range(weeks + 1)]
    return [values[0], *[max(0, v + wobble[i % 7]) for i, v in enumerate(values[1:-1], 1)],
            values[-1]]


def backdate_assignment(patient: User, persona: Persona, now: datetime) -> None:
    """The therapist took the patient on when the step began, so reports credit them."""
    assignment = db.session.execute(db.select(CareAssignment).where(
        CareAssignment.patient_id == patient.id)).scalar_one()
    assignment.assigned_at = persona.started_at(now) - timedelta(hours=1)


NOTES = {
    "da": ["Første samtale: fortæller om månedlang nedtrykthed og søvnproblemer efter "
           "en omstrukturering på arbejdet. Aftalt skriftlig guidning med ugentlige målinger.",
           "Har lavet aktivitetsplan og gennemført tre gåture. Humøret svinger, men "
           "der er lidt mere overskud om eftermiddagen."],
    "en": ["First contact: several months of low mood and poor sleep after a move abroad. "
           "Agreed written guidance with weekly measures.",
           "Completed the activity planner and reports more energy in the afternoons. "
           "Still avoids calls from work; we will look at that next week."],
}


def write_notes(clinic) -> None:
    """Each story patient's therapist has written in the record, days apart."""
    now = utcnow()
    for persona in STORY:
        patient = clinic.story[persona.key]
        therapist = clinic.therapists[persona.therapist]
        started = persona.started_at(now)
        for offset, body in enumerate(NOTES[persona.language]):
            note = caseload.add_note(patient, therapist, body)
            note.created_at = started + timedelta(days=1 + 6 * offset)


def record_contacts(clinic) -> None:
    """Weekly written feedback from the therapist through each story patient's step, so the
    discharged count as having finished treatment (two contacts or more)."""
    now = utcnow()
    for persona in STORY:
        if persona.step == 4:
            continue
        patient = clinic.story[persona.key]
        therapist_id = clinic.therapists[persona.therapist].id
        started = persona.started_at(now)
        for week in range(persona.weeks):
            caseload.record_contact(patient.id, therapist_id, "feedback",
                                    source_id=f"demo:{persona.key}:{week}")
            contact = db.session.execute(db.select(TreatmentContact).where(
                TreatmentContact.source_id == f"demo:{persona.key}:{week}")).scalar_one()
            contact.occurred_at = started + timedelta(weeks=week, days=3)


def send_referral(clinic) -> None:
    """The step-4 patient's letter to the psychiatric outpatient clinic has gone."""
    persona = BY_KEY["referred"]
    patient, therapist = clinic.story["referred"], clinic.therapists[persona.therapist]
    letter = caseload.record_disclosure(
        patient, by=therapist, kind="referral_letter",
        recipient="Psykiatrisk Ambulatorium, Odense Universitetshospital",
        purpose="Svær depression med vedvarende søvnløshed; behov for psykiatrisk udredning "
                "og vurdering af medicinsk behandling.",
        what="Henvisning: navn, fødselsdato, spørgeskemascorer, forløb og henvisningsårsag")
    letter.made_at = utcnow() - timedelta(days=3)
