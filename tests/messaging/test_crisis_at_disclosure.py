"""Issue 12: a patient who writes risk language sees crisis help at once, on the page
that confirms the save; a patient without a therapist is offered no message box."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.caseload.models import CareAssignment
from app.db import db, utcnow
from app.messaging.models import Message
from screening.models import RiskAlert
from tests.helpers import post_form, sign_in

pytestmark = pytest.mark.hazard("H-002")

RISKY = "Bad day. I want to end my life."


@pytest.fixture(autouse=True)
def rules_only(monkeypatch):
    import textmodel

    monkeypatch.setattr(textmodel, "mode", lambda: "rules")
    monkeypatch.setattr(textmodel.get_encoder(), "available", lambda: False)


def crisis_box(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("#crisis-now")


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_it_shows_crisis_help_after_a_risky_message(app, client, personas):
    sign_in(app, client, personas.alice)
    response = post_form(client, "/messages", {"body": RISKY})
    box = crisis_box(client.get(response.location))
    assert box is not None
    assert [a["href"] for a in box.select("a")] == ["tel:112", "tel:70201201"]
    assert "end my life" not in box.get_text()  # the words are for clinicians


def test_it_shows_crisis_help_only_once(app, client, personas):
    sign_in(app, client, personas.alice)
    response = post_form(client, "/messages", {"body": RISKY})
    client.get(response.location)
    assert crisis_box(client.get("/messages")) is None


def test_it_shows_no_crisis_help_after_an_ordinary_message(app, client, personas):
    sign_in(app, client, personas.alice)
    response = post_form(client, "/messages", {"body": "Can we move Thursday's session?"})
    assert crisis_box(client.get(response.location)) is None


def test_it_shows_crisis_help_after_a_risky_diary_note(app, client, personas):
    from programmes.diary import clinic_today

    sign_in(app, client, personas.alice)
    with app.app_context():
        today = clinic_today().isoformat()
    response = post_form(client, "/diary", {"day": today, "mood": "2", "note": RISKY})
    assert crisis_box(client.get(response.location)) is not None


def test_it_shows_crisis_help_for_a_disclosure_whose_alert_is_already_open(app, client,
                                                                          personas):
    sign_in(app, client, personas.alice)
    client.get(post_form(client, "/messages", {"body": RISKY}).location)
    response = post_form(client, "/messages", {"body": RISKY})
    assert crisis_box(client.get(response.location)) is not None
    assert count(app, RiskAlert) == 1


@pytest.fixture
def unassigned(app, personas):
    with app.app_context():
        db.session.execute(db.update(CareAssignment).where(
            CareAssignment.patient_id == personas.bob.id).values(ended_at=utcnow()))
        db.session.commit()
    return personas.bob


def test_it_offers_no_message_box_without_a_therapist(app, client, unassigned):
    sign_in(app, client, unassigned)
    page = BeautifulSoup(client.get("/messages").get_data(as_text=True), "html.parser")
    assert page.select("main form textarea[name=body]") == []
    assert [a["href"] for a in page.select("#no-therapist a")] == ["tel:112", "tel:70201201"]


@pytest.mark.hazard("H-004")
def test_it_still_reads_a_risky_text_sent_from_an_old_page_without_a_therapist(
        app, client, personas, unassigned):
    with app.app_context():
        from app.accounts.models import User

        db.session.get(User, personas.una.id).on_duty = True
        db.session.commit()
    sign_in(app, client, unassigned)
    response = post_form(client, "/messages", {"body": RISKY}, token_from="/account")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("textarea[name=body]").get_text().strip() == RISKY
    assert page.select_one("#crisis-now") is not None
    assert count(app, Message) == 0
    with app.app_context():
        alert = db.session.execute(db.select(RiskAlert)).scalar_one()
        assert alert.therapist_id is None  # the duty clinicians' alert


def _homework_autosave(app, client, personas, text: str):
    from programmes import operations as programmes
    from tests.conftest import enrol
    from tests.helpers import csrf_token

    with app.app_context():
        enrolment = enrol(personas.alice.id, "depression", personas.theo.id)
        welcome = enrolment.programme.current_modules[0]
        block_id = next(b for b in programmes.as_content_module(welcome, "en").blocks
                        if b.type == "homework").id
    sign_in(app, client, personas.alice)
    url = "/programmes/depression/welcome"
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    response = client.post(f"{url}/answers/{block_id}",
                           data={"csrf_token": csrf_token(client, url),
                                 f"b-{block_id}-text": text},
                           headers={"Accept": "application/json"})
    return page, response


def test_it_tells_the_autosaving_page_to_show_crisis_help(app, client, personas):
    page, response = _homework_autosave(app, client, personas, f"Walked a bit. {RISKY}")
    assert response.status_code == 200 and response.json["crisis"] is True
    help_ = page.select_one("[data-crisis-now]")
    assert help_.has_attr("hidden") and help_.select_one("#crisis-now") is not None


def test_it_shows_no_crisis_help_for_an_ordinary_autosave(app, client, personas):
    _page, response = _homework_autosave(app, client, personas, "Walked a bit by the lake.")
    assert response.json["crisis"] is False
