"""The follow-up after treatment: scheduled at discharge, due months later, one reminder,
answered through the weekly measures' page, shown in the record (issue 19)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.caseload.operations import discharge, set_step
from app.db import db
from screening.models import FollowUp, QuestionnaireResponse, RiskAlert
from tests.conftest import phq9_page
from tests.helpers import post_form, sign_in
from tests.screening.test_weekly import weekly_form

DISCHARGE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DUE = DISCHARGE + timedelta(days=91)


def discharge_alice(app, personas) -> int:
    """Alice treated in step 2 with Theo and discharged on DISCHARGE; her follow-up's id."""
    with app.app_context(), time_machine.travel(DISCHARGE - timedelta(days=60), tick=False):
        alice = db.session.get(User, personas.alice.id)
        set_step(alice, 2, by=None, therapist=db.session.get(User, personas.theo.id))
        db.session.commit()
    with app.app_context(), time_machine.travel(DISCHARGE, tick=False):
        discharge(db.session.get(User, personas.alice.id), by=None, reason="Goals met",
                  end_reason="completed")
        db.session.commit()
        return db.session.execute(db.select(FollowUp.id)).scalar_one()


def followup_form(phq9=None, gad7=None, token="f-1") -> dict:  # noqa: S107
    return weekly_form(phq9, gad7, token)  # the same two questionnaires


def home(client) -> BeautifulSoup:
    return BeautifulSoup(client.get("/home").get_data(as_text=True), "html.parser")


@pytest.fixture
def discharged(app, personas):
    personas.followup = discharge_alice(app, personas)
    return personas


def test_it_schedules_a_follow_up_at_discharge(app, discharged):
    with app.app_context():
        followup = db.session.get(FollowUp, discharged.followup)
        assert followup.patient_id == discharged.alice.id
        assert followup.discharged_at == DISCHARGE and followup.due_at == DUE
        assert followup.completed_at is None
        assert db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "followup", AuditEvent.action == "C")).scalar_one()


def test_it_honours_a_configured_follow_up_interval(app, personas):
    app.config["FOLLOWUP_DAYS"] = 30
    followup_id = discharge_alice(app, personas)
    with app.app_context():
        assert db.session.get(FollowUp, followup_id).due_at == DISCHARGE + timedelta(days=30)


def test_it_does_not_show_the_follow_up_before_it_is_due(app, client, discharged):
    with time_machine.travel(DUE - timedelta(hours=1), tick=False):
        sign_in(app, client, discharged.alice)
        assert home(client).select_one(".followup-due") is None
        assert client.get(f"/measures/followup/{discharged.followup}").status_code == 404


def test_it_shows_the_follow_up_on_the_home_page_when_due(app, client, discharged):
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.alice)
        link = home(client).select_one(f'a[href="/measures/followup/{discharged.followup}"]')
        assert link is not None and "follow-up" in link.get_text()


def test_it_emails_one_reminder_when_the_follow_up_is_due(app, runner, discharged, inbox):
    with time_machine.travel(DUE - timedelta(days=1), tick=False):
        runner.invoke(args=["send-reminders"])
        assert inbox == []
    with time_machine.travel(DUE + timedelta(hours=1), tick=False) as clock:
        runner.invoke(args=["send-reminders"])
        clock.shift(timedelta(days=1))  # cron runs again the next day: still not answered
        runner.invoke(args=["send-reminders"])
    assert [m["To"] for m in inbox] == [discharged.alice.email]


def test_it_lets_the_patient_answer_the_follow_up(app, client, discharged):
    with time_machine.travel(DUE + timedelta(days=2), tick=False):
        sign_in(app, client, discharged.alice)
        page = BeautifulSoup(client.get(f"/measures/followup/{discharged.followup}")
                             .get_data(as_text=True), "html.parser")
        assert "treatment ended" in page.h1.get_text()
        response = post_form(client, f"/measures/followup/{discharged.followup}",
                             followup_form(phq9=phq9_page((0,) * 9, 0)))
        assert response.location.endswith("/home")
        assert home(client).select_one(".followup-due") is None
    with app.app_context():
        followup = db.session.get(FollowUp, discharged.followup)
        assert followup.completed_at is not None
        stored = sorted((r.instrument_id, r.total, r.context) for r in db.session.execute(
            db.select(QuestionnaireResponse)).scalars())
        assert stored == [("gad7", 7, "followup"), ("phq9", 0, "followup")]


def test_it_keeps_the_answers_when_one_is_missing(app, client, discharged):
    data = followup_form()
    del data["phq9-phq9_2"]
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.alice)
        page = BeautifulSoup(post_form(client, f"/measures/followup/{discharged.followup}",
                                       data).get_data(as_text=True), "html.parser")
    assert page.select_one("#phq9-phq9_2-error") is not None
    assert page.select_one('input[name="phq9-phq9_1"][value="2"]').has_attr("checked")


def test_it_shows_the_follow_up_scores_in_the_record(app, client, discharged):
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.alice)
        post_form(client, f"/measures/followup/{discharged.followup}", followup_form())
        sign_in(app, client, discharged.theo)
        page = BeautifulSoup(client.get(f"/patients/{discharged.alice.id}")
                             .get_data(as_text=True), "html.parser")
    row = page.select_one("#followup .followup-row")
    assert row.select_one(".followup-phq9").get_text(strip=True) == "10"
    assert row.select_one(".followup-gad7").get_text(strip=True) == "7"
    assert row.select_one(".followup-caseness").get_text(strip=True) == "Yes"


def test_it_answers_404_to_another_patients_follow_up(app, client, discharged):
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.bob)
        assert client.get(f"/measures/followup/{discharged.followup}").status_code == 404
        sign_in(app, client, discharged.alice)
        assert client.get(f"/measures/followup/{discharged.followup + 1}").status_code == 404


def test_it_answers_404_to_another_therapist_for_the_record(app, client, discharged):
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.una)
        assert client.get(f"/patients/{discharged.alice.id}").status_code == 404


def test_it_audits_reading_the_follow_up(app, client, discharged):
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.alice)
        client.get(f"/measures/followup/{discharged.followup}")
    with app.app_context():
        reads = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "followup", AuditEvent.action == "R",
            AuditEvent.actor_id == discharged.alice.id)).scalars().all()
        assert reads and all(r.patient_id == discharged.alice.id for r in reads)


def test_it_adds_a_due_and_an_answered_follow_up_to_the_demo(app, runner, cheap_hashing):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        followups = {f.patient.name: f for f in db.session.execute(
            db.select(FollowUp)).scalars()}
        now = datetime.now(UTC)
        assert followups["Torben Kragh"].is_due(now)
        answered = followups["Grace Miller"]
        assert answered.completed_at is not None and answered.completed_at < now
        assert (answered.phq9.total, answered.gad7.total) == (4, 3)
    assert "torben@demo.stepcare.dk" in result.output


def test_it_asks_a_danish_patient_in_danish(app, client, discharged):
    with app.app_context():
        db.session.get(User, discharged.alice.id).language = "da"
        db.session.commit()
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.alice)
        link = home(client).select_one(f'a[href="/measures/followup/{discharged.followup}"]')
        assert link.get_text(strip=True) == "Besvar opfølgningsspørgsmålene"


@pytest.mark.hazard("H-001")
def test_it_runs_the_risk_loop_on_the_follow_up(app, client, discharged):
    risky = phq9_page((0, 0, 0, 0, 0, 0, 0, 0, 1))
    with time_machine.travel(DUE, tick=False):
        sign_in(app, client, discharged.alice)
        response = post_form(client, f"/measures/followup/{discharged.followup}",
                             followup_form(phq9=risky))
    assert response.location.endswith("/support")
    with app.app_context():
        alert = db.session.execute(db.select(RiskAlert)).scalar_one()
        # Discharged, but still on Theo's caseload: he is told, not only the duty therapists.
        assert alert.therapist_id == discharged.theo.id and alert.response_id is not None
