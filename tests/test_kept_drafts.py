"""Typed text survives an expired session: kept on the server, offered to its writer alone."""

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup

from app.accounts.drafts import RESTORED_FIELD
from app.accounts.models import KeptDraft
from app.audit.models import AuditEvent
from app.caseload.models import ClinicianNote
from app.db import db
from app.messaging.models import Message
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from tests.helpers import csrf_token, login

LONG_MESSAGE = "I have been thinking about what we said on Monday, and I want to try again."
START = "2026-11-23 09:00:00+00:00"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def _post_after_expiry(client, user, url, data, *, clock, form_page=None, totp=None):
    """Sign in, open the form, stay away past the idle limit, then send it."""
    login(client, user, PERSONA_PASSWORD, totp_secret=totp)
    token = csrf_token(client, form_page or url)
    clock.shift(timedelta(minutes=31))
    return client.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kept_message(client, personas, clock):
    """Alice's message arrived after her session expired."""
    return _post_after_expiry(client, personas.alice, "/messages", {"body": LONG_MESSAGE},
                              clock=clock)


def _kept_page(client):
    return BeautifulSoup(client.get("/account/kept-draft").get_data(as_text=True), "html.parser")


def _kept_form(client):
    """The kept page's send form and what a browser would post from it."""
    form = _kept_page(client).find("form", class_="kept-draft")
    fields = form.find_all(["input", "textarea"])
    return form, {tag["name"]: tag.get("value", tag.get_text()) for tag in fields}


@pytest.mark.hazard("H-011")
def test_it_keeps_a_message_sent_after_the_session_expired(app, kept_message):
    assert kept_message.status_code == 302 and "/login" in kept_message.location
    assert _count(app, Message) == 0
    with app.app_context():
        draft = db.session.execute(db.select(KeptDraft)).scalar_one()
        assert ["body", LONG_MESSAGE] in draft.fields
        assert not any(name == "csrf_token" for name, _value in draft.fields)


def test_it_keeps_no_text_in_the_cookie(client, kept_message):
    with client.session_transaction() as session:
        assert LONG_MESSAGE not in repr(dict(session))


def test_it_offers_the_kept_text_after_signing_in_again(client, personas, kept_message):
    response = login(client, personas.alice, PERSONA_PASSWORD)
    assert response.location.endswith("/account/kept-draft")
    page = _kept_page(client)
    assert page.find("textarea", attrs={"name": "body"}).get_text() == LONG_MESSAGE
    assert page.find("form", class_="kept-draft")["action"] == "/messages"


@pytest.mark.hazard("H-011")
def test_it_sends_the_kept_message_with_one_button(app, client, personas, kept_message):
    login(client, personas.alice, PERSONA_PASSWORD)
    form, data = _kept_form(client)
    assert client.post(form["action"], data=data).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Message.body)).scalar_one() == LONG_MESSAGE
    assert _count(app, KeptDraft) == 0


def test_it_keeps_the_draft_when_the_page_refuses_the_form(app, client, personas, kept_message):
    login(client, personas.alice, PERSONA_PASSWORD)
    draft_id = _kept_page(client).find("input", attrs={"name": RESTORED_FIELD})["value"]
    token = csrf_token(client, "/messages")
    client.post("/messages", data={"csrf_token": token, RESTORED_FIELD: draft_id, "body": ""})
    assert _count(app, KeptDraft) == 1


@pytest.mark.hazard("H-011")
def test_it_shows_the_draft_to_nobody_else_on_the_browser(app, client, personas, kept_message):
    response = login(client, personas.bob, PERSONA_PASSWORD)
    assert "/account/kept-draft" not in response.location
    page = client.get("/account/kept-draft")
    assert page.status_code == 302 and LONG_MESSAGE not in page.get_data(as_text=True)
    assert _count(app, KeptDraft) == 0


def test_it_refuses_to_send_someone_elses_draft(app, personas, kept_message):
    with app.app_context():
        draft_id = db.session.execute(db.select(KeptDraft.id)).scalar_one()
    bobs_browser = app.test_client()
    login(bobs_browser, personas.bob, PERSONA_PASSWORD)
    token = csrf_token(bobs_browser, "/messages")
    response = bobs_browser.post("/messages", data={"csrf_token": token, RESTORED_FIELD: draft_id,
                                              "body": "hello"})
    assert response.status_code == 404


def test_it_discards_the_draft_on_request(app, client, personas, kept_message):
    login(client, personas.alice, PERSONA_PASSWORD)
    token = csrf_token(client, "/account/kept-draft")
    client.post("/account/kept-draft/discard", data={"csrf_token": token})
    assert _count(app, KeptDraft) == 0 and _count(app, Message) == 0


def test_it_forgets_a_draft_after_the_keep_hours(app, client, personas, kept_message, clock):
    clock.shift(timedelta(hours=25))
    login(client, personas.alice, PERSONA_PASSWORD)
    assert client.get("/account/kept-draft").status_code == 302
    assert _count(app, KeptDraft) == 0


def test_it_never_keeps_a_password(app, client, personas, clock):
    _post_after_expiry(client, personas.alice, "/account/password", {
        "password": "a brand new pass phrase"}, clock=clock, form_page="/account")
    with app.app_context():
        kept = db.session.execute(db.select(KeptDraft.fields)).scalars().all()
    assert all("pass phrase" not in value for fields in kept for _name, value in fields)


def test_it_keeps_nothing_from_a_form_without_typed_text(app, client, personas, clock):
    _post_after_expiry(client, personas.alice, "/messages", {"body": "ok"}, clock=clock)
    assert _count(app, KeptDraft) == 0


def test_it_keeps_nothing_without_an_expired_session(app, client):
    token = csrf_token(client, "/login")
    client.post("/messages", data={"csrf_token": token, "body": LONG_MESSAGE})
    assert _count(app, KeptDraft) == 0


def test_it_keeps_a_clinical_note_through_the_two_step_sign_in(app, client, personas, clock):
    url = f"/patients/{personas.alice.id}/notes"
    note = "Discussed sleep; she will try a fixed wake-up time this week."
    _post_after_expiry(client, personas.theo, url, {"body": note}, clock=clock,
                       form_page=f"/patients/{personas.alice.id}", totp=PERSONA_TOTP_SECRET)
    response = login(client, personas.theo, PERSONA_PASSWORD, totp_secret=PERSONA_TOTP_SECRET)
    assert response.location.endswith("/account/kept-draft")
    form, data = _kept_form(client)
    client.post(form["action"], data=data)
    with app.app_context():
        assert db.session.execute(db.select(ClinicianNote.body)).scalar_one() == note


def test_it_audits_keeping_and_showing_the_draft(app, client, personas, kept_message):
    login(client, personas.alice, PERSONA_PASSWORD)
    _kept_page(client)
    with app.app_context():
        rows = db.session.execute(
            db.select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.resource_type == "kept_draft").order_by(AuditEvent.id)
        ).all()
    assert [tuple(row) for row in rows] == [("C", personas.alice.id), ("R", personas.alice.id)]
