"""PHQ-9 item 9 >= 1 or a current suicidal plan: crisis information at once, an alert that
escalates if nobody acts, and never closes by itself."""

from datetime import timedelta

import pytest
import time_machine

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.db import db
from screening.models import RiskAlert, Screening
from tests.conftest import INTAKE, complete_screening, gad7_page, phq9_page, wsas_page
from tests.helpers import parsed, post_form, sign_in

RISKY_PHQ9 = phq9_page((1, 1, 1, 1, 1, 1, 1, 1, 1))


@pytest.fixture
def alice(app, client, personas):
    sign_in(app, client, personas.alice)
    post_form(client, "/screening/start", token_from="/screening")
    return personas.alice


def answer(client, page_id, answers):
    return post_form(client, f"/screening/questions/{page_id}",
                     {k: str(v) for k, v in answers.items()})


def alerts(app) -> list[RiskAlert]:
    with app.app_context():
        rows = db.session.execute(db.select(RiskAlert).order_by(RiskAlert.id)).scalars().all()
        db.session.expunge_all()
        return rows


@pytest.mark.hazard("H-001")
def test_it_shows_crisis_information_right_after_a_risky_item_9(client, alice):
    response = answer(client, "phq9", RISKY_PHQ9)
    page = client.get(response.location).get_data(as_text=True)
    assert "Thank you for telling us" in page
    assert "112" in page and "70 201 201" in page


def test_it_shows_no_crisis_panel_without_a_risky_answer(client, alice):
    response = answer(client, "phq9", phq9_page())
    assert "Thank you for telling us" not in client.get(response.location).get_data(as_text=True)


@pytest.mark.hazard("H-001")
def test_it_alerts_the_patients_own_therapist(app, client, alice, personas):
    answer(client, "phq9", RISKY_PHQ9)
    [alert] = alerts(app)
    assert alert.therapist_id == personas.theo.id
    assert alert.source == "phq9_item9"
    assert alert.due_at - alert.created_at == timedelta(hours=24)


@pytest.mark.hazard("H-001")
def test_it_alerts_the_duty_therapists_when_the_patient_has_none(app, personas):
    with app.app_context():
        patient = User(email="new@example.com", name="New Patient", role="patient",
                       password_hash="x", language="en")
        db.session.add(patient)
        db.session.commit()
        complete_screening(patient.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 2), submit=False)
    [alert] = alerts(app)
    assert alert.therapist_id is None


@pytest.mark.hazard("H-001")
def test_it_makes_the_alert_in_the_same_transaction_as_the_answers(app, client, alice,
                                                                   monkeypatch):
    from screening import operations

    audited = operations.record

    def failing(action, resource_type, *args, **kwargs):
        if resource_type == "risk_alert":  # the alert row is flushed: its audit row fails
            raise RuntimeError("the alert could not be written")
        return audited(action, resource_type, *args, **kwargs)

    monkeypatch.setattr(operations, "record", failing)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert answer(client, "phq9", RISKY_PHQ9).status_code == 500
    with app.app_context():
        assert db.session.execute(db.select(Screening)).scalar_one().drafts == {}
    assert alerts(app) == []


def test_it_raises_one_alert_however_often_the_page_is_saved(app, client, alice):
    answer(client, "phq9", RISKY_PHQ9)
    answer(client, "phq9", RISKY_PHQ9)
    assert len(alerts(app)) == 1


@pytest.mark.hazard("H-001")
def test_it_raises_an_alert_for_a_current_suicidal_plan_at_intake(app, client, alice):
    for page_id, answers in (("phq9", phq9_page()), ("gad7", gad7_page()),
                             ("wsas", wsas_page())):
        answer(client, page_id, answers)
    response = answer(client, "intake", {**INTAKE, "suicidal_plan": "yes"})
    assert "Thank you for telling us" in client.get(response.location).get_data(as_text=True)
    assert [a.source for a in alerts(app)] == ["intake_suicidal_plan"]


def test_it_audits_the_alert(app, client, alice):
    answer(client, "phq9", RISKY_PHQ9)
    with app.app_context():
        assert db.session.execute(
            db.select(AuditEvent).where(AuditEvent.resource_type == "risk_alert")
        ).scalar_one().action == "C"


@pytest.mark.hazard("H-003")
def test_it_escalates_to_the_admins_after_the_deadline(app, client, personas, runner):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            complete_screening(personas.alice.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 1))
        clock.shift(timedelta(hours=23))
        assert "Escalated 0" in runner.invoke(args=["escalate-alerts"]).output
        clock.shift(timedelta(hours=1, minutes=1))
        assert "Escalated 1" in runner.invoke(args=["escalate-alerts"]).output
        [alert] = alerts(app)
        assert alert.escalated_at is not None and alert.acknowledged_at is None
        sign_in(app, client, personas.ada)
        page = client.get("/alerts").get_data(as_text=True)
        assert "Alice Andersen" in page and "Escalated" in page and "Overdue" in page


def test_it_honours_a_configured_deadline(app, personas):
    app.config["RISK_ACK_HOURS"] = 48
    with app.app_context():
        complete_screening(personas.alice.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 1))
    [alert] = alerts(app)
    assert alert.due_at - alert.created_at == timedelta(hours=48)


@pytest.mark.hazard("H-003")
def test_it_never_closes_an_alert_by_itself(app, personas, runner):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            complete_screening(personas.alice.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 1))
        clock.shift(timedelta(days=60))
        runner.invoke(args=["escalate-alerts"])
        runner.invoke(args=["escalate-alerts"])
    [alert] = alerts(app)
    assert alert.is_open


@pytest.mark.hazard("H-003")
def test_it_requires_a_note_to_acknowledge(app, client, screened):
    sign_in(app, client, screened.theo)
    url = f"/alerts/{screened.alice_alert}"
    response = post_form(client, url, {"note": ""})
    assert "Write a short note" in response.get_data(as_text=True)
    assert alerts(app)[0].is_open


def test_it_acknowledges_with_a_note(app, client, screened):
    sign_in(app, client, screened.theo)
    note = "Called Alice; no plan or intent; agreed safety plan."
    post_form(client, f"/alerts/{screened.alice_alert}/contacts",
              {"method": "phone", "outcome": "reached", "contact_note": "Spoke for 20 minutes."},
              token_from=f"/alerts/{screened.alice_alert}")
    response = post_form(client, f"/alerts/{screened.alice_alert}", {"note": note})
    assert response.status_code == 302
    [alert] = alerts(app)
    assert alert.acknowledgement_note == note and alert.acknowledged_by_id == screened.theo.id


@pytest.mark.hazard("H-003")
def test_it_shows_the_open_alert_count_to_the_therapist(app, client, screened):
    sign_in(app, client, screened.theo)
    page = client.get("/caseload").get_data(as_text=True)
    link = next(a for a in parsed(page).find_all("a")
                if a.get_text(" ", strip=True).startswith("Risk alerts"))
    assert link.select_one(".badge.badge-danger").get_text(strip=True) == "1"


def test_it_hides_an_alert_from_an_unrelated_therapist(app, client, screened):
    sign_in(app, client, screened.una)
    assert "Alice" not in client.get("/alerts").get_data(as_text=True)
    assert client.get(f"/alerts/{screened.alice_alert}").status_code == 404
