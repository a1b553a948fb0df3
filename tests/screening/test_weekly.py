"""Weekly PHQ-9 and GAD-7 for patients in steps 2 and 3, each run through the risk loop."""

from datetime import timedelta

import pytest
import time_machine

from app.accounts.models import User
from app.caseload.operations import set_step
from app.db import db
from screening.models import QuestionnaireResponse, RiskAlert
from tests.conftest import gad7_page, phq9_page
from tests.helpers import parsed, post_form, sign_in


def put_in_step(app, patient_id: int, step: int) -> None:
    with app.app_context():
        set_step(db.session.get(User, patient_id), step, by=None)
        db.session.commit()


def weekly_form(phq9=None, gad7=None, token="t-1") -> dict:  # noqa: S107
    data = {f"phq9-{k}": str(v) for k, v in (phq9 or phq9_page()).items()}
    data |= {f"gad7-{k}": str(v) for k, v in (gad7 or gad7_page()).items()}
    return {**data, "token": token}


def weekly_responses(app) -> list[QuestionnaireResponse]:
    with app.app_context():
        rows = db.session.execute(db.select(QuestionnaireResponse)).scalars().all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def alice_in_step_2(app, client, personas):
    put_in_step(app, personas.alice.id, 2)
    sign_in(app, client, personas.alice)
    return personas.alice


def test_it_shows_weekly_questionnaires_as_due_in_step_2(client, alice_in_step_2):
    page = client.get("/home").get_data(as_text=True)
    assert "Your weekly questionnaires are ready." in page


def test_it_does_not_ask_step_1_patients_weekly(app, client, personas):
    put_in_step(app, personas.alice.id, 1)
    sign_in(app, client, personas.alice)
    assert "weekly questionnaires are ready" not in client.get("/home").get_data(as_text=True)
    assert client.get("/measures/weekly").status_code == 302


def test_it_stores_both_questionnaires(app, client, alice_in_step_2):
    response = post_form(client, "/measures/weekly", weekly_form())
    assert response.location.endswith("/home")
    stored = sorted((r.instrument_id, r.total, r.context) for r in weekly_responses(app))
    assert stored == [("gad7", 7, "weekly"), ("phq9", 10, "weekly")]


def test_it_stores_one_set_when_the_form_is_sent_twice(app, client, alice_in_step_2):
    post_form(client, "/measures/weekly", weekly_form(token="same"))
    put_in_step(app, alice_in_step_2.id, 2)  # still due: pretend a week passed
    with app.app_context():
        for r in db.session.execute(db.select(QuestionnaireResponse)).scalars():
            r.submitted_at -= timedelta(days=8)
        db.session.commit()
    post_form(client, "/measures/weekly", weekly_form(token="same"))
    assert len(weekly_responses(app)) == 2


def test_it_highlights_missing_answers_and_keeps_the_rest(app, client, alice_in_step_2):
    data = weekly_form()
    del data["gad7-gad7_4"]
    page = post_form(client, "/measures/weekly", data).get_data(as_text=True)
    assert "1 question is not answered yet." in page
    assert parsed(page).find(id="gad7-gad7_4-error") is not None
    assert weekly_responses(app) == []


def test_it_answers_400_to_tampered_weekly_values(app, client, alice_in_step_2):
    response = post_form(client, "/measures/weekly", weekly_form(phq9={**phq9_page(),
                                                                        "phq9_4": "9"}))
    assert response.status_code == 400
    assert weekly_responses(app) == []


@pytest.mark.hazard("H-001")
def test_it_runs_the_risk_loop_on_every_weekly_questionnaire(app, client, alice_in_step_2):
    risky = phq9_page((0, 0, 0, 0, 0, 0, 0, 0, 1))
    response = post_form(client, "/measures/weekly", weekly_form(phq9=risky))
    assert response.location.endswith("/support")
    page = client.get("/support").get_data(as_text=True)
    assert "Thank you for telling us" in page and "70 201 201" in page
    with app.app_context():
        alert = db.session.execute(db.select(RiskAlert)).scalar_one()
        assert alert.response_id is not None and alert.screening_id is None


def test_it_is_due_again_after_a_week(app, client, alice_in_step_2):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        sign_in(app, client, alice_in_step_2)
        post_form(client, "/measures/weekly", weekly_form())
        clock.shift(timedelta(days=6))
        sign_in(app, client, alice_in_step_2)
        assert "questionnaires are ready" not in client.get("/home").get_data(as_text=True)
        clock.shift(timedelta(days=1))
        sign_in(app, client, alice_in_step_2)
        assert "questionnaires are ready" in client.get("/home").get_data(as_text=True)


def test_it_honours_a_configured_interval(app, client, alice_in_step_2):
    app.config["MEASURE_INTERVAL_DAYS"] = 14
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        sign_in(app, client, alice_in_step_2)
        post_form(client, "/measures/weekly", weekly_form())
        clock.shift(timedelta(days=8))
        sign_in(app, client, alice_in_step_2)
        assert "questionnaires are ready" not in client.get("/home").get_data(as_text=True)
