"""The day-before email for a video appointment, through the shared reminders mechanism."""

from __future__ import annotations

from datetime import timedelta

from app.db import db, utcnow
from tests.conftest import HEALTH_WORDS
from tests.video.conftest import book
from video import operations
from video.models import Appointment


def send(runner) -> str:
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    return result.output


def test_it_emails_the_patient_the_day_before(app, runner, personas, inbox):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=20))
    send(runner)
    assert [m["To"] for m in inbox] == [personas.alice.email]
    assert inbox[0]["Subject"] == "You have an appointment in Stepcare soon"


def test_it_says_nothing_about_health_or_video(app, runner, personas, inbox):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=20))
    send(runner)
    text = (inbox[0]["Subject"] + inbox[0].get_payload()).lower()
    assert not [word for word in (*HEALTH_WORDS, "video") if word in text]


def test_it_waits_until_the_appointment_is_a_day_away(app, runner, personas, inbox):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=30))
    send(runner)
    assert inbox == []


def test_it_skips_an_appointment_booked_for_within_the_hour(app, runner, personas, inbox):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(minutes=40))
    send(runner)
    assert inbox == []


def test_it_sends_one_reminder_per_appointment(app, runner, personas, inbox):
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=20))
    send(runner)
    assert "Sent 0 reminder(s)" in send(runner)
    assert len(inbox) == 1


def test_it_reminds_again_after_a_reschedule(app, runner, personas, inbox):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=20))
    send(runner)
    with app.app_context():
        operations.reschedule(db.session.get(Appointment, booked.id),
                              starts_at=utcnow() + timedelta(hours=22), duration_minutes=45,
                              now=utcnow())
        db.session.commit()
    send(runner)
    assert len(inbox) == 2


def test_it_sends_nothing_for_a_cancelled_appointment(app, runner, personas, inbox):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=20))
    with app.app_context():
        operations.cancel(db.session.get(Appointment, booked.id), now=utcnow())
        db.session.commit()
    send(runner)
    assert inbox == []
