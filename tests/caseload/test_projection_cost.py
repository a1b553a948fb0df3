"""Issue 16: what keeping the caseload's stored facts costs, and where it must not act."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
import time_machine

from app.db import db, utcnow
from tests.caseload.test_caseload import weekly
from tests.helpers import QueryCounter, csrf_token, sign_in


def _message_statements(app, client) -> int:
    """Statements of one message the patient sends (facts recomputed and stored included)."""
    token = csrf_token(client, "/messages")
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.post("/messages", data={"csrf_token": token, "body": "Hello again."})
    assert response.status_code in (200, 302, 303)
    return counter.count


def test_it_keeps_a_writes_cost_flat_as_the_patients_history_grows(app, client, personas):
    sign_in(app, client, personas.alice)
    with time_machine.travel(utcnow() - timedelta(weeks=12), tick=False) as traveller:
        for week in range(2):
            weekly(app, personas.alice.id, (1, 1, 1, 1, 1, 1, 1, 1, 0), f"early{week}")
            traveller.shift(timedelta(weeks=1))
    short_history = _message_statements(app, client)
    with time_machine.travel(utcnow() - timedelta(weeks=10), tick=False) as traveller:
        for week in range(10):
            weekly(app, personas.alice.id, (2, 1, 1, 1, 1, 1, 1, 1, 0), f"later{week}")
            traveller.shift(timedelta(weeks=1))
    assert _message_statements(app, client) == short_history
    assert short_history <= 40  # 36 on 2026-12-02, the stored facts' recompute included


def test_it_leaves_another_flask_apps_writes_alone(app, tmp_path, monkeypatch):
    """The tracking listeners are on every Session: a plain Flask app in the same process
    (the benchmarks' minimal page) writes through its own Flask-SQLAlchemy unharmed."""
    # Imported, the module serves the app DATABASE_URL names (as gunicorn does): keep it
    # off the test run's PostgreSQL database, on its own file.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'served.db'}")
    monkeypatch.setenv("STEPCARE_SECRET_KEY", "a-test-secret")
    monkeypatch.delitem(sys.modules, "bench.minimal_app", raising=False)
    from bench import minimal_app

    cookie = minimal_app.prepare(f"sqlite:///{tmp_path / 'minimal.db'}", "a-test-secret")
    assert cookie.startswith("session=")


def test_it_decodes_each_stored_row_once_across_caseload_views(app, client, personas):
    from app.caseload import projection

    sign_in(app, client, personas.theo)
    assert client.get("/caseload").status_code == 200
    projection._decoded_text.cache_clear()
    client.get("/caseload")
    first = projection._decoded_text.cache_info()
    client.get("/caseload")
    again = projection._decoded_text.cache_info()
    assert first.misses >= 1
    assert (again.misses, again.hits) == (first.misses, first.hits + first.misses)


def test_it_lets_no_page_change_a_patients_shared_facts():
    from app.caseload.triage import Facts

    facts = Facts({"phq9_latest": 12})
    with pytest.raises(AttributeError):
        facts.phq9_latest = 3
    assert facts.phq9_latest == 12
