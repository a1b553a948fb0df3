"""Forgotten passwords and email verification: links by real SMTP on loopback (issue 14)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

from app.accounts.models import AccountToken, User, UserSession
from app.audit.models import AuditEvent
from app.db import db, utcnow
from app.reminders import mail
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET, Inbox, free_port
from tests.helpers import login, post_form, sign_in
from tests.test_accounts import VALID_REGISTRATION, register
from tests.test_reminders import give_feedback

NEW_PASSWORD = "a lighthouse keeper in winter"
LINK_RE = {"reset": re.compile(r"https?://\S+(/password/reset/\S+)"),
           "verify": re.compile(r"https?://\S+(/email/verify/\S+)")}


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def _wait_for(inbox, count: int = 1, seconds: float = 5.0) -> None:
    """The reset email leaves from a thread after the request: wait for it."""
    deadline = time.monotonic() + seconds
    while len(inbox) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def _link(inbox, kind: str, index: int = -1) -> str:
    _wait_for(inbox, 1)
    match = LINK_RE[kind].search(_body(inbox[index]))
    assert match, f"no {kind} link in {_body(inbox[index])!r}"
    return match.group(1)


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _heading(response) -> str:
    return _soup(response).find("h1").get_text(strip=True)


def _ask_for_reset(client, email: str):
    return post_form(client, "/password/forgot", {"email": email})


def _reset(client, path: str, password: str = NEW_PASSWORD):
    opened = client.get(path)
    assert opened.status_code == 302 and opened.location.endswith("/password/reset")
    return post_form(client, "/password/reset", {"password": password})


# --- password reset ----------------------------------------------------------------------------


def test_it_links_the_login_page_to_the_forgotten_password_form(client):
    link = _soup(client.get("/login")).find("a", string="Forgot your password?")
    assert link is not None and link["href"] == "/password/forgot"


def test_it_resets_a_password_through_the_emailed_link(app, client, personas, inbox):
    answer = _ask_for_reset(client, personas.alice.email)
    assert answer.status_code == 200 and _heading(answer) == "Check your email"
    path = _link(inbox, "reset")
    assert [m["To"] for m in inbox] == [personas.alice.email]
    done = _reset(client, path)
    assert done.status_code == 302 and done.location.endswith("/login")
    assert login(client, personas.alice, PERSONA_PASSWORD).status_code == 200  # refused
    assert login(client, personas.alice, NEW_PASSWORD).status_code == 302


def test_it_stores_only_a_hash_of_the_token(app, client, personas, inbox):
    _ask_for_reset(client, personas.alice.email)
    token = _link(inbox, "reset").rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.execute(db.select(AccountToken.token_hash)).scalars().all()
    assert len(stored) == 1 and token not in stored[0]


def test_it_gives_the_same_answer_for_an_unknown_email(app, personas, inbox):
    known = _ask_for_reset(app.test_client(), personas.alice.email)
    unknown = _ask_for_reset(app.test_client(), "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    main = [_soup(r).find("main").get_text(" ", strip=True) for r in (known, unknown)]
    assert main[0] == main[1]
    _wait_for(inbox, 1)
    assert [m["To"] for m in inbox] == [personas.alice.email]


class SlowInbox(Inbox):
    """A mail server that takes its time, as real ones may: the answer must not wait."""

    def handle_message(self, message):
        time.sleep(SLOW_SMTP_SECONDS)
        super().handle_message(message)


SLOW_SMTP_SECONDS = 0.5


@pytest.fixture
def slow_inbox(app):
    handler = SlowInbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      MAIL_SUPPRESS_SEND=False, TESTING=False)
    mail.init_app(app)
    yield handler.messages
    controller.stop()


def _answer_seconds(app, email: str) -> float:
    client = app.test_client()
    client.get("/password/forgot")
    started = time.perf_counter()
    _ask_for_reset(client, email)
    return time.perf_counter() - started


def test_it_takes_about_as_long_for_an_unknown_email(app, personas, slow_inbox):
    # post_form fetches the form first; time the POST alone, a few times each.
    known = min(_answer_seconds(app, personas.bob.email) for _ in range(3))
    unknown = min(_answer_seconds(app, "nobody@example.com") for _ in range(3))
    assert abs(known - unknown) < SLOW_SMTP_SECONDS / 2, (known, unknown)
    _wait_for(slow_inbox, 1)
    assert slow_inbox and slow_inbox[0]["To"] == personas.bob.email


def test_it_lets_a_link_work_only_once(app, client, personas, inbox):
    _ask_for_reset(client, personas.alice.email)
    path = _link(inbox, "reset")
    _reset(client, path)
    again = client.get(client.get(path).location)
    assert again.status_code == 200 and _heading(again) == "This link does not work"
    assert "already been used" in _soup(again).find(role="alert").get_text()
    assert _soup(again).find("a", href="/password/forgot") is not None


def test_it_refuses_an_expired_link(app, client, personas, inbox):
    _ask_for_reset(client, personas.alice.email)
    path = _link(inbox, "reset")
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        client.get(path)
        page = post_form(client, "/password/reset", {"password": NEW_PASSWORD},
                         token_from="/login")
    assert page.status_code == 200 and "expired" in _soup(page).find(role="alert").get_text()
    assert login(client, personas.alice, PERSONA_PASSWORD).status_code == 302


def test_it_refuses_an_altered_link_cleanly(client, personas):
    client.get("/password/reset/" + "x" * 43)
    page = client.get("/password/reset")
    assert page.status_code == 200 and "not valid" in _soup(page).find(role="alert").get_text()


def test_it_keeps_the_link_working_after_a_refused_password(app, client, personas, inbox):
    _ask_for_reset(client, personas.alice.email)
    refused = _reset(client, _link(inbox, "reset"), password="password123")
    assert refused.status_code == 200 and _heading(refused) == "Choose a new password"
    assert "too common" in _soup(refused).find("main").get_text()
    assert "password123" not in refused.get_data(as_text=True)  # never echoed
    accepted = post_form(client, "/password/reset", {"password": NEW_PASSWORD})
    assert accepted.status_code == 302


def test_it_ends_every_session_of_the_user(app, client, personas, inbox):
    elsewhere = app.test_client()
    sign_in(app, elsewhere, personas.alice)
    assert elsewhere.get("/home").status_code == 200
    _ask_for_reset(client, personas.alice.email)
    _reset(client, _link(inbox, "reset"))
    after = elsewhere.get("/home")
    assert after.status_code == 302 and "/login" in after.location
    with app.app_context():
        reasons = db.session.execute(db.select(UserSession.end_reason).where(
            UserSession.user_id == personas.alice.id)).scalars().all()
    assert reasons == ["password_reset"]


def test_it_still_asks_staff_for_their_second_factor(app, client, personas, inbox):
    _ask_for_reset(client, personas.theo.email)
    done = _reset(client, _link(inbox, "reset"))
    assert "/login" in done.location
    assert "/login" in client.get("/caseload").location  # the reset signed nobody in
    response = login(client, personas.theo, NEW_PASSWORD)
    assert "/login/two-step" in response.location
    assert "/login" in client.get("/caseload").location
    finished = login(client, personas.theo, NEW_PASSWORD, totp_secret=PERSONA_TOTP_SECRET)
    assert finished.status_code == 302 and "/login" not in finished.location


def test_it_throttles_requests_for_one_account(app, personas):
    client = app.test_client()
    answers = [_ask_for_reset(client, personas.alice.email).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    assert _ask_for_reset(client, personas.bob.email).status_code == 200


def test_it_throttles_requests_from_one_address(app, personas):
    client = app.test_client()
    answers = [_ask_for_reset(client, f"someone{i}@example.com").status_code
               for i in range(21)]
    assert answers == [200] * 20 + [429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert _ask_for_reset(other, "someone@example.com").status_code == 200


def test_it_audits_the_request_and_the_use(app, client, personas, inbox):
    _ask_for_reset(client, personas.alice.email)
    _reset(client, _link(inbox, "reset"))
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.action, AuditEvent.resource_type)
                                  .where(AuditEvent.patient_id == personas.alice.id,
                                         AuditEvent.resource_type == "reset_link")
                                  .order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [("C", "reset_link"), ("U", "reset_link")]


# --- email verification ------------------------------------------------------------------------


def _new_patient(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).where(
            User.email == VALID_REGISTRATION["email"])).scalar_one()


def test_it_verifies_a_new_patients_email_by_the_welcome_link(app, client, inbox):
    register(client)
    path = _link(inbox, "verify")
    post_form(client, "/login", {"email": VALID_REGISTRATION["email"],
                                 "password": VALID_REGISTRATION["password"]})
    assert _soup(client.get("/home")).find(id="verify-email") is not None
    confirm = client.get(client.get(path).location)
    assert confirm.status_code == 200 and confirm.location is None
    with app.app_context():  # opening the page changed nothing
        assert db.session.get(User, _new_patient(app)).email_verified_at is None
    done = post_form(client, "/email/verify")
    assert done.status_code == 302
    assert _soup(client.get("/home")).find(id="verify-email") is None
    with app.app_context():
        assert db.session.get(User, _new_patient(app)).email_verified_at is not None


def test_it_lets_a_verification_link_work_only_once(app, client, inbox):
    register(client)
    path = _link(inbox, "verify")
    client.get(path)
    post_form(client, "/email/verify")
    client.get(path)
    again = client.get("/email/verify")
    assert "already been used" in _soup(again).find(role="alert").get_text()


def _unverify(app, user_id: int) -> None:
    with app.app_context():
        db.session.get(User, user_id).email_verified_at = None
        db.session.commit()


def test_it_sends_no_reminder_to_an_unverified_address(app, runner, screened, inbox):
    _unverify(app, screened.alice.id)
    give_feedback(app, screened)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert inbox == []


def test_it_sends_a_new_verification_link_on_request(app, client, personas, inbox):
    _unverify(app, personas.alice.id)
    sign_in(app, client, personas.alice)
    home = _soup(client.get("/home"))
    button = home.find(id="verify-email").find("button")
    assert button.get_text(strip=True) == "Send it again"
    sent = post_form(client, "/email/verify/resend", token_from="/home")
    assert sent.status_code == 302
    client.get(_link(inbox, "verify"))
    assert post_form(client, "/email/verify").status_code == 302
    with app.app_context():
        assert db.session.get(User, personas.alice.id).email_verified_at is not None


def test_it_throttles_sending_the_link_again(app, client, personas, inbox):
    _unverify(app, personas.alice.id)
    sign_in(app, client, personas.alice)
    answers = [post_form(client, "/email/verify/resend", token_from="/home").status_code
               for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert len(inbox) == 3


def test_it_counts_staff_made_by_an_admin_as_verified(app, client, personas):
    from app.accounts import operations
    from app.accounts.models import Role

    with app.test_request_context():
        user = operations.create_user(email="nina@example.com", password=NEW_PASSWORD,
                                      role=Role.THERAPIST, name="Nina Nygaard")
        assert user.email_verified


def test_it_keeps_the_token_out_of_the_address_bar(client, personas):
    opened = client.get("/email/verify/" + "y" * 43)
    assert urlsplit(opened.location).path == "/email/verify"
