"""Issue 13, finding 13: GET requests do not change state, except documented view events.

Every GET route of the access matrix is requested twice by each persona allowed on it. The
first request may write only the tables its view event names below; the second may write
nothing at all. Audit rows and the session's last-seen time are written by every signed-in
request by design and are not state a GET changes. A new route that writes on GET fails
here until it is made a POST or documented as a view event.
"""

from __future__ import annotations

import re

from sqlalchemy import event

from app.db import db
from tests.helpers import sign_in
from tests.test_access_matrix import OBJECT_PAGES, PUBLIC, ROLE_PAGES, TOKEN_LINKS

# Every object page needs an object: the world gets a follow-up of Alice's that is due.
WITH_DUE_FOLLOW_UP = True

# Written by every request on purpose: the audit trail and the idle timeout.
BOOKKEEPING = {"audit_event", "audit_event_patient", "user_session"}

# The caseload's stored facts follow, in the same transaction, every write to a table they
# come from (app.caseload.tracking): a view event that changes a fact writes them too.
CASELOAD = "caseload_facts"

# Safe, idempotent view events: seeing something is the fact recorded, it is recorded once,
# and a repeat view changes nothing. A prefetching browser can at worst mark something
# seen that was shown on screen anyway.
VIEW_EVENTS: dict[str, set[str]] = {
    # Read receipts: the other side sees "read" once the thread was shown to the reader.
    "messaging.patient_thread": {"message", CASELOAD},
    "messaging.therapist_thread": {"message", CASELOAD},
    # The first opening of a module starts its progress row ("started at"); feedback on a
    # VR session shown beside its scene is marked as read, as below.
    "programmes.module": {"module_progress", "vr_session"},
    # Feedback shown on the exercises page is marked as read (feedback_read_at).
    "programmes.exercises": {"homework_submission", "vr_session"},
    # So is a VR session's feedback shown on the scene's page.
    "programmes.vr_scene": {"vr_session"},
}

# Writes that are always rolled back, so they change nothing: the health check proves the
# database still takes a write (a read-only disk passes SELECT 1).
ROLLED_BACK: dict[str, set[str]] = {"main.healthz": {"alembic_version"}}

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


class WriteRecorder:
    def __init__(self, engine):
        self.engine, self.tables = engine, set()

    def _seen(self, conn, cursor, statement, *args):
        if match := WRITE.match(statement):
            self.tables.add(match.group(1))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _get_routes(app) -> dict[str, set[str]]:
    return {rule.endpoint: rule.methods or set() for rule in app.url_map.iter_rules()}


def _cases(personas):
    for endpoint, allowed in ROLE_PAGES.items():
        yield endpoint, {}, allowed
    for endpoint, (make_args, allowed) in OBJECT_PAGES.items():
        yield endpoint, make_args(personas), allowed
    for endpoint in PUBLIC:
        if "static" not in endpoint:
            yield endpoint, TOKEN_LINKS.get(endpoint, {}), {"anonymous"}


def _writes(app, client, url: str) -> set[str]:
    with app.app_context():
        engine = db.engine
    with WriteRecorder(engine) as recorder:
        client.get(url)
    return recorder.tables - BOOKKEEPING


def _visits(app, screened):
    methods = _get_routes(app)
    for endpoint, args, allowed in _cases(screened):
        if "GET" not in methods[endpoint]:
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **args)
        for role in sorted(allowed):
            client = app.test_client()
            if role != "anonymous":
                sign_in(app, client, getattr(screened, role))
            ignored = ROLLED_BACK.get(endpoint, set())
            yield (endpoint, role, _writes(app, client, url) - ignored,
                   _writes(app, client, url) - ignored)


def test_it_finding_13_lists_every_get_that_writes(app, screened):
    first_writes, repeat_writes = {}, {}
    for endpoint, role, first, repeat in _visits(app, screened):
        if first - VIEW_EVENTS.get(endpoint, set()):
            first_writes[(endpoint, role)] = sorted(first)
        if repeat:
            repeat_writes[(endpoint, role)] = sorted(repeat)
    assert first_writes == {}, "make these a POST, or document them in VIEW_EVENTS"
    assert repeat_writes == {}, "a view event must be idempotent: the second GET wrote"


def test_it_finding_13_sees_the_write_of_a_view_event(app, screened):
    client = app.test_client()
    sign_in(app, client, screened.alice)
    assert _writes(app, client, "/programmes/depression/welcome") == {"module_progress"}


def test_it_finding_13_documents_only_view_events_that_exist(app):
    assert set(VIEW_EVENTS) <= set(_get_routes(app))
