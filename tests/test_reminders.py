"""Reminder emails: sent once, through real SMTP on loopback, with no health information."""

from datetime import timedelta

import time_machine

from app.accounts.models import User
from app.caseload.operations import set_step
from app.db import db
from app.reminders import ReminderSent
from programmes import operations as programmes
from programmes.models import HomeworkSubmission
from tests.conftest import HEALTH_WORDS, enrol


def give_feedback(app, personas):
    with app.app_context():
        submission = db.session.get(HomeworkSubmission, personas.alice_submission)
        programmes.give_feedback(submission, by=db.session.get(User, personas.theo.id),
                                 text="Well done.")
        db.session.commit()


def test_it_emails_a_reminder_when_feedback_arrives(app, runner, screened, inbox):
    give_feedback(app, screened)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in inbox] == [screened.alice.email]


def test_it_never_sends_the_same_reminder_twice(app, runner, screened, inbox):
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)" in second.output
    assert len(inbox) == 1


def test_it_puts_no_health_information_in_the_email(app, runner, screened, inbox):
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    text = (inbox[0]["Subject"] + inbox[0].get_payload()).lower()
    assert not [word for word in HEALTH_WORDS if word in text]


def test_it_writes_in_the_users_language(app, runner, screened, inbox):
    with app.app_context():
        db.session.get(User, screened.alice.id).language = "da"
        db.session.commit()
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    assert "Stepcare" in inbox[0]["Subject"] and "Hej" in inbox[0].get_payload()


def test_it_respects_an_opt_out(app, runner, screened, inbox):
    with app.app_context():
        db.session.get(User, screened.alice.id).reminders_opt_out = True
        db.session.commit()
    give_feedback(app, screened)
    runner.invoke(args=["send-reminders"])
    assert inbox == []


def test_it_reminds_step_2_patients_when_questionnaires_are_due(app, runner, personas, inbox):
    with app.app_context():
        set_step(db.session.get(User, personas.bob.id), 2, by=None,
                 context={"phq9_total": 12, "gad7_total": 5})
        db.session.commit()
    runner.invoke(args=["send-reminders"])
    assert [m["To"] for m in inbox] == [personas.bob.email]


def test_it_nudges_after_a_quiet_week_in_step_2_once(app, runner, personas, inbox):
    with time_machine.travel("2026-11-02 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            set_step(db.session.get(User, personas.bob.id), 2, by=None)
            enrol(personas.bob.id, "depression", personas.una.id)
            db.session.add(ReminderSent(user_id=personas.bob.id, kind="questionnaire",
                                        key=f"questionnaire:{personas.bob.id}:first"))
            db.session.commit()
        clock.shift(timedelta(days=6))
        runner.invoke(args=["send-reminders"])
        assert inbox == []
        clock.shift(timedelta(days=1, minutes=1))
        runner.invoke(args=["send-reminders"])
        runner.invoke(args=["send-reminders"])
    assert len(inbox) == 1 and "while" in inbox[0]["Subject"]


def test_it_retries_a_reminder_whose_sending_failed(app, runner, screened, inbox, monkeypatch):
    from app.reminders import mail

    give_feedback(app, screened)

    def refuse(message):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail, "send", refuse)
    assert "1 failed" in runner.invoke(args=["send-reminders"]).output
    monkeypatch.undo()
    runner.invoke(args=["send-reminders"])
    assert len(inbox) == 1


def test_it_reminds_a_patient_of_an_unread_message_once(app, runner, screened, inbox):
    from app.messaging import operations as messaging

    with app.app_context():
        theo = db.session.get(User, screened.theo.id)
        alice = db.session.get(User, screened.alice.id)
        messaging.send(alice, theo, "How did the walk go?")
        messaging.send(alice, theo, "And the sleep diary?")
        db.session.commit()
    runner.invoke(args=["send-reminders"])
    runner.invoke(args=["send-reminders"])
    assert [m["To"] for m in inbox] == [screened.alice.email]
