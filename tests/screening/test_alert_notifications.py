"""Issue 12: every risk alert reaches a clinician at once, by email and a signed webhook,
without health data or the patient's name; failures are recorded and retried, and an
alert nobody handles is escalated twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from app import notify
from app.accounts.models import User
from app.db import db
from app.notify import ClinicianNotification
from screening.models import RiskAlert
from tests.conftest import HEALTH_WORDS, complete_screening, free_port, gad7_page, phq9_page
from tests.helpers import post_form, sign_in
from tests.webhook import SECRET, webhook  # noqa: F401 - a fixture

RISKY = "Bad day. I want to end my life."


@pytest.fixture(autouse=True)
def rules_only(monkeypatch):
    """The text model is absent: the phrase rules decide (fast, and the same everywhere)."""
    import textmodel

    monkeypatch.setattr(textmodel, "mode", lambda: "rules")
    monkeypatch.setattr(textmodel.get_encoder(), "available", lambda: False)


def rows(app) -> list[ClinicianNotification]:
    with app.app_context():
        found = db.session.execute(
            db.select(ClinicianNotification).order_by(ClinicianNotification.id)).scalars().all()
        db.session.expunge_all()
        return list(found)


def risk_alerts(app) -> list[RiskAlert]:
    with app.app_context():
        found = db.session.execute(db.select(RiskAlert).order_by(RiskAlert.id)).scalars().all()
        db.session.expunge_all()
        return list(found)


def assert_discreet(text: str) -> None:
    lowered = text.lower()
    assert not [w for w in HEALTH_WORDS if w in lowered]
    assert "alice" not in lowered and "andersen" not in lowered


def assert_told_theo_once(inbox, webhook, alert: RiskAlert) -> None:  # noqa: F811
    [email] = inbox
    assert email["To"] == "theo@example.com"
    assert_discreet(email["Subject"] + email.get_payload())
    assert f"/alerts/{alert.id}" in email.get_payload()
    [call] = webhook.calls
    assert call.signed_with(SECRET)
    assert call.json["url"].endswith(f"/alerts/{alert.id}")
    assert_discreet(call.body.decode())


def today(app) -> str:
    from programmes.diary import clinic_today

    with app.app_context():
        return clinic_today().isoformat()


# --- the three ways a disclosure arrives ----------------------------------------------------


@pytest.mark.hazard("H-001")
@pytest.mark.hazard("H-004")
def test_it_tells_the_therapist_of_a_risky_screening_answer(app, client, personas, inbox,
                                                            webhook):  # noqa: F811
    sign_in(app, client, personas.alice)
    post_form(client, "/screening/start", token_from="/screening")
    answers = {k: str(v) for k, v in phq9_page((1,) * 9).items()}
    assert post_form(client, "/screening/questions/phq9", answers).status_code == 302
    [alert] = risk_alerts(app)
    assert_told_theo_once(inbox, webhook, alert)


@pytest.mark.hazard("H-001")
def test_it_tells_the_therapist_of_a_risky_weekly_item_9(app, personas, inbox):
    from screening import operations

    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        operations.record_weekly(alice, {"phq9": phq9_page((1,) * 9), "gad7": gad7_page()},
                                 "weekly-test")
        db.session.commit()
    assert [m["To"] for m in inbox] == ["theo@example.com"]


@pytest.mark.hazard("H-002")
@pytest.mark.hazard("H-004")
def test_it_tells_the_therapist_of_a_risky_message(app, client, personas, inbox,
                                                   webhook):  # noqa: F811
    sign_in(app, client, personas.alice)
    assert post_form(client, "/messages", {"body": RISKY}).status_code == 302
    [alert] = risk_alerts(app)
    assert_told_theo_once(inbox, webhook, alert)


@pytest.mark.hazard("H-002")
@pytest.mark.hazard("H-004")
def test_it_tells_the_therapist_of_a_risky_diary_note(app, client, personas, inbox,
                                                      webhook):  # noqa: F811
    sign_in(app, client, personas.alice)
    response = post_form(client, "/diary", {"day": today(app), "mood": "2", "note": RISKY})
    assert response.status_code == 302
    [alert] = risk_alerts(app)
    assert_told_theo_once(inbox, webhook, alert)


@pytest.mark.hazard("H-002")
def test_it_raises_one_alert_listing_every_flagged_sentence(app, client, personas):
    sign_in(app, client, personas.alice)
    text = "I want to end my life. The weather was grey. I can't see the point of going on."
    post_form(client, "/messages", {"body": text})
    [alert] = risk_alerts(app)
    assert alert.excerpt_sentences == ["I want to end my life.",
                                       "I can't see the point of going on."]
    assert len([r for r in rows(app) if r.channel == "email"]) == 1


@pytest.mark.hazard("H-004")
def test_it_tells_every_clinician_on_duty_when_the_patient_has_no_therapist(app, personas,
                                                                            inbox):
    with app.app_context():
        db.session.get(User, personas.una.id).on_duty = True
        db.session.get(User, personas.theo.id).on_duty = True
        patient = User(email="new@example.com", name="New Patient", role="patient",
                       password_hash="x", phone="+4522334455")
        db.session.add(patient)
        db.session.commit()
        complete_screening(patient.id, phq9=(1,) * 9, submit=False)
    assert sorted(m["To"] for m in inbox) == ["theo@example.com", "una@example.com"]


# --- failures never reach the patient, and are retried -----------------------------------


@pytest.mark.hazard("H-004")
@pytest.mark.parametrize("failure", ["500", "timeout", "refused"])
def test_it_keeps_the_patients_message_when_the_webhook_fails_and_retries_it(
        app, client, personas, webhook, runner, monkeypatch, failure):  # noqa: F811
    monkeypatch.setattr(notify, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
    if failure == "500":
        webhook.status = 500
    elif failure == "timeout":
        webhook.delay = 1.5
    else:
        app.config["ALERT_WEBHOOK_URL"] = f"http://127.0.0.1:{free_port()}/hook"
    sign_in(app, client, personas.alice)
    response = post_form(client, "/messages", {"body": RISKY})
    assert response.status_code == 302
    [hook] = [r for r in rows(app) if r.channel == "webhook"]
    assert (hook.status, hook.attempts) == ("failed", 1) and hook.last_error
    webhook.status, webhook.delay = 204, 0.0
    app.config["ALERT_WEBHOOK_URL"] = webhook.url
    assert "1 sent, 0 still failing" in runner.invoke(args=["escalate-alerts"]).output
    [hook] = [r for r in rows(app) if r.channel == "webhook"]
    assert (hook.status, hook.attempts) == ("sent", 2)
    assert webhook.calls[-1].signed_with(SECRET)


@pytest.mark.hazard("H-004")
def test_it_keeps_the_patients_message_when_email_fails(app, client, personas, runner):
    app.config.update(MAIL_SUPPRESS_SEND=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(),
                      TESTING=False)
    from app.reminders import mail

    mail.init_app(app)
    sign_in(app, client, personas.alice)
    assert post_form(client, "/messages", {"body": RISKY}).status_code == 302
    [email] = rows(app)
    assert email.status == "failed" and email.recipient == "theo@example.com"
    sign_in(app, client, personas.theo)
    page = client.get(f"/alerts/{email.alert_id}").get_data(as_text=True)
    assert "not delivered yet (1 attempt)" in page
    sign_in(app, client, personas.ada)
    page = BeautifulSoup(client.get("/alerts").get_data(as_text=True), "html.parser")
    assert "1 alert email or webhook call could not be delivered" in page.select_one(
        "#undelivered").get_text()


# --- escalation --------------------------------------------------------------------------


@pytest.mark.hazard("H-003")
def test_it_escalates_to_the_admins_at_both_deadlines(app, personas, runner, inbox):
    app.config["ALERT_ESCALATION_EMAIL"] = "duty-lead@example.com"
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            complete_screening(personas.alice.id, phq9=(1,) * 9)
        assert [m["To"] for m in inbox] == ["theo@example.com"]
        clock.shift(timedelta(hours=24, minutes=1))
        runner.invoke(args=["escalate-alerts"])
        escalated = sorted(m["To"] for m in inbox[1:])
        assert escalated == ["ada@example.com", "duty-lead@example.com"]
        clock.shift(timedelta(hours=12))
        runner.invoke(args=["escalate-alerts"])
        assert len(inbox) == 3  # nothing new between the deadlines
        clock.shift(timedelta(hours=12))
        runner.invoke(args=["escalate-alerts"])
        assert sorted(m["To"] for m in inbox[3:]) == escalated
        assert all("Overdue" in m["Subject"] for m in inbox[1:])
        runner.invoke(args=["escalate-alerts"])
    assert len(inbox) == 5
    assert_discreet("".join(m["Subject"] + m.get_payload() for m in inbox))


@pytest.mark.hazard("H-003")
def test_it_honours_a_configured_second_deadline(app, personas, runner, inbox):
    app.config["RISK_SECOND_ESCALATION_HOURS"] = 30
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            complete_screening(personas.alice.id, phq9=(1,) * 9)
        clock.shift(timedelta(hours=30, minutes=1))
        runner.invoke(args=["escalate-alerts"])
    [alert] = risk_alerts(app)
    assert alert.second_escalated_at is not None
    assert [r.event for r in rows(app)] == ["raised", "escalated", "escalated_again"]


def test_it_escalates_nothing_that_was_acknowledged(app, client, personas, runner, inbox):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            complete_screening(personas.alice.id, phq9=(1,) * 9)
        [alert] = risk_alerts(app)
        sign_in(app, client, personas.theo)
        post_form(client, f"/alerts/{alert.id}/contacts",
                  {"method": "phone", "outcome": "reached", "contact_note": "Spoke with her."},
                  token_from=f"/alerts/{alert.id}")
        response = post_form(client, f"/alerts/{alert.id}", {"note": "Called her; safe tonight."})
        assert response.status_code == 302
        clock.shift(timedelta(days=3))
        runner.invoke(args=["escalate-alerts"])
    assert [m["To"] for m in inbox] == ["theo@example.com"]


def test_it_sends_nothing_for_an_alert_whose_request_was_rolled_back(app, personas, inbox):
    with app.test_request_context("/"):
        theo = db.session.get(User, personas.theo.id)
        notify.notify_clinicians(alert_kind="risk_alert", alert_id=1, event="raised",
                                 patient_id=personas.alice.id, recipients=[theo],
                                 path="/alerts/1")
        db.session.rollback()  # as a request that fails does
    assert inbox == [] and rows(app) == []


@pytest.mark.hazard("H-004")
@pytest.mark.parametrize("settings", [
    {"ALERT_WEBHOOK_URL": "ftp://pager.example.dk/hook"},
    {"ALERT_WEBHOOK_URL": "https://pager.example.dk/hook", "ENV": "production"},
])
def test_it_refuses_to_start_with_a_webhook_it_cannot_send_or_sign(settings):
    from app.config import ConfigError

    with pytest.raises(ConfigError):
        notify.check_settings(settings)
