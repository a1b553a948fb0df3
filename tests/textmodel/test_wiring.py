"""Part B of issue 7: the patient's own words raise risk-language alerts for a clinician,
and the intake's free text personalises which modules come first."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

import textmodel
from app.accounts.models import User
from app.db import db
from programmes import catalogue
from programmes import operations as programmes
from screening.models import RiskAlert, RiskSource
from tests.conftest import complete_screening, enrol
from tests.helpers import csrf_token, parsed, post_form, sign_in

NO_POINT = "I can't see the point of going on"


@pytest.fixture
def rules_only(monkeypatch):
    """The text model is absent: every layer but the phrase rules is off."""
    monkeypatch.setattr(textmodel, "mode", lambda: "rules")
    monkeypatch.setattr(textmodel.get_encoder(), "available", lambda: False)


def language_alerts(app) -> list[RiskAlert]:
    with app.app_context():
        rows = db.session.execute(
            db.select(RiskAlert).where(RiskAlert.source == str(RiskSource.LANGUAGE))
            .order_by(RiskAlert.id)
        ).scalars().all()
        db.session.expunge_all()
        return list(rows)


def send_message(app, client, patient, body: str):
    sign_in(app, client, patient)
    return post_form(client, "/messages", {"body": body})


# --- risk-language alerts -------------------------------------------------------------------


@pytest.mark.hazard("H-002")
def test_it_raises_a_language_alert_from_a_patients_message(app, client, personas, rules_only):
    send_message(app, client, personas.alice, f"Hello. {NO_POINT}. Thanks.")
    [alert] = language_alerts(app)
    assert (alert.patient_id, alert.excerpt, alert.excerpt_source) == (
        personas.alice.id, NO_POINT + ".", "message")
    assert alert.screening_id is None and alert.therapist_id == personas.theo.id


def test_it_shows_the_sentence_to_the_therapist_on_the_alert_page(app, client, personas,
                                                                   rules_only):
    send_message(app, client, personas.alice, NO_POINT)
    [alert] = language_alerts(app)
    sign_in(app, client, personas.theo)
    page = client.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "Words the patient wrote (message)" in page
    quote = BeautifulSoup(page, "html.parser").select_one("blockquote.excerpt")
    assert quote.get_text(" ", strip=True) == NO_POINT
    escaped = NO_POINT.replace("'", "&#39;")
    assert escaped in client.get("/alerts").get_data(as_text=True)


def test_it_raises_no_alert_for_an_ordinary_figure_of_speech(app, client, personas, rules_only):
    send_message(app, client, personas.alice, "this workout is killing me")
    assert language_alerts(app) == []


def test_it_does_not_scan_the_therapists_messages(app, client, personas, rules_only):
    from app.messaging import operations as messaging

    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        messaging.send(alice, db.session.get(User, personas.theo.id), NO_POINT)
        db.session.commit()
    assert language_alerts(app) == []


def test_it_raises_the_same_sentence_once_while_its_alert_is_open(app, client, personas,
                                                                  rules_only):
    send_message(app, client, personas.alice, NO_POINT)
    post_form(client, "/messages", {"body": NO_POINT})
    assert len(language_alerts(app)) == 1


@pytest.mark.hazard("H-002")
def test_it_scans_a_diary_note(app, client, personas, rules_only):
    sign_in(app, client, personas.alice)
    with app.app_context():
        from programmes.diary import clinic_today

        today = clinic_today().isoformat()
    response = post_form(client, "/diary", {"day": today, "mood": "2",
                                            "note": "Bad day. I want to end my life."})
    assert response.status_code == 302  # the patient's save went through
    [alert] = language_alerts(app)
    assert (alert.excerpt, alert.excerpt_source) == ("I want to end my life.", "diary")


@pytest.mark.hazard("H-002")
def test_it_scans_an_exercise_answer(app, client, personas, rules_only):
    with app.app_context():
        enrolment = enrol(personas.alice.id, "depression", personas.theo.id)
        welcome = enrolment.programme.current_modules[0]
        block = next(b for b in programmes.as_content_module(welcome, "en").blocks
                     if b.type == "homework")
        block_id = block.id
    sign_in(app, client, personas.alice)
    url = "/programmes/depression/welcome"
    token = csrf_token(client, url)
    response = client.post(f"{url}/answers/{block_id}",
                           data={"csrf_token": token,
                                 f"b-{block_id}-text": f"Walked a bit. {NO_POINT}"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    [alert] = language_alerts(app)
    assert (alert.excerpt, alert.excerpt_source) == (NO_POINT, "exercise")


@pytest.mark.hazard("H-002")
def test_it_scans_the_intake_free_text(app, personas, rules_only):
    with app.app_context():
        complete_screening(personas.alice.id, intake={"presenting_problem": NO_POINT})
    [alert] = language_alerts(app)
    assert (alert.excerpt, alert.excerpt_source, alert.screening_id) == (NO_POINT, "intake", None)


def test_it_never_shows_the_excerpt_to_the_patient(app, client, personas, rules_only):
    send_message(app, client, personas.alice, "Nothing helps. I want to end my life.")
    assert language_alerts(app)
    for url in ("/", "/messages", "/programmes", "/diary"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "Words the patient wrote" not in page, url
        assert "risk alert" not in page.lower(), url
        assert not parsed(page).select(".excerpt"), url
    [alert] = language_alerts(app)
    assert client.get(f"/alerts/{alert.id}").status_code in (403, 404)


@pytest.mark.hazard("H-002")
def test_it_keeps_the_patients_save_when_the_model_layer_fails(app, client, personas,
                                                               monkeypatch):
    import screening.risk_model as risk_model

    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(risk_model, "risk_signals", broken)
    response = send_message(app, client, personas.alice, NO_POINT)
    assert response.status_code == 302
    [alert] = language_alerts(app)  # the phrase rules still applied
    assert alert.excerpt == NO_POINT


# --- personalised recommendations -----------------------------------------------------------

SLEEP_AND_WORRY = {
    "presenting_problem": "I lie awake at night and can't sleep, and I worry about everything.",
    "goals": "Worry less and sleep through the night.",
}


def self_help_ranking(app, patient_id):
    with app.app_context():
        enrolment = enrol(patient_id, "self-help", None)
        patient = db.session.get(User, patient_id)
        ranked = catalogue.suggestions_for(patient, [enrolment])
        return [(s.module.slug, [str(r) for r in s.reasons]) for s in ranked]


@pytest.fixture
def sleepless(app, personas):
    with app.app_context():
        complete_screening(personas.alice.id, intake=SLEEP_AND_WORRY)
    return personas.alice


def test_it_puts_sleep_and_worry_first_for_a_patient_who_wrote_about_them(app, sleepless,
                                                                         rules_only):
    ranked = self_help_ranking(app, sleepless.id)
    assert {slug for slug, _ in ranked[:2]} == {"sleep", "worry"}
    reasons = dict(ranked)
    assert "Because you mentioned sleep." in reasons["sleep"]
    assert "Because you mentioned worry." in reasons["worry"]
    assert ranked[-1][0] == "more-help"


def test_it_ranks_the_same_way_every_time(app, sleepless):
    assert self_help_ranking(app, sleepless.id) == self_help_ranking(app, sleepless.id)


def test_it_finds_topics_in_danish_too():
    topics = catalogue.mentioned_topics(["Jeg sover dårligt og bekymrer mig hele tiden."])
    assert [t.id for t in topics] == ["sleep", "worry"]


def test_it_orders_the_guided_programmes_optional_modules_with_reasons(app, client, personas,
                                                                       rules_only):
    with app.app_context():
        complete_screening(personas.alice.id, intake={
            "presenting_problem": "I am so hard on myself about everything."})
        enrol(personas.alice.id, "depression", personas.theo.id)
    sign_in(app, client, personas.alice)
    page = client.get("/programmes/depression").get_data(as_text=True)
    assert page.index("A kinder inner voice") < page.index("When thoughts go round and round")
    assert "Because you mentioned being hard on yourself." in page


def test_it_shows_the_reasons_on_the_self_help_page(app, client, sleepless, rules_only):
    with app.app_context():
        enrol(sleepless.id, "self-help", None)
    sign_in(app, client, sleepless)
    page = client.get("/programmes").get_data(as_text=True)
    assert "Because you mentioned sleep." in page


def test_it_adds_similar_modules_when_the_model_is_there(app, sleepless):
    from tests.textmodel.conftest import requires_ml

    requires_ml()
    if textmodel.mode() != "model":
        pytest.skip("the packaged encoder is not installed")
    with app.app_context():
        modules = programmes.programme_by_slug("self-help").current_modules
        profile = catalogue.profile_for(db.session.get(User, sleepless.id))
        similar = catalogue.similar_modules(modules, profile.texts)
        by_slug = {m.slug: m.id for m in modules}
        assert by_slug["worry"] in similar and by_slug["sleep"] in similar
        assert catalogue.similar_modules(modules, profile.texts) == similar  # cached, same
