"""SQLite's one write lock: slow work and read-only requests must not hold it (issue 13, #4).

Each test keeps one request busy (a password check blocked on an Event, or a GET that has
read) while another request writes; the writer must finish at once, not wait out
busy_timeout and fail with "database is locked".
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.accounts import passwords
from app.accounts.models import User, UserSession
from app.audit.models import Action
from app.audit.operations import record, verify_chain
from app.db import db, utcnow
from tests.conftest import PERSONA_PASSWORD, POSTGRES_URL
from tests.helpers import csrf_token, sign_in

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's database-wide write lock")

# Well under busy_timeout (5 s): a writer that had to wait for the lock would miss it.
PROMPT = 2.0


def _blocked(monkeypatch, name: str):
    """Make passwords.<name> wait until released; returns (started, release)."""
    started, release = threading.Event(), threading.Event()
    real = getattr(passwords, name)

    def slow(*args):
        started.set()
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(passwords, name, slow)
    return started, release


def _in_background(call) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    return thread, result


def _timed_post(client, url: str, data: dict):
    started = time.monotonic()
    response = client.post(url, data=data)
    return response, time.monotonic() - started


def _name_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).name


def _write_while(app, personas, started, release):
    """A patient saves his details while the slow request runs: (response, seconds)."""
    bob = app.test_client()
    sign_in(app, bob, personas.bob)
    token = csrf_token(bob, "/account")
    assert started.wait(5), "the slow request never reached the password check"
    try:
        return _timed_post(bob, "/account", {"csrf_token": token, "name": "Bob Writer",
                                             "language": "en", "reminders": "y"})
    finally:
        release.set()


def test_it_lets_others_write_while_a_failed_login_checks_its_password(app, personas,
                                                                        monkeypatch):
    attacker = app.test_client()
    token = csrf_token(attacker, "/login")
    started, release = _blocked(monkeypatch, "verify_password")
    thread, result = _in_background(lambda: attacker.post("/login", data={
        "csrf_token": token, "email": personas.alice.email, "password": "a wrong guess"}))
    response, seconds = _write_while(app, personas, started, release)
    thread.join(15)
    assert (response.status_code, seconds < PROMPT) == (302, True)
    assert _name_of(app, personas.bob.id) == "Bob Writer"
    assert result[0].status_code == 200  # the failed login is still answered as before


def test_it_signs_in_after_checking_the_password_outside_the_lock(app, personas, monkeypatch):
    patient = app.test_client()
    token = csrf_token(patient, "/login")
    started, release = _blocked(monkeypatch, "verify_password")
    thread, result = _in_background(lambda: patient.post("/login", data={
        "csrf_token": token, "email": personas.alice.email, "password": PERSONA_PASSWORD}))
    response, seconds = _write_while(app, personas, started, release)
    thread.join(15)
    assert (response.status_code, seconds < PROMPT) == (302, True)
    assert result[0].status_code == 302
    with app.app_context():
        live = db.session.execute(db.select(UserSession).where(
            UserSession.user_id == personas.alice.id)).scalars().all()
    assert len(live) == 1  # her session row was written after the check


def test_it_lets_others_write_while_a_reauthentication_checks_the_password(app, personas,
                                                                             monkeypatch):
    alice = app.test_client()
    sign_in(app, alice, personas.alice)
    token = csrf_token(alice, "/account/confirm")
    earlier = utcnow() - timedelta(minutes=5)
    with app.app_context():  # so the request also has its last-seen time to write
        db.session.execute(update(UserSession).values(last_seen_at=earlier))
        db.session.commit()
    started, release = _blocked(monkeypatch, "verify_password")
    thread, result = _in_background(lambda: alice.post("/account/confirm", data={
        "csrf_token": token, "password": PERSONA_PASSWORD, "next": "/account"}))
    response, seconds = _write_while(app, personas, started, release)
    thread.join(15)
    assert (response.status_code, seconds < PROMPT) == (302, True)
    assert result[0].status_code == 302
    with app.app_context():
        row = db.session.execute(db.select(UserSession).where(
            UserSession.user_id == personas.alice.id)).scalar_one()
        assert row.last_seen_at > earlier and row.reauthenticated_at > earlier


def test_it_lets_others_write_while_a_registration_hashes_the_password(app, personas,
                                                                         monkeypatch):
    newcomer = app.test_client()
    token = csrf_token(newcomer, "/register")
    started, release = _blocked(monkeypatch, "hash_password")
    thread, result = _in_background(lambda: newcomer.post("/register", data={
        "csrf_token": token, "name": "Nora Nielsen", "email": "nora@example.com",
        "password": "a quiet morning by the harbour", "date_of_birth": "1991-02-03",
        "phone": "+45 34 41 23 45", "language": "en", "consent": "y"}))
    response, seconds = _write_while(app, personas, started, release)
    thread.join(15)
    assert (response.status_code, seconds < PROMPT) == (302, True)
    assert result[0].status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(User).where(
            User.email == "nora@example.com")).scalar_one() is not None


def _elsewhere(app, method: str, work) -> float:
    """Another request, in its own thread and connection; returns its seconds."""
    def run():
        started = time.monotonic()
        with app.test_request_context("/", method=method):
            work()
            db.session.commit()
        return time.monotonic() - started

    thread, result = _in_background(run)
    thread.join(15)
    assert result, "the other request failed"
    return result[0]


def _rename(user_id: int):
    return lambda: setattr(db.session.get(User, user_id), "name", "Written meanwhile")


def test_it_reads_a_get_request_without_the_write_lock(app, personas):
    with app.test_request_context("/home", method="GET"):
        assert db.session.get(User, personas.alice.id) is not None  # the GET has read
        seconds = _elsewhere(app, "POST", _rename(personas.bob.id))
        db.session.rollback()
    assert seconds < PROMPT


def test_it_writes_an_audit_row_from_a_get_after_another_request_wrote(app, personas):
    """The GET read first; a deferred transaction would now fail with SQLITE_BUSY_SNAPSHOT."""
    with app.test_request_context("/home", method="GET"):
        alice = db.session.get(User, personas.alice.id)
        _elsewhere(app, "POST", _rename(personas.bob.id))
        _elsewhere(app, "GET", lambda: record(Action.READ, "patient", personas.bob.id,
                                              patient_id=personas.bob.id))
        record(Action.READ, "patient", alice.id, patient_id=alice.id)
        db.session.commit()
    with app.app_context():
        count, broken = verify_chain()
    assert (count >= 2, broken) == (True, None)
