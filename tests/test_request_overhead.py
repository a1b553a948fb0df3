"""Fixed costs of a signed-in request (issue 16): guarded by statement and call counts.

Times vary with the machine; counts do not. Each test fails if its waste comes back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from app import dates
from app.accounts import forms
from app.db import db
from app.extensions import limiter
from app.limits import limited_endpoints
from tests.helpers import post_form, sign_in


class Statements:
    """Every statement of a request, and where its commits fell among them."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.sent: list[str] = []
        self.commits: list[int] = []

    def _statement(self, conn, cursor, statement, *_args):
        self.sent.append(" ".join(statement.split()))

    def _commit(self, _session):
        self.commits.append(len(self.sent))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(Session, "after_commit", self._commit)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "after_commit", self._commit)
        event.remove(self.engine, "before_cursor_execute", self._statement)

    def after_last_commit(self) -> list[str]:
        return self.sent[self.commits[-1]:]


def test_it_sends_no_statement_after_a_signed_in_pages_commit(app, client, personas):
    sign_in(app, client, personas.alice)
    client.get("/account")  # the session's first touch is a write; measure a plain read
    with Statements(app) as watch:
        response = client.get("/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"  # still known as signed in
    assert watch.commits, "the request committed"
    assert watch.after_last_commit() == []


def test_it_reads_the_session_and_its_user_in_one_statement(app, client, personas):
    sign_in(app, client, personas.alice)
    client.get("/account")
    with Statements(app) as watch:
        assert client.get("/account").status_code == 200
    reads = [s for s in watch.sent if "FROM user_session" in s or "FROM user_account" in s]
    assert len(reads) == 1 and "JOIN user_account" in reads[0], reads


def test_it_builds_no_language_form_for_the_header(app, client, personas, monkeypatch):
    built = []
    original = forms.LanguageForm.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(forms.LanguageForm, "__init__", counting)
    sign_in(app, client, personas.alice)
    assert client.get("/account").status_code == 200
    assert client.get("/").status_code in (200, 302)
    assert built == []


def test_it_pings_no_sqlite_connection_on_checkout(app):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        assert engine.pool._pre_ping is False
    else:
        assert engine.pool._pre_ping is True


def test_it_parses_each_datetime_pattern_once_per_locale(app, monkeypatch):
    parsed = []
    original = dates.dates.parse_pattern

    def counting(*args, **kwargs):
        parsed.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(dates.dates, "parse_pattern", counting)
    for cached in (dates._pattern, dates._day_text, dates._time_text):
        cached.cache_clear()
    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with app.test_request_context():
        shown = {app.jinja_env.filters["datetime"](start + timedelta(hours=h)) for h in range(50)}
    assert len(shown) == 50
    # A date and time is its day's pattern and its time of day's, each parsed once.
    assert sorted(pattern for pattern, *_rest in parsed) == ["HH:mm", "d MMM y"]


def test_it_takes_the_audit_chain_only_at_the_end_of_a_record_page(app, client, personas):
    """The chain's lock is held from the head read to the commit: nothing else in between."""
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    with Statements(app) as watch:
        response = client.get(f"/patients/{personas.alice.id}")
    assert response.status_code == 200
    head = next(i for i, s in enumerate(watch.sent)
                if s.startswith("SELECT audit_event.hash"))
    # Only the lock itself (PostgreSQL) may come before the head read, then the INSERT.
    held = [s for s in watch.sent[head:watch.commits[-1]]]
    assert len(held) == 2 and held[1].startswith("INSERT INTO audit_event"), held
    assert head >= 5  # the page's own reads came first


LIMITED = {"accounts.change_email", "accounts.confirm_email_change", "accounts.forgot_password",
           "accounts.login", "accounts.mfa_recovery", "accounts.mfa_setup", "accounts.mfa_verify",
           "accounts.oidc_register", "accounts.reauthenticate", "accounts.register",
           "accounts.resend_verification", "accounts.reset_password", "patient_export.export",
           "video.echo"}


def _resolving(monkeypatch) -> list[str | None]:
    resolved: list[str | None] = []
    original = limiter.limit_manager.resolve_limits

    def counting(app, endpoint=None, *args, **kwargs):
        resolved.append(endpoint)
        return original(app, endpoint, *args, **kwargs)

    monkeypatch.setattr(limiter.limit_manager, "resolve_limits", counting)
    return resolved


def test_it_skips_the_limiter_on_a_route_without_limits(app, client, personas, monkeypatch):
    sign_in(app, client, personas.alice)
    resolved = _resolving(monkeypatch)
    assert client.get("/account").status_code == 200
    assert resolved == []
    post_form(app.test_client(), "/login", {"email": "nobody@example.org", "password": "x"})
    assert "accounts.login" in resolved  # the limited routes still go through it


def test_it_leaves_every_limited_route_to_the_limiter(app):
    assert limited_endpoints(app) == LIMITED
