"""A patient asks for erasure: every session ends, the account cannot sign in again."""

from __future__ import annotations

from app.accounts.models import User, UserSession
from app.audit.models import AuditEvent
from app.db import db
from app.erasure.models import ErasureRequest
from tests.conftest import PERSONA_PASSWORD
from tests.helpers import login, parsed, post_form, sign_in


def _ask(client):
    return post_form(client, "/account/erasure")


def test_it_asks_for_the_password_first(app, client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    with app.app_context():
        db.session.execute(db.update(UserSession).values(reauthenticated_at=None))
        db.session.commit()
    response = client.get("/account/erasure")
    assert response.status_code == 302
    assert "/account/confirm" in response.location


def test_it_signs_out_every_session_at_once(app, client, personas):
    other = app.test_client()
    sign_in(app, other, personas.alice)
    assert other.get("/account").status_code == 200
    sign_in(app, client, personas.alice)
    response = _ask(client)
    assert response.status_code == 302 and "/login" in response.location
    # The other browser is signed out on its very next request.
    assert other.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    with app.app_context():
        live = db.session.execute(db.select(UserSession).where(
            UserSession.user_id == personas.alice.id, UserSession.ended_at.is_(None))).all()
        assert live == []


def test_it_stores_one_pending_request_and_audits_it(app, client, personas):
    sign_in(app, client, personas.alice)
    _ask(client)
    with app.app_context():
        found = db.session.execute(db.select(ErasureRequest)).scalar_one()
        assert found.user_id == personas.alice.id and found.status == "pending"
        assert db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "erasure_request", AuditEvent.action == "C",
            AuditEvent.patient_id == personas.alice.id)).first() is not None


def test_it_tells_the_patient_at_sign_in_that_the_request_is_handled(app, client, personas):
    sign_in(app, client, personas.alice)
    _ask(client)
    response = login(client, personas.alice, PERSONA_PASSWORD)
    assert response.status_code == 200
    text = parsed(response).get_text(" ")
    assert "handling your request" in text
    assert app.config["CLINIC_PHONE"] in text
    assert client.get("/account").status_code == 302


def test_it_refuses_a_second_request(app, client, personas):
    from app.erasure import operations

    sign_in(app, client, personas.alice)
    _ask(client)
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        try:
            operations.request_erasure(alice)
        except operations.AlreadyRequested:
            pass
        else:
            raise AssertionError("a second request was accepted")
        assert len(db.session.execute(db.select(ErasureRequest)).all()) == 1


def test_it_offers_erasure_on_the_patients_account_page_only(app, client, personas):
    sign_in(app, client, personas.alice)
    assert parsed(client.get("/account")).select_one('a[href="/account/erasure"]')
    sign_in(app, client, personas.theo)
    assert parsed(client.get("/account")).select_one('a[href="/account/erasure"]') is None
    assert client.get("/account/erasure").status_code == 404
