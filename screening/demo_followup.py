"""Follow-ups in the demo clinic: one discharged patient whose follow-up is due, and one
who answered hers and stayed well (sustained recovery on the outcomes page).

Its own hook and patients, apart from screening's histories, so that either changes alone.
"""

from __future__ import annotations

import random
from datetime import timedelta

from app.caseload.models import StepAssignment, TreatmentContact
from app.caseload.operations import assign, current_step, discharge, record_contact
from app.db import db, utcnow
from app.demo import _patient as demo_patient
from app.signals import DemoClinic, DemoHook
from screening import followup, operations
from screening.demo import _page_answers, _screen
from screening.models import FollowUp

# (name, index for the core's patient maker (3: English), days since discharge, follow-up
# PHQ-9 and GAD-7 if answered, the discharge note)
FOLLOWED_UP = [
    ("Torben Kragh", 40, 100, None, "Mål nået: sover igen og ser venner hver uge."),
    ("Grace Miller", 43, 150, (4, 3), "Goals met: back at work full time."),
]
TREATMENT_DAYS = 70


def _treated(patient, therapist, discharged_days_ago: int, note: str,
             rng: random.Random) -> FollowUp:
    """Step 2 for ten weeks, from PHQ-9 12 / GAD-7 10 to below caseness, then discharged."""
    start = discharged_days_ago + TREATMENT_DAYS
    assign(patient, therapist, by=None).assigned_at = utcnow() - timedelta(days=start + 2)
    screening = _screen(patient, 2, rng, days_ago=start + 2)
    operations.review(screening, step=2, by=therapist, reason=None, therapist=therapist)
    screening.reviewed_at = screening.submitted_at + timedelta(days=1)
    current_step(patient).started_at = utcnow() - timedelta(days=start)
    for week, (phq9, gad7) in enumerate([(10, 9), (8, 7), (6, 5), (4, 4)], start=1):
        answers = {"phq9": _page_answers("phq9", phq9, rng),
                   "gad7": _page_answers("gad7", gad7, rng)}
        for response in operations.record_weekly(patient, answers, f"demo-followup-{week}"):
            response.submitted_at = utcnow() - timedelta(days=start - 14 * week)
        record_contact(patient.id, therapist.id, "feedback", source_id=f"demo-followup-{week}")
        db.session.execute(db.update(TreatmentContact).where(
            TreatmentContact.patient_id == patient.id,
            TreatmentContact.source_id == f"demo-followup-{week}",
        ).values(occurred_at=utcnow() - timedelta(days=start - 14 * week)))
    discharge(patient, by=therapist, reason=note, end_reason="completed")
    scheduled = db.session.execute(
        db.select(FollowUp).where(FollowUp.patient_id == patient.id)).scalar_one()
    # Dated as if it happened then: the discharge, and so the follow-up's due date.
    discharged_at = utcnow() - timedelta(days=discharged_days_ago)
    db.session.get(StepAssignment, scheduled.step_assignment_id).ended_at = discharged_at
    scheduled.discharged_at = discharged_at
    scheduled.due_at = discharged_at + (scheduled.due_at - utcnow())
    return scheduled


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    for number, (name, index, days_ago, scores, note) in enumerate(FOLLOWED_UP):
        patient = demo_patient(name, index, rng)
        therapist = clinic.therapists[number % len(clinic.therapists)]
        due = _treated(patient, therapist, days_ago, note, rng)
        if scores is not None:
            phq9, gad7 = scores
            followup.complete(due, {"phq9": _page_answers("phq9", phq9, rng),
                                    "gad7": _page_answers("gad7", gad7, rng)}, "demo")
            answered = due.due_at + timedelta(days=4)
            due.completed_at = due.phq9.submitted_at = due.gad7.submitted_at = answered
        clinic.patients.append(patient)
        label = "answered" if scores else "due"
        clinic.logins.append((f"patient (follow-up {label})", patient.email, ""))
    db.session.flush()


def hook(sender) -> DemoHook:
    """After the other packages' histories: these patients are discharged, so no programme
    or appointment is made for them."""
    return DemoHook(order=90, populate=populate)
