"""End to end against a real OpenID provider: sign in, register, link, refuse."""

from __future__ import annotations

from datetime import date

from app.accounts.models import OidcLink, User
from app.audit.models import AuditEvent
from app.db import db
from tests.conftest import PERSONA_PASSWORD
from tests.helpers import login, parsed, post_form
from tests.oidc.conftest import through_provider

START = "/login/oidc/test"


def _link(app, user_id: int, sub: str) -> None:
    with app.app_context():
        db.session.add(OidcLink(user_id=user_id, provider="test", subject=sub))
        db.session.commit()


def _login_rows(app, outcome: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "oidc_login", AuditEvent.outcome == outcome)).scalars())


def _flashes(client) -> str:
    return parsed(client.get("/login")).get_text(" ", strip=True)


def test_it_shows_a_button_per_provider(client):
    buttons = parsed(client.get("/login")).select(".oidc-providers a.button")
    assert [b.get_text(strip=True) for b in buttons] == ["Sign in with TestID"]
    assert buttons[0]["href"].startswith(START)


def test_it_signs_in_a_linked_patient_and_audits_the_provider(app, client, personas):
    _link(app, personas.alice.id, "sub-alice")
    response = through_provider(client, START, "sub-alice")
    assert response.status_code == 302 and "/login" not in response.location
    assert client.get("/account").status_code == 200
    rows = _login_rows(app, "allowed")
    assert [(r.actor_id, r.resource_id, r.patient_id) for r in rows] == [
        (personas.alice.id, "test", personas.alice.id)]


def test_it_registers_a_patient_with_the_providers_name_and_birth_date(app, client, inbox):
    response = through_provider(client, START, "sub-nina")
    assert response.location.endswith("/register/oidc")
    page = parsed(client.get("/register/oidc"))
    assert "Nina Nielsen" in page.select_one("#oidc-person").get_text()
    response = post_form(client, "/register/oidc",
                         {"email": "nina@example.com", "phone": "20 11 22 33", "language": "da",
                          "consent": "y"})
    assert response.status_code == 302 and response.location.endswith("/login")
    with app.app_context():
        nina = db.session.execute(
            db.select(User).where(User.email == "nina@example.com")).scalar_one()
        link = db.session.execute(db.select(OidcLink)).scalar_one()
        assert (nina.name, nina.date_of_birth, nina.phone) == (
            "Nina Nielsen", date(1988, 2, 29), "+4520112233")
        assert (link.user_id, link.subject, link.national_id) == (nina.id, "sub-nina", "2902881234")
    welcome = inbox[0].get_payload(decode=True).decode()
    assert "Log ind med TestID" in welcome and "adgangskode" not in welcome
    again = through_provider(client, START, "sub-nina")
    assert again.status_code == 302, again.location
    assert client.get("/account").status_code == 200, (again.location, _flashes(client))


def test_it_keeps_what_was_typed_when_the_registration_form_is_incomplete(client):
    through_provider(client, START, "sub-nina")
    response = post_form(client, "/register/oidc", {"email": "nina@example.com", "language": "en"})
    page = parsed(response)
    assert response.status_code == 200
    assert page.select_one("input[name=email]")["value"] == "nina@example.com"
    assert "You must agree to the terms" in page.get_text()


def test_it_links_a_provider_after_the_password_again(app, client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    with app.app_context():
        db.session.execute(db.text("UPDATE user_session SET reauthenticated_at = NULL"))
        db.session.commit()
    detour = client.get("/account/oidc?provider=test").location
    assert "/account/confirm" in detour
    post_form(client, "/account/confirm",
              {"password": PERSONA_PASSWORD, "next": "/account/oidc?provider=test"},
              token_from=detour)
    start = post_form(client, "/account/oidc?provider=test", {})
    response = through_provider(client, start, "sub-alice")
    assert response.location.endswith("/account")
    links = parsed(client.get("/account")).select("#oidc-links li")
    assert [li.get_text(" ", strip=True).split(",")[0] for li in links] == ["TestID"]
    with app.app_context():
        link = db.session.execute(db.select(OidcLink)).scalar_one()
        assert (link.user_id, link.subject, link.national_id) == (
            personas.alice.id, "sub-alice", "0104901234")


def test_it_refuses_a_cancelled_login_with_a_message_and_an_audit_row(app, client):
    response = through_provider(client, START, "sub-nina", cancel=True)
    assert response.location.endswith("/login")
    assert "You cancelled the sign-in with TestID" in _flashes(client)
    assert [r.resource_id for r in _login_rows(app, "denied")] == ["test"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar() == 0


def test_it_refuses_a_callback_whose_state_is_wrong(app, client):
    client.get(START)
    response = client.get("/login/oidc/test/callback?code=abc&state=not-the-one")
    assert response.location.endswith("/login")
    assert "not started here" in _flashes(client)
    assert len(_login_rows(app, "denied")) == 1


def test_it_refuses_a_provider_error(app, client):
    client.get(START)
    with client.session_transaction() as cookie:
        state = cookie["oidc"]["state"]
    client.get(f"/login/oidc/test/callback?error=server_error&state={state}")
    assert "TestID could not sign you in" in _flashes(client)


def test_it_refuses_to_register_without_a_birth_date(app, client):
    response = through_provider(client, START, "sub-nobirth")
    assert response.location.endswith("/login")
    assert "did not tell us your name and date of birth" in _flashes(client)
    assert len(_login_rows(app, "denied")) == 1


def test_it_sends_staff_on_to_the_code_when_the_provider_gives_no_acr(app, client, personas):
    _link(app, personas.theo.id, "sub-theo")
    response = through_provider(client, START, "sub-theo")
    assert response.location.endswith("/login/two-step")
    assert client.get("/caseload").status_code != 200
    assert [r.actor_id for r in _login_rows(app, "allowed")] == [personas.theo.id]


def test_it_refuses_a_staff_password_login_when_a_provider_is_required(app, client, personas):
    app.config["OIDC_STAFF_REQUIRED"] = True
    _link(app, personas.theo.id, "sub-theo")
    response = post_form(client, "/login", {"email": personas.theo.email,
                                            "password": PERSONA_PASSWORD})
    assert response.status_code == 200
    assert "Staff sign in with TestID" in parsed(response).get_text()


def test_it_refuses_to_link_a_login_that_belongs_to_another_account(app, client, personas):
    _link(app, personas.bob.id, "sub-alice")
    login(client, personas.alice, PERSONA_PASSWORD)
    start = post_form(client, "/account/oidc?provider=test", {})
    response = through_provider(client, start, "sub-alice")
    assert response.location.endswith("/account")
    assert "already linked to another Stepcare account" in parsed(
        client.get("/account")).get_text()
    assert len(_login_rows(app, "denied")) == 1
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(OidcLink.id))).scalar() == 1
