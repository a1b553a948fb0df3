"""Issue 13, bad input and leaks: 500 errors (12 a, b, d, f, g) and names in flashes (17)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.db import db
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from tests.helpers import csrf_token, post_form, sign_in, totp_code
from tests.screening.test_weekly import put_in_step, weekly_form, weekly_responses

ROOT = Path(__file__).resolve().parent.parent
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

NEW_PATIENT = {"name": "Nora Nielsen", "email": "nora@example.com",
               "password": "a quiet morning by the harbour", "date_of_birth": "1991-02-03",
               "language": "en", "consent": "y"}


def _users(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()


# --- 12 (a): dates of birth ----------------------------------------------------------------


@pytest.mark.parametrize("born", ["0000-01-01", "10000-01-01", "0001-01-01", "1991-02-30",
                                  "١٩٩١-٠٢-٠٣", "1991-02-03\x01", "", "   "])
def test_it_finding_12a_answers_odd_dates_of_birth_with_a_message(app, client, born):
    response = post_form(client, "/register", {**NEW_PATIENT, "date_of_birth": born})
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one("#date_of_birth-error, .field-error, [role=alert]") is not None
    assert page.select_one("#name")["value"] == "Nora Nielsen"
    assert _users(app) == 0


def test_it_finding_12a_answers_a_date_of_birth_sent_twice(app, client):
    data = MultiDict({**NEW_PATIENT, "csrf_token": csrf_token(client, "/register")})
    data.add("date_of_birth", "1800-01-01")
    response = client.post("/register", data=data)
    assert response.status_code in (200, 302)


def test_it_finding_12f_refuses_a_nul_in_the_registration_name(app, client):
    response = post_form(client, "/register", {**NEW_PATIENT, "name": "Nora\x00Nielsen"})
    assert response.status_code == 400
    assert "NUL character" in BeautifulSoup(response.data, "html.parser").get_text()
    assert _users(app) == 0


# --- 12 (b): codes typed in other digits ---------------------------------------------------


def _password_step(client, user):
    return post_form(client, "/login", {"email": user.email, "password": PERSONA_PASSWORD})


def test_it_finding_12b_accepts_a_code_in_arabic_indic_digits(client, personas):
    _password_step(client, personas.theo)
    code = totp_code(PERSONA_TOTP_SECRET).translate(ARABIC_INDIC)
    response = post_form(client, "/login/two-step", {"code": code})
    assert response.status_code == 302 and response.location.endswith("/caseload")


def test_it_finding_12b_refuses_a_wrong_code_in_other_digits_with_a_message(client, personas):
    _password_step(client, personas.theo)
    response = post_form(client, "/login/two-step", {"code": "١٢٣٤٥٦"})
    assert response.status_code == 200
    assert "That code is not valid" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６", "¹²³⁴⁵⁶", "12345\u0663"])
def test_it_finding_12b_answers_odd_digits_at_reauthentication(app, client, personas, code):
    sign_in(app, client, personas.theo)
    response = post_form(client, "/account/confirm",
                         {"password": PERSONA_PASSWORD, "code": code})
    assert response.status_code == 200
    assert "That code is not valid" in response.get_data(as_text=True)


# --- 12 (d): ids beyond the database's integers ----------------------------------------------


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64 + 1, 10**40])
def test_it_finding_12d_answers_404_for_ids_the_database_cannot_hold(app, client, personas, big):
    sign_in(app, client, personas.theo)
    assert client.get(f"/patients/{big}").status_code == 404
    token = csrf_token(client, "/account")
    assert client.post(f"/patients/{big}/notes", data={"csrf_token": token}).status_code == 404


# --- 12 (f): NUL bytes -----------------------------------------------------------------------


def test_it_finding_12f_refuses_a_nul_in_the_login_email(client, personas):
    response = post_form(client, "/login", {"email": "alice\x00@example.com",
                                            "password": PERSONA_PASSWORD})
    assert response.status_code == 400


def test_it_finding_12f_refuses_a_nul_in_a_message_and_stores_nothing(app, client, personas):
    from app.messaging.models import Message

    sign_in(app, client, personas.alice)
    response = post_form(client, "/messages", {"body": "Hello\x00there"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(Message)).first() is None


def test_it_finding_12f_refuses_a_nul_in_a_json_body(app, client, personas):
    sign_in(app, client, personas.alice)
    token = csrf_token(client, "/account")
    response = client.post("/video/test/echo", data='{"type": "offer", "sdp": "v=0\\u0000"}',
                           content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400 and "NUL" in response.get_json()["message"]


# --- 12 (e): JSON nested thousands deep (found by tests/test_fuzz_routes.py) ---------------


@pytest.mark.parametrize("body", ['{"a":' * 5000 + "1" + "}" * 5000, "[" * 5000 + "]" * 5000],
                         ids=["objects", "arrays"])
def test_it_finding_12e_answers_400_for_json_nested_5000_deep(app, client, personas, body):
    sign_in(app, client, personas.alice)
    token = csrf_token(client, "/account")
    response = client.post("/video/test/echo", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400


# --- 12 (g): an oversized form token --------------------------------------------------------


def test_it_finding_12g_refuses_a_200_character_weekly_token(app, client, personas):
    put_in_step(app, personas.alice.id, 2)
    sign_in(app, client, personas.alice)
    response = post_form(client, "/measures/weekly", weekly_form(token="x" * 200))
    assert response.status_code == 400
    assert weekly_responses(app) == []


# --- 17: no personal data in flash messages --------------------------------------------------


def _session_payload(app, client) -> str:
    cookie = client.get_cookie("stepcare")
    serializer = app.session_interface.get_signing_serializer(app)
    return repr(serializer.loads(cookie.value)) if cookie else ""


def test_it_finding_17_keeps_the_patients_name_out_of_the_session_cookie(
    app, client, personas
):
    sign_in(app, client, personas.theo)
    response = post_form(client, f"/patients/{personas.alice.id}/messages",
                         {"body": "How did the week go?"})
    assert response.status_code == 302
    payload = _session_payload(app, client)
    assert "_flashes" in payload
    assert "Alice" not in payload and "Andersen" not in payload


def _flash_calls() -> list[tuple[str, int, str]]:
    """Every flash() in the code whose message is built from something other than literals."""
    found = []
    for package in ("app", "screening", "programmes", "video", "safety", "reporting",
                    "interop", "textmodel"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "flash"
                        and node.args):
                    found += [(str(path.relative_to(ROOT)), node.lineno, ast.unparse(kw.value))
                              for call in ast.walk(node.args[0]) if isinstance(call, ast.Call)
                              for kw in call.keywords]
    return found


# Values that a flash may carry: counts, step numbers, the text model's timings and errors
# (in the reader's language: textmodel.reasons.describe).
# Also the names of things the clinic configured, never of people: a login provider, a
# record system (and its client id), a receiver of referral messages, a VR scene of the
# programmes' content and its level number.
FLASH_VALUES_WITHOUT_PERSONAL_DATA = {"vr.scene_name(form.scene.data)", "vr.scene_name(scene)",
                                      "form.start_level.data", "left", "step", "str(exc)",
                                      "describe(str(exc))",
                                      "seconds", "vectors.shape[1]", "embed_ms",
                                      "provider.label", "client.name", "client.client_id",
                                      "receiver.name"}


def test_it_finding_17_flashes_no_value_that_could_be_personal():
    personal = [call for call in _flash_calls()
                if call[2] not in FLASH_VALUES_WITHOUT_PERSONAL_DATA]
    assert personal == [], "flash messages travel in the readable session cookie"
