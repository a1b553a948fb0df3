"""The demo clinic's video appointments: one for Anna that opens right away, and a history."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.caseload.models import TreatmentContact
from app.caseload.operations import current_assignment
from app.db import db, utcnow
from video.models import Appointment


def test_it_books_anna_a_call_that_starts_a_few_minutes_after_the_demo(app, runner, cheap_hashing):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        anna = db.session.execute(
            db.select(User).where(User.email == "anna@demo.stepcare.dk")).scalar_one()
        soonest = db.session.execute(
            db.select(Appointment).where(Appointment.patient_id == anna.id,
                                         Appointment.starts_at > utcnow())
            .order_by(Appointment.starts_at)).scalars().first()
        assert timedelta(0) < soonest.starts_at - utcnow() <= timedelta(minutes=10)
        assert soonest.therapist_id == current_assignment(anna).therapist_id
        assert soonest.status == "scheduled"


def test_it_gives_the_demo_a_history_of_held_missed_and_cancelled_calls(app, runner, cheap_hashing):
    runner.invoke(args=["demo"])
    with app.app_context():
        statuses = set(db.session.execute(db.select(Appointment.status)).scalars())
        assert {"scheduled", "ended", "no_show", "cancelled"} <= statuses
        contacts = db.session.execute(
            db.select(TreatmentContact).where(TreatmentContact.kind == "video")).scalars().all()
        assert len(contacts) >= 2 and all(c.duration_minutes > 0 for c in contacts)
