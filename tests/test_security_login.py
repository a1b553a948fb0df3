"""Issue 13, sign-in findings: open redirect (1), proxies (2), per-account limits (3),
re-authentication throttling (14) and registration that tells strangers nothing (15)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.accounts.models import User
from app.accounts.views import safe_next
from app.db import db
from tests.conftest import PERSONA_PASSWORD, close, make_app
from tests.helpers import post_form, sign_in

ATTACKER, OWNER_ELSEWHERE, OTHER = "203.0.113.5", "198.51.100.7", "192.0.2.44"


def _from(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def _login_from(client, email: str, password: str, ip: str, **extra):
    return post_form(client, "/login", {"email": email, "password": password}, **_from(ip),
                     **extra)


# --- 1: open redirect ------------------------------------------------------------------------

EVIL_TARGETS = ["/\t/evil.com", "/\n/evil.com", "/\r\nSet-Cookie: x=1", "//evil.com",
                "/\\evil.com", "https://evil.com/", "/ /evil.com", "/\x00/evil.com",
                "/\u3000/evil.com", "javascript:alert(1)"]


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_it_finding_1_refuses_every_target_that_a_browser_reads_as_another_site(target):
    assert safe_next(target) is None


def test_it_finding_1_keeps_ordinary_same_site_paths():
    assert safe_next("/programmes/depression?tab=2#top") == "/programmes/depression?tab=2#top"


def test_it_finding_1_does_not_redirect_off_site_after_login(client, personas):
    response = post_form(client, "/login?next=/%09/evil.com",
                         {"email": personas.alice.email, "password": PERSONA_PASSWORD})
    assert response.status_code == 302 and response.location == "/home"


def test_it_finding_1_does_not_redirect_off_site_after_switching_language(client):
    response = post_form(client, "/language", {"lang": "da", "next": "/\t/evil.com"},
                         token_from="/login")
    assert response.location == "/"


def test_it_finding_1_does_not_redirect_off_site_after_reauthentication(app, client, personas):
    sign_in(app, client, personas.alice)
    response = post_form(client, "/account/confirm",
                         {"password": PERSONA_PASSWORD, "next": "/\t/evil.com"})
    assert response.status_code == 302 and response.location == "/account"


def test_it_finding_12c_answers_cr_lf_in_next_without_an_error(client, personas):
    response = post_form(client, "/login?next=/%0d%0aSet-Cookie:%20x=1",
                         {"email": personas.alice.email, "password": PERSONA_PASSWORD})
    assert response.status_code == 302 and response.location == "/home"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


# --- 2: behind a proxy -----------------------------------------------------------------------


@pytest.fixture
def proxied_app(migrated_database, tmp_path, monkeypatch):
    monkeypatch.setenv("STEPCARE_TRUSTED_PROXIES", "1")
    app = make_app(migrated_database, tmp_path)
    app.config["LOGIN_LIMIT_PER_IP"] = "5 per 15 minutes"
    yield app
    close(app)


def _via_proxy(client, email: str, password: str, client_ip: str):
    return post_form(client, "/login", {"email": email, "password": password},
                     headers={"X-Forwarded-For": client_ip})


def test_it_finding_2_limits_each_client_behind_a_trusted_proxy_separately(
    proxied_app, persona_password_hash
):
    from tests.conftest import make_user

    with proxied_app.app_context():
        from app.accounts.models import Role

        make_user("Alice Andersen", Role.PATIENT, persona_password_hash)
        db.session.commit()
    attacker = proxied_app.test_client()
    for n in range(5):
        _via_proxy(attacker, f"nobody{n}@example.com", "wrong guess", ATTACKER)
    assert _via_proxy(attacker, "nobody9@example.com", "wrong guess", ATTACKER).status_code == 429
    user = proxied_app.test_client()
    response = _via_proxy(user, "alice@example.com", PERSONA_PASSWORD, OWNER_ELSEWHERE)
    assert response.status_code == 302


def test_it_finding_2_records_the_clients_address_behind_a_trusted_proxy(
    proxied_app, persona_password_hash
):
    from app.accounts.models import Role, UserSession
    from tests.conftest import make_user

    with proxied_app.app_context():
        make_user("Alice Andersen", Role.PATIENT, persona_password_hash)
        db.session.commit()
    _via_proxy(proxied_app.test_client(), "alice@example.com", PERSONA_PASSWORD, OTHER)
    with proxied_app.app_context():
        assert db.session.execute(db.select(UserSession.ip)).scalar_one() == OTHER


def test_it_finding_2_ignores_forwarded_headers_when_no_proxy_is_trusted(app, client, personas):
    app.config["LOGIN_LIMIT_PER_IP"] = "5 per 15 minutes"
    for n in range(5):
        _via_proxy(client, f"nobody{n}@example.com", "wrong guess", f"10.0.0.{n}")
    assert _via_proxy(client, "nobody9@example.com", "wrong guess", "10.0.0.9").status_code == 429


# --- 3: per account, across addresses ------------------------------------------------------


@pytest.fixture
def slow_account_limit(app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL"] = "5 per 15 minutes"
    return app


def _spread_guesses(app, email: str, count: int = 5) -> None:
    for n in range(count):
        _login_from(app.test_client(), email, "wrong guess", f"10.1.0.{n}")


def test_it_finding_3_slows_guesses_at_one_account_from_many_addresses(
    slow_account_limit, personas
):
    _spread_guesses(slow_account_limit, personas.alice.email)
    response = _login_from(slow_account_limit.test_client(), personas.alice.email,
                           "wrong guess", "10.1.0.99")
    assert response.status_code == 429
    text = BeautifulSoup(response.data, "html.parser").get_text()
    assert "many failed sign-ins to this account" in text


def test_it_finding_3_lets_the_owner_sign_in_from_another_address_on_a_known_device(
    slow_account_limit, personas
):
    owner = slow_account_limit.test_client()
    assert _login_from(owner, personas.alice.email, PERSONA_PASSWORD, OTHER).status_code == 302
    owner.post("/logout", data={"csrf_token": _token(owner)})
    _spread_guesses(slow_account_limit, personas.alice.email)
    response = _login_from(owner, personas.alice.email, PERSONA_PASSWORD, OWNER_ELSEWHERE)
    assert response.status_code == 302 and response.location == "/home"


def _token(client) -> str:
    from tests.helpers import csrf_token

    return csrf_token(client, "/account")


def test_it_finding_3_leaves_other_accounts_alone_while_one_is_slowed(
    slow_account_limit, personas
):
    _spread_guesses(slow_account_limit, personas.alice.email)
    response = _login_from(slow_account_limit.test_client(), personas.bob.email,
                           PERSONA_PASSWORD, "10.1.0.99")
    assert response.status_code == 302


def test_it_finding_3_still_limits_one_address_across_accounts(app, client, personas):
    app.config["LOGIN_LIMIT_PER_IP"] = "5 per 15 minutes"
    for n in range(5):
        _login_from(client, f"nobody{n}@example.com", "wrong guess", ATTACKER)
    assert _login_from(client, personas.bob.email, "wrong", ATTACKER).status_code == 429
    fresh = app.test_client()
    assert _login_from(fresh, personas.bob.email, PERSONA_PASSWORD, OTHER).status_code == 302


# --- 14: re-authentication -----------------------------------------------------------------


def test_it_finding_14_throttles_wrong_passwords_at_reauthentication(app, client, personas):
    app.config["REAUTH_LIMIT"] = "3 per 15 minutes"
    sign_in(app, client, personas.alice)
    for _ in range(3):
        assert post_form(client, "/account/confirm", {"password": "guess"}).status_code == 200
    assert post_form(client, "/account/confirm", {"password": "guess"}).status_code == 429


# --- 15: registration ----------------------------------------------------------------------

NEW_PATIENT = {"name": "Nora Nielsen", "email": "nora@example.com",
               "password": "a quiet morning by the harbour", "date_of_birth": "1991-02-03",
               "language": "en", "consent": "y", "phone": "20 11 22 33"}


def _register(client, ip: str = OTHER, **overrides):
    return post_form(client, "/register", {**NEW_PATIENT, **overrides}, **_from(ip))


def test_it_finding_15_answers_a_taken_email_exactly_like_a_new_one(app, personas, inbox):
    new, taken = app.test_client(), app.test_client()
    first = _register(new)
    second = _register(taken, email=personas.alice.email)
    assert (first.status_code, first.location) == (second.status_code, second.location)
    assert _flashes(new) == _flashes(taken)
    text = BeautifulSoup(second.data, "html.parser").get_text()
    assert "already exists" not in text


def _flashes(client) -> list[str]:
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    return [flash.get_text(" ", strip=True) for flash in page.select("p.flash")]


def test_it_finding_15_emails_the_owner_of_a_taken_email(app, personas, inbox):
    _register(app.test_client(), email=personas.alice.email)
    assert [m["To"] for m in inbox] == [personas.alice.email]
    assert "already have an account" in inbox[0].get_payload()
    with app.app_context():
        from app.audit.models import AuditEvent

        rows = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.patient_id == personas.alice.id)).scalars().all()
        assert [(r.action, r.resource_type) for r in rows] == [("R", "account")]


def test_it_finding_15_welcomes_a_new_patient_by_email(app, inbox):
    _register(app.test_client())
    assert [m["To"] for m in inbox] == ["nora@example.com"]


def test_it_finding_15_limits_successful_registrations_per_address(app):
    app.config["REGISTER_LIMIT_PER_IP"] = "2 per hour"
    for n in range(2):
        assert _register(app.test_client(), email=f"n{n}@example.com").status_code == 302
    assert _register(app.test_client(), email="n3@example.com").status_code == 429
    elsewhere = _register(app.test_client(), ip=OWNER_ELSEWHERE, email="n4@example.com")
    assert elsewhere.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar() == 3


def test_it_finding_15_lets_the_new_patient_sign_in_straight_to_screening(app, client):
    response = _register(client)
    signed_in = post_form(client, response.location, NEW_PATIENT, token_from="/login")
    assert signed_in.status_code == 302 and signed_in.location.endswith("/screening")

