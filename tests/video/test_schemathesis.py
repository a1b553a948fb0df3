"""Schemathesis against /api/openapi.json, through the app (WSGI, no network).

Each documented operation gets a bounded number of generated requests, as a participant
of an open appointment (Alice the patient, Theo her therapist), signed in and with the
page's CSRF token in the header the JS sends: none may answer 5xx.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app import create_app
from tests.helpers import csrf_token, sign_in

# The schema is read from an app of its own at collection; the requests go to each test's
# app (its database, its personas) through `app=`.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json",
    create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}),
).exclude(tag="fhir")  # a system's API, signed in by token: tests/interop/test_fhir_schemathesis.py

EXAMPLES = 20


@pytest.fixture(params=["alice", "theo"])
def participant(request, app, personas, booked):
    """A signed-in client of one of the room's two participants, its tab already joined."""
    client = app.test_client()
    sign_in(app, client, getattr(personas, request.param))
    token = csrf_token(client, "/account")
    joined = client.post(f"/video/{booked.room_id}/join", json={},
                         headers={"X-CSRFToken": token})
    return client, token, booked.room_id, joined.json.get("session")


def _aim(case, room_id: str, session: str | None) -> None:
    """Point the generated request at the real room, with the real tab half of the time,
    and never wait out a long poll (the fuzzing is about input, not waiting)."""
    if "room_id" in (case.path_parameters or {}):
        case.path_parameters["room_id"] = room_id
    if isinstance(case.body, dict):
        if "session" in case.body and session and len(repr(case.body)) % 2:
            case.body["session"] = session
        if isinstance(case.body.get("wait"), int | float):
            case.body["wait"] = 0
    case.cookies = {}  # the client's own session cookie signs the request in


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_it_answers_generated_requests_without_a_server_error(case, app, participant):
    client, token, room_id, session = participant
    _aim(case, room_id, session)
    case.call_and_validate(session=client, app=app, headers={"X-CSRFToken": token},
                           checks=[not_a_server_error])
