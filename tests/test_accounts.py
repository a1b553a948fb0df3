from datetime import date, timedelta

import time_machine
from argon2 import PasswordHasher

from app.accounts.models import Consent, Role, User, UserSession
from app.db import db
from tests.conftest import PERSONA_PASSWORD
from tests.helpers import login, parsed, post_form, sign_in

VALID_REGISTRATION = {
    "name": "Nora Nielsen",
    "email": "nora@example.com",
    "password": "a quiet morning by the harbour",
    "date_of_birth": "1991-02-03",
    "language": "en",
    "consent": "y",
    "phone": "20 11 22 33",
}


def register(client, **overrides):
    return post_form(client, "/register", {**VALID_REGISTRATION, **overrides})


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def session_cookie(client) -> str:
    cookie = client.get_cookie("stepcare")
    return cookie.value if cookie else ""


# --- registration ---------------------------------------------------------------------------


def test_it_registers_a_patient_who_then_signs_in(app, client):
    response = register(client)
    assert response.status_code == 302 and "/login" in response.location
    signed_in = post_form(client, response.location, VALID_REGISTRATION, token_from="/login")
    assert signed_in.status_code == 302 and signed_in.location.endswith("/screening")
    assert client.get("/home").status_code == 200
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.role == Role.PATIENT
        assert user.date_of_birth == date(1991, 2, 3)
        assert user.password_hash.startswith("$argon2id$")


def test_it_records_the_versioned_consent_at_registration(app, client):
    register(client)
    with app.app_context():
        consent = db.session.execute(db.select(Consent)).scalar_one()
        assert consent.terms_version == app.config["TERMS_VERSION"]
        assert consent.language == "en"
        assert len(consent.terms_text_sha256) == 64


def test_it_shows_the_terms_on_the_registration_page(client):
    page = client.get("/register").get_data(as_text=True)
    assert "Treatment terms" in page and "not an emergency service" in page


def test_it_refuses_registration_without_consent_and_keeps_the_typed_values(app, client):
    response = register(client, consent="")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You must agree to the terms to register." in page
    form = parsed(page)
    assert form.find("input", attrs={"value": "Nora Nielsen"})
    assert form.find("input", attrs={"value": "nora@example.com"})
    assert "a quiet morning by the harbour" not in page  # passwords are never echoed
    assert count(app, User) == 0


def test_it_creates_no_second_account_for_a_taken_email(app, client, personas):
    register(client, email=personas.alice.email.upper())
    assert count(app, User) == 5


def test_it_refuses_a_common_password_at_registration(app, client):
    response = register(client, password="password123")
    assert "too common" in response.get_data(as_text=True)
    assert count(app, User) == 0


def test_it_refuses_children(app, client):
    born = date.today().replace(year=date.today().year - 17).isoformat()
    response = register(client, date_of_birth=born)
    assert "for adults" in response.get_data(as_text=True)
    assert count(app, User) == 0


def test_it_explains_an_impossible_date_of_birth(app, client):
    response = register(client, date_of_birth="2999-01-01")
    assert "does not look right" in response.get_data(as_text=True)


def test_it_ignores_extra_fields_such_as_role(app, client):
    register(client, role="admin", therapist_id="1", risk_flag="1")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.role == Role.PATIENT
        assert user.disabled_at is None


# --- login, rotation, logout -----------------------------------------------------------------


def test_it_signs_a_patient_in_with_the_right_password(client, personas):
    response = login(client, personas.alice, PERSONA_PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/home")


def test_it_refuses_a_wrong_password_with_one_message_for_all_cases(client, personas):
    wrong = login(client, personas.alice, "not the password")
    unknown = post_form(client, "/login", {"email": "nobody@example.com", "password": "x" * 10})
    message = "That email and password do not match an active account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_it_keeps_the_typed_email_after_a_failed_login(client, personas):
    page = login(client, personas.alice, "not the password").get_data(as_text=True)
    assert parsed(page).find("input", attrs={"value": personas.alice.email})


def test_it_rotates_the_session_at_login(app, client, personas):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = session_cookie(client)
    login(client, personas.alice, PERSONA_PASSWORD)
    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
    assert count(app, UserSession) == 1


def test_it_sends_a_replayed_cookie_back_to_login_after_logout(client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    stolen = session_cookie(client)
    response = post_form(client, "/logout", token_from="/home")
    assert response.status_code == 302
    assert "Clear-Site-Data" in response.headers
    client.set_cookie("stepcare", stolen)
    replay = client.get("/home")
    assert replay.status_code == 302 and "/login" in replay.location


def test_it_ends_the_server_session_at_logout(app, client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    post_form(client, "/logout", token_from="/home")
    with app.app_context():
        record = db.session.execute(db.select(UserSession)).scalar_one()
        assert record.ended_at is not None and record.end_reason == "logout"


def test_it_signs_out_after_31_idle_minutes_and_says_why(client, personas):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        login(client, personas.alice, PERSONA_PASSWORD)
        assert client.get("/home").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/home")
        assert response.status_code == 302 and "/login" in response.location
        page = client.get(response.location).get_data(as_text=True)
        assert "signed out because you were away" in page


def test_it_keeps_an_active_user_signed_in_within_the_idle_limit(client, personas):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        login(client, personas.alice, PERSONA_PASSWORD)
        for _ in range(4):
            clock.shift(timedelta(minutes=20))
            assert client.get("/home").status_code == 200


def test_it_ends_sessions_after_the_absolute_limit_even_when_active(client, personas):
    with time_machine.travel("2026-11-23 06:00:00+00:00", tick=False) as clock:
        login(client, personas.alice, PERSONA_PASSWORD)
        for _ in range(12 * 3):
            clock.shift(timedelta(minutes=20))
            client.get("/home")
        clock.shift(timedelta(minutes=20))
        assert client.get("/home").status_code == 302


def test_it_honours_a_configured_idle_timeout(app, client, personas):
    app.config["IDLE_TIMEOUT_MINUTES"] = 5
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        login(client, personas.alice, PERSONA_PASSWORD)
        clock.shift(timedelta(minutes=6))
        assert client.get("/home").status_code == 302


def test_it_rehashes_a_password_when_the_argon2_parameters_change(app, client, personas):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with app.app_context():
        user = db.session.get(User, personas.alice.id)
        user.password_hash = weak.hash(PERSONA_PASSWORD)
        db.session.commit()
    login(client, personas.alice, PERSONA_PASSWORD)
    with app.app_context():
        stored = db.session.get(User, personas.alice.id).password_hash
        assert "m=65536,t=3,p=4" in stored


# --- throttling ---------------------------------------------------------------------------


def test_it_answers_the_21st_failed_attempt_with_429(client, personas):
    for _ in range(20):
        assert login(client, personas.alice, "wrong guess").status_code == 200
    assert login(client, personas.alice, "wrong guess").status_code == 429


def test_it_does_not_throttle_other_users_when_one_account_is_attacked(app, client, personas):
    for _ in range(21):
        login(client, personas.alice, "wrong guess")
    bystander = app.test_client()
    assert login(bystander, personas.bob, PERSONA_PASSWORD).status_code == 302


def test_it_does_not_count_successful_logins_towards_the_limit(app, personas):
    for _ in range(22):
        fresh = app.test_client()
        assert login(fresh, personas.alice, PERSONA_PASSWORD).status_code == 302


# --- disabling, re-authentication ----------------------------------------------------------


def test_it_ends_every_session_when_an_account_is_disabled(app, client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    admin = app.test_client()
    sign_in(app, admin, personas.ada)
    response = post_form(admin, f"/admin/users/{personas.alice.id}/disable",
                         token_from="/admin/patients")
    assert response.status_code == 302
    assert client.get("/home").status_code == 302
    assert login(app.test_client(), personas.alice, PERSONA_PASSWORD).status_code == 200


def test_it_asks_for_the_password_again_before_a_password_change(app, client, personas):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        login(client, personas.alice, PERSONA_PASSWORD)
        clock.shift(timedelta(minutes=10))
        response = client.get("/account/password")
        assert response.status_code == 302 and "/account/confirm" in response.location
        confirm = post_form(client, "/account/confirm",
                            {"password": PERSONA_PASSWORD, "next": "/account/password"},
                            token_from="/account/confirm")
        assert confirm.location.endswith("/account/password")
        changed = post_form(client, "/account/password", {"password": "new and much longer words"})
        assert changed.status_code == 302
    fresh = app.test_client()
    assert login(fresh, personas.alice, "new and much longer words").status_code == 302


def test_it_signs_out_other_devices_when_the_password_changes(app, client, personas):
    other_device = app.test_client()
    login(other_device, personas.alice, PERSONA_PASSWORD)
    login(client, personas.alice, PERSONA_PASSWORD)
    post_form(client, "/account/password", {"password": "new and much longer words"})
    assert client.get("/home").status_code == 200
    assert other_device.get("/home").status_code == 302


def test_it_refuses_a_wrong_password_at_reauthentication(client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    response = post_form(client, "/account/confirm", {"password": "nope", "next": "/account"})
    assert "That password is not right." in response.get_data(as_text=True)


def test_it_saves_the_profile_language_and_name(app, client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    post_form(client, "/account", {"name": "Alice A.", "language": "da"})
    with app.app_context():
        user = db.session.get(User, personas.alice.id)
        assert (user.name, user.language) == ("Alice A.", "da")


def test_it_redirects_only_to_same_site_paths_after_login(client, personas):
    response = post_form(client, "/login?next=https://evil.example/",
                         {"email": personas.alice.email, "password": PERSONA_PASSWORD})
    assert response.location.endswith("/home")
