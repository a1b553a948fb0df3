import re

import pyotp

from app.accounts.models import RecoveryCode, User
from app.db import db
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from tests.helpers import login, post_form, totp_code


def password_only(client, user):
    return post_form(client, "/login", {"email": user.email, "password": PERSONA_PASSWORD})


def test_it_sends_a_clinician_to_the_second_step_after_the_password(client, personas):
    response = password_only(client, personas.theo)
    assert response.status_code == 302 and response.location.endswith("/login/two-step")


def test_it_keeps_a_password_only_therapist_out_of_the_caseload(client, personas):
    password_only(client, personas.theo)
    response = client.get("/caseload")
    assert response.status_code == 302 and "/login" in response.location


def test_it_signs_a_therapist_in_with_a_valid_code(client, personas):
    response = login(client, personas.theo, PERSONA_PASSWORD, totp_secret=PERSONA_TOTP_SECRET)
    assert response.location.endswith("/caseload")
    assert client.get("/caseload").status_code == 200


def test_it_refuses_a_replayed_code(app, personas):
    first = app.test_client()
    password_only(first, personas.theo)
    code = totp_code(PERSONA_TOTP_SECRET)
    assert post_form(first, "/login/two-step", {"code": code}).status_code == 302
    second = app.test_client()
    password_only(second, personas.theo)
    replay = post_form(second, "/login/two-step", {"code": code})
    assert replay.status_code == 200
    assert "That code is not valid" in replay.get_data(as_text=True)


def test_it_refuses_a_wrong_code(client, personas):
    password_only(client, personas.theo)
    wrong = f"{(int(totp_code(PERSONA_TOTP_SECRET)) + 1) % 1_000_000:06d}"
    response = post_form(client, "/login/two-step", {"code": wrong})
    assert "That code is not valid" in response.get_data(as_text=True)


def test_it_enrols_a_new_clinician_by_qr_code_and_shows_recovery_codes(app, client, personas):
    with app.app_context():
        user = db.session.get(User, personas.una.id)
        user.totp_secret = None
        user.totp_confirmed_at = None
        db.session.commit()
    response = password_only(client, personas.una)
    assert response.location.endswith("/login/two-step/setup")
    page = client.get("/login/two-step/setup").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    done = post_form(client, "/login/two-step/setup", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/caseload").status_code == 200
    with app.app_context():
        assert db.session.get(User, personas.una.id).mfa_enrolled


def test_it_does_not_change_state_on_the_setup_page_get(app, client, personas):
    with app.app_context():
        user = db.session.get(User, personas.una.id)
        user.totp_secret = None
        user.totp_confirmed_at = None
        db.session.commit()
    password_only(client, personas.una)
    first = client.get("/login/two-step/setup").get_data(as_text=True)
    second = client.get("/login/two-step/setup").get_data(as_text=True)
    secret = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')
    assert secret.search(first).group(1) == secret.search(second).group(1)


def test_it_accepts_a_recovery_code_once(app, personas):
    with app.app_context():
        from app.accounts import operations

        user = db.session.get(User, personas.theo.id)
        codes = operations.replace_recovery_codes(user)
        db.session.commit()
    first = app.test_client()
    password_only(first, personas.theo)
    used = post_form(first, "/login/recovery", {"recovery_code": codes[0].upper()})
    assert used.status_code == 302
    second = app.test_client()
    password_only(second, personas.theo)
    again = post_form(second, "/login/recovery", {"recovery_code": codes[0]})
    assert "not valid or was already used" in again.get_data(as_text=True)
    with app.app_context():
        unused = db.session.execute(
            db.select(db.func.count()).where(RecoveryCode.used_at.is_(None))
        ).scalar_one()
        assert unused == 9


def test_it_forgets_a_pending_second_step_after_ten_minutes(client, personas):
    import time_machine

    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        password_only(client, personas.theo)
        clock.shift(600 + 1)
        response = client.get("/login/two-step")
        assert response.status_code == 302 and response.location.endswith("/login")


def test_it_asks_clinicians_for_a_code_when_reauthenticating(client, personas):
    login(client, personas.theo, PERSONA_PASSWORD, totp_secret=PERSONA_TOTP_SECRET)
    response = post_form(client, "/account/confirm",
                         {"password": PERSONA_PASSWORD, "code": "", "next": "/account"})
    assert "That code is not valid" in response.get_data(as_text=True)
    ok = post_form(client, "/account/confirm", {"password": PERSONA_PASSWORD,
                   "code": totp_code(PERSONA_TOTP_SECRET, 1), "next": "/account"})
    assert ok.status_code == 302
