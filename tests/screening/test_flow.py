"""The patient's screening in the app: pages, resume, bad input, atomic submission."""

import pytest

from app.db import db
from screening.models import QuestionnaireResponse, Screening, ScreeningStatus
from tests.conftest import INTAKE, gad7_page, phq9_page, wsas_page
from tests.helpers import parsed, post_form, sign_in

PAGES = {"phq9": phq9_page(), "gad7": gad7_page(), "wsas": wsas_page(), "intake": INTAKE}


@pytest.fixture
def alice(app, client, personas):
    sign_in(app, client, personas.alice)
    post_form(client, "/screening/start", token_from="/screening")
    return personas.alice


def answer(client, page_id: str, answers: dict):
    return post_form(client, f"/screening/questions/{page_id}",
                     {k: str(v) for k, v in answers.items()})


def answer_all(client):
    for page_id, answers in PAGES.items():
        assert answer(client, page_id, answers).status_code == 302


def the_screening(app) -> Screening:
    with app.app_context():
        screening = db.session.execute(db.select(Screening)).scalar_one()
        db.session.expunge(screening)
        return screening


def response_count(app) -> int:
    with app.app_context():
        return db.session.execute(
            db.select(db.func.count()).select_from(QuestionnaireResponse)
        ).scalar_one()


def test_it_shows_one_questionnaire_per_page_with_progress(client, alice):
    page = client.get("/screening/questions/phq9").get_data(as_text=True)
    assert "Questionnaire 1 of 4" in page
    form = parsed(page)
    assert form.find(attrs={"name": "phq9_9"}) and not form.find(attrs={"name": "gad7_1"})


def test_it_moves_to_the_next_page_after_saving(client, alice):
    response = answer(client, "phq9", PAGES["phq9"])
    assert response.location.endswith("/screening/questions/gad7")


def test_it_lets_the_patient_stop_and_resume_later(app, client, alice):
    answer(client, "phq9", PAGES["phq9"])
    later = app.test_client()
    sign_in(app, later, alice)
    resumed = post_form(later, "/screening/start", token_from="/screening")
    assert resumed.location.endswith("/screening/questions/gad7")
    back = later.get("/screening/questions/phq9").get_data(as_text=True)
    assert checked(back, "phq9_1") == "2"


def test_it_highlights_a_missing_answer_and_keeps_the_others(app, client, alice):
    partial = {k: v for k, v in PAGES["phq9"].items() if k != "phq9_3"}
    response = answer(client, "phq9", partial)
    assert response.status_code == 303 and response.location.endswith("/questions/phq9")
    page = client.get(response.location).get_data(as_text=True)
    assert parsed(page).find(id="phq9_3-error") and "Please answer this question." in page
    assert checked(page, "phq9_1") == "2"
    assert "phq9" not in the_screening(app).drafts


@pytest.mark.parametrize("tampered", [{"phq9_1": "4"}, {"phq9_2": "-1"}, {"phq9_3": "two"},
                                      {"phq9_9": "3.0"}])
def test_it_answers_400_to_tampered_values_and_stores_nothing(app, client, alice, tampered):
    response = answer(client, "phq9", {**PAGES["phq9"], **tampered})
    assert response.status_code == 400
    assert the_screening(app).drafts == {}


def test_it_refuses_an_intake_answer_that_no_option_offers(app, client, alice):
    for page_id in ("phq9", "gad7", "wsas"):
        answer(client, page_id, PAGES[page_id])
    response = answer(client, "intake", {**INTAKE, "bipolar": "maybe"})
    assert response.status_code == 400


def test_it_explains_an_intake_text_that_is_too_long_and_keeps_it(app, client, alice):
    for page_id in ("phq9", "gad7", "wsas"):
        answer(client, page_id, PAGES[page_id])
    long_text = "word " * 500
    response = answer(client, "intake", {**INTAKE, "presenting_problem": long_text})
    page = client.get(response.location).get_data(as_text=True)
    assert "This answer is too long" in page and long_text.strip()[:100] in page


def test_it_does_not_let_the_patient_skip_ahead(client, alice):
    response = client.get("/screening/questions/intake")
    assert response.location.endswith("/screening/questions/phq9")


def test_it_submits_every_page_as_responses_in_one_go(app, client, alice):
    answer_all(client)
    response = post_form(client, "/screening/submit", token_from="/screening/confirm")
    assert response.location.endswith("/screening/result")
    screening = the_screening(app)
    assert screening.status == ScreeningStatus.SUBMITTED
    assert screening.recommended_step == 2
    assert response_count(app) == 4


def test_it_stores_one_response_when_the_patient_submits_twice(app, client, alice):
    answer_all(client)
    token_page = "/screening/confirm"
    first = post_form(client, "/screening/submit", token_from=token_page)
    second = client.post("/screening/submit", data={"csrf_token": _token(client)})
    assert first.status_code == second.status_code == 302
    assert response_count(app) == 4


def _token(client):
    from tests.helpers import csrf_token

    return csrf_token(client, "/home")


def test_it_stores_nothing_when_routing_fails_mid_submission(app, client, alice, monkeypatch):
    answer_all(client)
    token = _token(client)

    def broken(facts):
        raise RuntimeError("routing exploded")

    monkeypatch.setattr("screening.routing.recommend", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/screening/submit", data={"csrf_token": token})
    assert response.status_code == 500
    assert response_count(app) == 0
    assert the_screening(app).status == ScreeningStatus.IN_PROGRESS


def test_it_explains_the_result_in_plain_words(client, alice):
    answer_all(client)
    post_form(client, "/screening/submit", token_from="/screening/confirm")
    page = client.get("/screening/result").get_data(as_text=True)
    assert "10 out of 27" in page
    assert "Your answers suggest moderate depression." in page
    assert "We suggest: Guided online programme" in page
    assert "A therapist reads your answers" in page


def test_it_explains_the_result_in_danish(app, client, alice):
    answer_all(client)
    post_form(client, "/screening/submit", token_from="/screening/confirm")
    post_form(client, "/language", {"lang": "da", "next": "/screening/result"},
              token_from="/home")
    page = client.get("/screening/result").get_data(as_text=True)
    assert '<html lang="da">' in page and "10 ud af 27" in page


def test_it_leaves_out_wsas_when_a_deployment_switches_it_off(app, client, alice):
    app.config["SCREENING_WSAS_ENABLED"] = False
    for page_id in ("phq9", "gad7"):
        answer(client, page_id, PAGES[page_id])
    assert client.get("/screening/questions/gad7").status_code == 200
    response = answer(client, "intake", INTAKE)
    assert response.location.endswith("/screening/confirm")
    assert "Questionnaire 3 of 3" in client.get("/screening/questions/intake").get_data(
        as_text=True)


def checked(page: str, name: str) -> str | None:
    """The value of the radio button named ``name`` that the page shows as chosen."""
    chosen = parsed(page).find("input", attrs={"name": name, "checked": True})
    return chosen["value"] if chosen else None
