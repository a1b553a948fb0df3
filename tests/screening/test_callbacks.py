"""The callback log of a risk alert: every attempt to reach the patient, and an
acknowledgement only after a reached contact or a documented reason why none was possible.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.caseload.operations import assign
from app.db import db, utcnow
from screening.models import ContactAttempt, RiskAlert
from tests.helpers import post_form, sign_in

REACHED = {"method": "phone", "outcome": "reached",
           "contact_note": "Spoke for 20 minutes; no plan."}


def log(client, alert_id: int, data: dict):
    return post_form(client, f"/alerts/{alert_id}/contacts", data,
                     token_from=f"/alerts/{alert_id}")


def acknowledge(client, alert_id: int, data: dict):
    return post_form(client, f"/alerts/{alert_id}", data)


def the_alert(app, alert_id: int) -> RiskAlert:
    with app.app_context():
        alert = db.session.get(RiskAlert, alert_id)
        db.session.expunge_all()
        return alert


def attempts(app) -> list[ContactAttempt]:
    with app.app_context():
        rows = db.session.execute(db.select(ContactAttempt)).scalars().all()
        db.session.expunge_all()
        return rows


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.hazard("H-005")
def test_it_logs_each_contact_attempt_with_its_outcome(app, client, screened):
    sign_in(app, client, screened.theo)
    log(client, screened.alice_alert, {"method": "phone", "outcome": "no_answer",
                                       "contact_note": "Rang twice."})
    response = log(client, screened.alice_alert, REACHED)
    assert response.status_code == 302
    found = attempts(app)
    assert [(a.method, a.outcome) for a in found] == [("phone", "no_answer"), ("phone", "reached")]
    assert found[1].by_id == screened.theo.id
    page = soup(client.get(f"/alerts/{screened.alice_alert}"))
    shown = [li.get_text(" ", strip=True) for li in page.select("ol.contact-log li")]
    assert shown[0].startswith("No answer") and "Rang twice." in shown[0]


def test_it_audits_a_logged_attempt(app, client, screened):
    sign_in(app, client, screened.theo)
    log(client, screened.alice_alert, REACHED)
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "risk_contact_attempt",
            AuditEvent.action == "C")).scalar_one().patient_id == screened.alice.id


@pytest.mark.hazard("H-005")
def test_it_refuses_an_attempt_without_an_outcome(app, client, screened):
    sign_in(app, client, screened.theo)
    response = log(client, screened.alice_alert, {"method": "phone", "contact_note": "Rang."})
    assert response.status_code == 422
    page = soup(response)
    assert "Choose the outcome." in page.find(id="outcome-error").text
    assert page.find("textarea", id="contact_note").get_text().strip() == "Rang."
    assert attempts(app) == []


@pytest.mark.hazard("H-005")
def test_it_refuses_an_attempt_without_a_note(app, client, screened):
    sign_in(app, client, screened.theo)
    response = log(client, screened.alice_alert, {**REACHED, "contact_note": "   "})
    assert response.status_code == 422
    error = soup(response).find(id="contact_note-error").text
    assert "Write a short note about the attempt." in error
    assert attempts(app) == []


def test_it_refuses_an_attempt_in_the_future(app, client, screened):
    sign_in(app, client, screened.theo)
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = log(client, screened.alice_alert, {**REACHED, "attempted_at": later})
    assert response.status_code == 422
    assert attempts(app) == []


@pytest.mark.hazard("H-005")
def test_it_refuses_to_acknowledge_before_anyone_reached_the_patient(app, client, screened):
    sign_in(app, client, screened.theo)
    log(client, screened.alice_alert, {"method": "phone", "outcome": "voicemail",
                                       "contact_note": "Left a message."})
    response = acknowledge(client, screened.alice_alert, {"note": "Assessed the answers."})
    assert response.status_code == 422
    assert "Nobody has reached the patient yet" in soup(response).find(
        id="no_contact_reason-error").text
    assert the_alert(app, screened.alice_alert).is_open


def test_it_acknowledges_with_a_reason_when_no_contact_was_possible(app, client, screened):
    sign_in(app, client, screened.theo)
    reason = "Three calls unanswered; asked the police to check on her."
    response = acknowledge(client, screened.alice_alert,
                           {"note": "Escalated to the police.", "no_contact_reason": reason})
    assert response.status_code == 302
    alert = the_alert(app, screened.alice_alert)
    assert not alert.is_open and alert.no_contact_reason == reason


def test_it_acknowledges_after_a_reached_contact(app, client, screened):
    sign_in(app, client, screened.theo)
    log(client, screened.alice_alert, REACHED)
    assert "no_contact_reason" not in client.get(
        f"/alerts/{screened.alice_alert}").get_data(as_text=True)
    response = acknowledge(client, screened.alice_alert, {"note": "No plan; safety plan made."})
    assert response.status_code == 302
    alert = the_alert(app, screened.alice_alert)
    assert not alert.is_open and alert.no_contact_reason is None


def _alice_row(client):
    page = soup(client.get("/caseload"))
    return next(tr for tr in page.select("table.caseload tbody tr") if "Alice" in tr.th.text)


@pytest.mark.hazard("H-005")
def test_it_shows_not_yet_reached_and_the_wait_on_the_caseload(app, client, screened):
    with time_machine.travel(utcnow() + timedelta(hours=5, minutes=10), tick=False):
        sign_in(app, client, screened.theo)
        badge = _alice_row(client).select_one(".risk-unreached").get_text(" ", strip=True)
    assert badge == "Not yet reached · 5 hours"


def test_it_clears_not_yet_reached_once_the_patient_is_reached(app, client, screened):
    sign_in(app, client, screened.theo)
    log(client, screened.alice_alert,
        {"method": "phone", "outcome": "no_answer", "contact_note": "Rang."})
    assert _alice_row(client).select(".risk-unreached")
    log(client, screened.alice_alert, REACHED)
    assert _alice_row(client).select(".risk-unreached") == []


@pytest.mark.hazard("H-007")
def test_it_moves_an_open_alert_to_the_new_therapist_after_reassignment(app, client, screened):
    with app.app_context():
        assign(db.session.get(User, screened.alice.id), db.session.get(User, screened.una.id),
               by=db.session.get(User, screened.ada.id))
        db.session.commit()
    sign_in(app, client, screened.una)
    listed = soup(client.get("/alerts"))
    assert "Alice Andersen" in listed.find("main").get_text()
    assert "Una Ulriksen" in listed.select_one("tbody tr").get_text()
    assert client.get(f"/alerts/{screened.alice_alert}").status_code == 200
    sign_in(app, client, screened.theo)
    assert "Alice Andersen" not in soup(client.get("/alerts")).find("main").get_text()


def test_it_says_under_an_hour_for_a_fresh_unreached_alert(app, client, screened):
    sign_in(app, client, screened.theo)
    badge = _alice_row(client).select_one(".risk-unreached").get_text(" ", strip=True)
    assert badge == "Not yet reached · under an hour"
