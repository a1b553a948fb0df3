"""Malformed or oversized signalling is answered 400, and nothing crashes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.video.conftest import SDP_OFFER, in_call

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def call(app, personas, booked, room_api):
    return in_call(app, personas, booked, room_api)


def post_raw(api, action: str, body: bytes, content_type: str = "application/json"):
    return api.client.post(f"/video/{api.room_id}/{action}", data=body,
                           headers={"X-CSRFToken": api.csrf, "Content-Type": content_type})


@pytest.mark.parametrize("action", ["join", "poll", "signal", "admit", "connected", "hang-up"])
def test_it_refuses_a_body_that_is_not_json(call, action):
    _alice, theo = call
    assert post_raw(theo, action, b"{not json").status_code == 400


@pytest.mark.parametrize("action", ["poll", "signal", "connected", "hang-up"])
def test_it_refuses_json_that_is_not_an_object(call, action):
    _alice, theo = call
    assert post_raw(theo, action, b"[1, 2, 3]").status_code == 400


def test_it_refuses_a_body_sent_as_a_form(call):
    _alice, theo = call
    response = theo.client.post(f"/video/{theo.room_id}/signal",
                                data={"csrf_token": theo.csrf, "message": "offer"})
    assert response.status_code == 400


def test_it_refuses_an_unknown_message_type(call):
    alice, theo = call
    response = theo.send({"type": "hijack"}, alice.session)
    assert response.status_code == 400 and response.json["error"] == "bad_signal"


def test_it_refuses_an_sdp_that_is_not_one(call):
    alice, theo = call
    assert theo.send({"type": "offer", "sdp": "<script>"}, alice.session).status_code == 400


def test_it_refuses_an_oversized_sdp(call):
    alice, theo = call
    huge = SDP_OFFER + "a=x:" + "y" * (64 * 1024) + "\r\n"
    assert theo.send({"type": "offer", "sdp": huge}, alice.session).status_code == 400


def test_it_refuses_an_oversized_body_with_400(call):
    _alice, theo = call
    body = b'{"session": "' + b"x" * (300 * 1024) + b'"}'
    assert post_raw(theo, "signal", body).status_code == 400


def test_it_refuses_extra_keys_in_a_message(call):
    alice, theo = call
    message = {"type": "offer", "sdp": SDP_OFFER, "room": "other"}
    assert theo.send(message, alice.session).status_code == 400


@pytest.mark.parametrize("field,value", [
    ("after", "0"), ("after", -1), ("after", True), ("version", 1.5),
    ("wait", "long"), ("session", 42), ("session", "x" * 200),
])
def test_it_refuses_a_poll_with_a_wrong_field(call, field, value):
    alice, _theo = call
    body = {"session": alice.session, "after": 0, "version": 0, "wait": 0, field: value}
    assert alice.post("poll", body).status_code == 400


def test_it_writes_nothing_for_a_refused_message(app, call):
    from app.db import db
    from video.models import Signal

    alice, theo = call
    theo.send({"type": "candidate", "candidate": "bogus"}, alice.session)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Signal)).scalar() == 0


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=JSON)
def test_it_never_fails_on_arbitrary_messages(call, message):
    alice, theo = call
    response = theo.send(message, alice.session)
    assert response.status_code in (200, 400), response.status_code


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_it_never_fails_on_arbitrary_poll_bodies(call, body):
    alice, _theo = call
    assert alice.post("poll", body).status_code in (200, 400, 409)


def test_it_still_answers_an_oversized_form_elsewhere_with_413(client):
    # The error page must not read the refused body again (app/templating.py).
    response = client.post("/login", data={"email": "x" * (300 * 1024)})
    assert response.status_code == 413
