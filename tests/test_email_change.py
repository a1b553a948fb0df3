"""Changing the email address: re-authentication, a link to the new address, notices to the
old one, by real SMTP on loopback (issue 14)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email.header import decode_header, make_header

import time_machine

from app.accounts.models import AccountToken, User
from app.audit.models import AuditEvent
from app.db import db, utcnow
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from tests.helpers import login, parsed, post_form, sign_in, totp_code

NEW_EMAIL = "alice.new@example.org"
CHANGE_LINK_RE = re.compile(r"https?://\S+(/email/change/\S+)")


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def _wait_for(inbox, count: int, seconds: float = 5.0) -> None:
    """The emails leave from a thread after the request: wait for them."""
    deadline = time.monotonic() + seconds
    while len(inbox) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def _to(inbox, address: str) -> list:
    return [m for m in inbox if m["To"] == address]


def _change_link(message) -> str:
    match = CHANGE_LINK_RE.search(_body(message))
    assert match, f"no change link in {_body(message)!r}"
    return match.group(1)


def _ask(client, email: str = NEW_EMAIL):
    return post_form(client, "/account/email", {"email": email})


def _follow(client, path: str):
    opened = client.get(path)
    assert opened.status_code == 302 and opened.location.endswith("/email/change")
    return post_form(client, "/email/change")


def _email_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def _alert(page) -> str:
    return parsed(page).find(role="alert").get_text()


def test_it_asks_for_the_password_again_before_a_change(app, client, personas):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        login(client, personas.alice, PERSONA_PASSWORD)
        clock.shift(timedelta(minutes=10))
        detour = client.get("/account/email")
        assert detour.status_code == 302 and "/account/confirm" in detour.location
        posted = post_form(client, "/account/email", {"email": NEW_EMAIL},
                           token_from="/account")
        assert posted.status_code == 302 and "/account/confirm" in posted.location
        confirm = post_form(client, "/account/confirm",
                            {"password": PERSONA_PASSWORD, "next": "/account/email"})
        assert confirm.location.endswith("/account/email")
        assert client.get("/account/email").status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(AccountToken).where(
            AccountToken.purpose == "change")).first() is None


def test_it_asks_staff_for_their_code_too(app, client, personas):
    with time_machine.travel("2026-11-23 09:00:00+00:00", tick=False) as clock:
        login(client, personas.theo, PERSONA_PASSWORD, totp_secret=PERSONA_TOTP_SECRET)
        clock.shift(timedelta(minutes=10))
        refused = post_form(client, "/account/confirm",
                            {"password": PERSONA_PASSWORD, "next": "/account/email"})
        assert refused.status_code == 200
        confirm = post_form(client, "/account/confirm",
                            {"password": PERSONA_PASSWORD, "next": "/account/email",
                             "code": totp_code(PERSONA_TOTP_SECRET)})
        assert confirm.location.endswith("/account/email")


def test_it_sends_the_link_to_the_new_address_and_a_notice_to_the_old(app, client, personas,
                                                                      inbox):
    sign_in(app, client, personas.alice)
    assert _ask(client).status_code == 302
    _wait_for(inbox, 2)
    assert sorted(m["To"] for m in inbox) == sorted([NEW_EMAIL, personas.alice.email])
    _change_link(_to(inbox, NEW_EMAIL)[0])
    notice = _body(_to(inbox, personas.alice.email)[0])
    assert "/email/change/" not in notice and "cancel the change" in notice
    assert _email_of(app, personas.alice.id) == personas.alice.email  # not yet


def test_it_changes_the_email_only_when_the_link_is_followed(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    _ask(client)
    _wait_for(inbox, 2)
    path = _change_link(_to(inbox, NEW_EMAIL)[0])
    page = client.get(client.get(path).location)
    assert page.status_code == 200 and NEW_EMAIL in parsed(page).find("main").get_text()
    assert _email_of(app, personas.alice.id) == personas.alice.email  # opening changes nothing
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        done = post_form(client, "/email/change")
        assert done.status_code == 302
        with app.app_context():
            user = db.session.get(User, personas.alice.id)
            assert user.email == NEW_EMAIL and user.email_verified_at == utcnow()
    _wait_for(inbox, 3)
    changed = _body(_to(inbox, personas.alice.email)[-1])
    assert NEW_EMAIL in changed and "is now" in changed
    assert login(app.test_client(), personas.alice, PERSONA_PASSWORD).status_code == 200
    fresh = app.test_client()
    assert post_form(fresh, "/login", {"email": NEW_EMAIL,
                                       "password": PERSONA_PASSWORD}).status_code == 302


def test_it_lets_a_link_work_only_once(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    _ask(client)
    _wait_for(inbox, 2)
    path = _change_link(_to(inbox, NEW_EMAIL)[0])
    _follow(client, path)
    client.get(path)
    again = client.get("/email/change")
    assert parsed(again).find("h1").get_text(strip=True) == "This link does not work"
    assert "already been used" in _alert(again)
    assert parsed(again).find("a", href="/account/email") is not None


def test_it_refuses_an_expired_link(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    _ask(client)
    _wait_for(inbox, 2)
    path = _change_link(_to(inbox, NEW_EMAIL)[0])
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        client.get(path)
        page = post_form(client, "/email/change", token_from="/login")
    assert page.status_code == 200 and "expired" in _alert(page)
    assert _email_of(app, personas.alice.id) == personas.alice.email


def test_it_refuses_an_altered_link_cleanly(client, personas):
    client.get("/email/change/" + "x" * 43)
    page = client.get("/email/change")
    assert page.status_code == 200 and "not valid" in _alert(page)
    assert parsed(page).find("a", href="/login") is not None


def test_it_makes_an_earlier_link_stop_working(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    _ask(client, "first@example.org")
    _ask(client)
    _wait_for(inbox, 4)
    first = _change_link(_to(inbox, "first@example.org")[0])
    client.get(first)
    assert "already been used" in _alert(client.get("/email/change"))
    _follow(client, _change_link(_to(inbox, NEW_EMAIL)[0]))
    assert _email_of(app, personas.alice.id) == NEW_EMAIL


def test_it_reveals_nothing_when_another_account_uses_the_address(app, client, personas,
                                                                   inbox):
    sign_in(app, client, personas.alice)
    free = _ask(client)
    free_page = parsed(client.get("/account")).find(id="pending-email").get_text(" ", strip=True)
    _wait_for(inbox, 2)
    inbox.clear()
    taken = _ask(client, personas.bob.email.upper())
    assert taken.status_code == free.status_code and taken.location == free.location
    pending = parsed(client.get("/account")).find(id="pending-email").get_text(" ", strip=True)
    assert pending.replace(personas.bob.email, NEW_EMAIL) == free_page
    _wait_for(inbox, 2)
    assert sorted(m["To"] for m in inbox) == sorted([personas.bob.email, personas.alice.email])
    note = _body(_to(inbox, personas.bob.email)[0])
    assert "/email/change/" not in note and "nothing was changed" in note
    assert "Bob" in note and "Alice" not in note
    assert _email_of(app, personas.bob.id) == personas.bob.email


def test_it_refuses_the_same_address_and_keeps_bad_input(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    same = _ask(client, personas.alice.email.upper())
    assert same.status_code == 200
    assert "already your email address" in parsed(same).find(id="email-error").get_text()
    bad = _ask(client, "not an address")
    assert bad.status_code == 200 and parsed(bad).find(id="email")["value"] == "not an address"
    assert "valid email address" in parsed(bad).find(id="email-error").get_text()
    time.sleep(0.2)
    assert inbox == []


def test_it_cancels_a_pending_change(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    _ask(client)
    _wait_for(inbox, 2)
    path = _change_link(_to(inbox, NEW_EMAIL)[0])
    button = parsed(client.get("/account")).find(id="pending-email").find("button")
    assert button.get_text(strip=True) == "Cancel the change"
    cancelled = post_form(client, "/account/email/cancel", token_from="/account")
    assert cancelled.status_code == 302
    assert parsed(client.get("/account")).find(id="pending-email") is None
    client.get(path)
    assert "already been used" in _alert(client.get("/email/change"))
    assert _email_of(app, personas.alice.id) == personas.alice.email


def test_it_lets_staff_change_their_email(app, client, personas, inbox):
    sign_in(app, client, personas.theo)
    _ask(client, "theo.new@example.org")
    _wait_for(inbox, 2)
    _follow(client, _change_link(_to(inbox, "theo.new@example.org")[0]))
    assert _email_of(app, personas.theo.id) == "theo.new@example.org"


def test_it_throttles_requests_for_one_account(app, client, personas):
    sign_in(app, client, personas.alice)
    answers = [_ask(client, f"alice{i}@example.org").status_code for i in range(6)]
    assert answers == [302] * 5 + [429]
    assert _ask(client, "not an address").status_code == 429


def test_it_audits_the_request_the_use_and_a_cancel(app, client, personas, inbox):
    sign_in(app, client, personas.alice)
    _ask(client, "first@example.org")
    post_form(client, "/account/email/cancel", token_from="/account")
    _ask(client)
    _wait_for(inbox, 4)
    _follow(client, _change_link(_to(inbox, NEW_EMAIL)[0]))
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.action)
                                  .where(AuditEvent.patient_id == personas.alice.id,
                                         AuditEvent.resource_type == "change_link")
                                  .order_by(AuditEvent.id)).scalars().all()
    assert rows == ["C", "D", "C", "U"]


def test_it_writes_in_the_users_language(app, client, personas, inbox):
    with app.app_context():
        db.session.get(User, personas.alice.id).language = "da"
        db.session.commit()
    sign_in(app, client, personas.alice)
    _ask(client)
    _wait_for(inbox, 2)
    subject = str(make_header(decode_header(_to(inbox, NEW_EMAIL)[0]["Subject"])))
    assert subject == "Bekræft din nye e-mailadresse til Stepcare"
    with client.session_transaction() as session:
        session["lang"] = "da"
    pending = parsed(client.get("/account")).find(id="pending-email")
    assert pending.find("button").get_text(strip=True) == "Annullér ændringen"
    assert "Venter på, at du åbner linket" in pending.get_text()
