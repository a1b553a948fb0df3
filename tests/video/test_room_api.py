"""The room's HTTP endpoints: who may join and when, the waiting room, and signalling."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from app.audit.models import Outcome
from app.db import db
from tests.video.conftest import (
    SDP_OFFER,
    audit_rows,
    book,
    candidate,
    in_call,
    load,
)
from video.models import Signal

# --- who may join, and when -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "theo"])
def test_it_lets_both_participants_join_in_the_window(app, personas, booked, room_api, who):
    api = room_api(getattr(personas, who), booked.room_id)
    assert api.join().status_code == 200


@pytest.mark.parametrize("who", ["bob", "una", "ada"])
def test_it_refuses_everyone_else(app, personas, booked, room_api, who):
    api = room_api(getattr(personas, who), booked.room_id)
    assert api.client.get(f"/video/{booked.room_id}").status_code == 404
    assert api.join().status_code == 404


@pytest.mark.parametrize("who", ["bob", "una"])
def test_it_audits_a_refused_attempt_against_the_patients_record(app, personas, booked,
                                                                 room_api, who):
    room_api(getattr(personas, who), booked.room_id).join()  # opens the page, then joins
    page, join = audit_rows(app, outcome=Outcome.DENIED)
    for row in (page, join):
        assert row.resource_type == "video_room" and row.patient_id == personas.alice.id
        assert row.actor_id == getattr(personas, who).id and row.resource_id == str(booked.id)


def test_it_opens_the_waiting_room_ten_minutes_early(app, personas, room_api):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(minutes=9))
    assert room_api(personas.alice, booked.room_id).join().status_code == 200


def test_it_refuses_to_join_before_the_window(app, personas, room_api):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(minutes=11))
    api = room_api(personas.alice, booked.room_id)
    assert api.client.get(f"/video/{booked.room_id}").status_code == 404
    assert api.join().status_code == 404
    assert {r.outcome for r in audit_rows(app, resource_type="video_room")} == {"denied"}


def test_it_refuses_to_join_after_the_window(app, personas, room_api):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(minutes=76))
    assert room_api(personas.theo, booked.room_id).join().status_code == 404
    rows = audit_rows(app, outcome=Outcome.DENIED)
    assert len(rows) == 2 and {r.patient_id for r in rows} == {personas.alice.id}


def test_it_answers_404_for_an_unknown_room(app, personas, room_api):
    api = room_api(personas.alice, "A" * 32)
    assert api.join().status_code == 404
    assert audit_rows(app, outcome=Outcome.DENIED)[0].patient_id is None


def test_it_answers_404_for_a_malformed_room_id(app, personas, room_api):
    assert room_api(personas.alice, "short").join().status_code == 404


def test_it_lets_only_the_therapist_admit(app, personas, booked, room_api):
    alice = room_api(personas.alice, booked.room_id)
    alice.join()
    assert alice.action("admit").status_code == 404


def test_it_grants_the_camera_only_on_the_video_pages(app, personas, booked, room_api):
    api = room_api(personas.alice, booked.room_id)
    call = api.client.get(f"/video/{booked.room_id}")
    home = api.client.get("/home")
    assert "camera=(self)" in call.headers["Permissions-Policy"]
    assert "camera=()" in home.headers["Permissions-Policy"]
    assert call.headers["Cache-Control"] == "no-store"


def test_it_audits_opening_the_call_page(app, personas, booked, room_api):
    room_api(personas.alice, booked.room_id)  # loads the page
    rows = audit_rows(app, resource_type="video_room", outcome=Outcome.ALLOWED)
    assert [r.patient_id for r in rows] == [personas.alice.id]


# --- the waiting room ------------------------------------------------------------------------


def test_it_puts_the_patient_in_the_waiting_room(app, personas, booked, room_api):
    state = room_api(personas.alice, booked.room_id).join().json["state"]
    assert state["status"] == "waiting" and not state["live"]
    assert "waiting room" in state["message"]


def test_it_tells_the_therapist_since_when_the_patient_waits(app, personas, booked, room_api):
    room_api(personas.alice, booked.room_id).join()
    state = room_api(personas.theo, booked.room_id).join().json["state"]
    arrived = load(app, booked.id).patient_arrived_at
    from zoneinfo import ZoneInfo

    expected = arrived.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%H:%M")
    assert state["waiting_since"] == expected and state["can_admit"]
    assert f"waiting since {expected}" in state["message"]


def test_it_admits_the_patient(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    assert alice.poll().json["state"]["status"] == "admitted"
    assert theo.poll().json["state"]["live"]


def test_it_cannot_admit_before_the_patient_arrives(app, personas, booked, room_api):
    theo = room_api(personas.theo, booked.room_id)
    theo.join()
    response = theo.action("admit")
    assert response.status_code == 409 and response.json["error"] == "not_waiting"


def test_it_lets_the_patient_leave_the_waiting_room(app, personas, booked, room_api):
    alice = room_api(personas.alice, booked.room_id)
    alice.join()
    assert alice.action("leave").status_code == 200
    appointment = load(app, booked.id)
    assert not appointment.patient_present and appointment.patient_session is None


def test_it_ignores_a_leave_from_a_tab_that_was_replaced(app, personas, booked, room_api):
    old = room_api(personas.alice, booked.room_id)
    old.join()
    new = room_api(personas.alice, booked.room_id)
    new.join()
    old.action("leave")
    assert load(app, booked.id).patient_session == new.session


def test_it_accepts_a_leave_beacon_sent_as_a_form(app, personas, booked, room_api):
    alice = room_api(personas.alice, booked.room_id)
    alice.join()
    response = alice.client.post(f"/video/{booked.room_id}/leave",
                                 data={"csrf_token": alice.csrf, "session": alice.session})
    assert response.status_code == 200 and not load(app, booked.id).patient_present


def test_it_refuses_a_leave_beacon_without_a_csrf_token(app, personas, booked, room_api):
    alice = room_api(personas.alice, booked.room_id)
    alice.join()
    response = alice.client.post(f"/video/{booked.room_id}/leave",
                                 data={"session": alice.session})
    assert response.status_code == 400 and load(app, booked.id).patient_present


def test_it_records_how_late_the_patient_came(app, client, personas, room_api):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(minutes=7))
    room_api(personas.alice, booked.room_id).join()
    theo = room_api(personas.theo, booked.room_id)
    page = theo.client.get(f"/appointments/{booked.id}").get_data(as_text=True)
    assert "7 minutes late" in page


def test_it_records_a_no_show_when_the_window_closes(app, personas, runner):
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=-timedelta(minutes=80))
    result = runner.invoke(args=["expire-video-rooms"])
    assert result.exit_code == 0 and "Updated 1 video room" in result.output
    assert load(app, booked.id).status == "no_show"


# --- tabs ------------------------------------------------------------------------------------


def test_it_lets_a_reload_replace_the_old_tab(app, personas, booked, room_api):
    old = room_api(personas.alice, booked.room_id)
    old.join()
    new = room_api(personas.alice, booked.room_id)
    assert new.join().status_code == 200
    response = old.poll()
    assert response.status_code == 409 and response.json["error"] == "replaced"
    assert new.poll().status_code == 200


def test_it_shows_the_peer_its_new_tab(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    first = theo.poll().json["state"]["peer_session"]
    reloaded = room_api(personas.alice, booked.room_id)
    reloaded.join()
    second = theo.poll().json["state"]["peer_session"]
    assert first == alice.session and second == reloaded.session


def test_it_drops_messages_from_a_tab_that_was_replaced(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    theo.send({"type": "offer", "sdp": SDP_OFFER}, alice.session)
    reloaded = room_api(personas.alice, booked.room_id)
    reloaded.join()
    reloaded.cursor = 0
    assert reloaded.poll().json["messages"] == []


# --- signalling -------------------------------------------------------------------------------


def test_it_relays_an_offer_to_the_patient(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    assert theo.send({"type": "offer", "sdp": SDP_OFFER}, alice.session).json["relayed"]
    [message] = alice.poll().json["messages"]
    assert message["type"] == "offer" and "a=candidate:1 " in message["sdp"]


def test_it_keeps_only_loopback_candidates_in_test_mode(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    theo.send({"type": "offer", "sdp": SDP_OFFER}, alice.session)
    [message] = alice.poll().json["messages"]
    assert "192.168.1.20" not in message["sdp"]


def test_it_drops_a_trickled_candidate_off_loopback(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    assert not theo.send(candidate("10.0.0.7"), alice.session).json["relayed"]
    assert theo.send(candidate("127.0.0.1"), alice.session).json["relayed"]
    assert [m["candidate"].split()[4] for m in alice.poll().json["messages"]] == ["127.0.0.1"]


def test_it_relays_in_order_and_only_once(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    for _ in range(3):
        theo.send(candidate(), alice.session)
    assert [m["seq"] for m in alice.poll().json["messages"]] == [1, 2, 3]
    assert alice.poll().json["messages"] == []


def test_it_does_not_echo_a_message_to_its_sender(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    theo.send(candidate(), alice.session)
    assert theo.poll().json["messages"] == []


def test_it_refuses_signalling_before_the_patient_is_admitted(app, personas, booked, room_api):
    alice, theo = room_api(personas.alice, booked.room_id), room_api(personas.theo,
                                                                     booked.room_id)
    alice.join()
    theo.join()
    response = alice.send({"type": "offer", "sdp": SDP_OFFER}, theo.session)
    assert response.status_code == 409 and response.json["error"] == "not_admitted"


def test_it_does_not_relay_to_a_tab_that_has_gone(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    assert not theo.send(candidate(), "some-old-tab").json["relayed"]


# --- the call ------------------------------------------------------------------------------


def test_it_marks_the_call_connected(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    assert alice.action("connected").json["state"]["status"] == "in_call"
    assert theo.action("connected").json["state"]["status"] == "in_call"  # repeats are fine


def test_it_ends_the_call_when_the_therapist_hangs_up(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    theo.action("connected")
    state = theo.action("hang-up").json["state"]
    assert state["status"] == "ended" and state["finished"]
    ended = alice.poll().json["state"]
    assert ended["finished"] and ended["message"].startswith("The consultation has ended")


def test_it_forgets_the_sdps_when_the_call_ends(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    theo.send({"type": "offer", "sdp": SDP_OFFER}, alice.session)
    theo.action("hang-up")
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Signal)).scalar() == 0


def test_it_lets_the_patient_hang_up_the_call(app, personas, booked, room_api):
    alice, _theo = in_call(app, personas, booked, room_api)
    assert alice.action("hang-up").json["state"]["status"] == "ended"


def test_it_does_not_let_a_waiting_patient_hang_up(app, personas, booked, room_api):
    alice = room_api(personas.alice, booked.room_id)
    alice.join()
    assert alice.action("hang-up").status_code == 409


def test_it_refuses_to_rejoin_an_ended_call(app, personas, booked, room_api):
    _alice, theo = in_call(app, personas, booked, room_api)
    theo.action("hang-up")
    response = room_api(personas.alice, booked.room_id).join()
    assert response.status_code == 409 and response.json["error"] == "closed"


# --- long polling ----------------------------------------------------------------------------


def test_it_answers_a_waiting_poll_as_soon_as_a_message_arrives(app, personas, booked,
                                                                room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    alice.poll()
    result = {}

    def wait():
        started = time.monotonic()
        result["response"] = alice.poll(wait=10)
        result["seconds"] = time.monotonic() - started

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.4)
    theo.send(candidate(), alice.session)
    waiter.join(15)
    assert len(result["response"].json["messages"]) == 1
    assert result["seconds"] < 2.0


def test_it_answers_a_quiet_poll_after_the_wait(app, personas, booked, room_api):
    alice, _theo = in_call(app, personas, booked, room_api)
    alice.poll()
    started = time.monotonic()
    response = alice.poll(wait=0.6)
    assert response.json["messages"] == [] and 0.5 < time.monotonic() - started < 3


def test_it_wakes_a_waiting_poll_when_the_patient_is_admitted(app, personas, booked, room_api):
    alice, theo = room_api(personas.alice, booked.room_id), room_api(personas.theo,
                                                                     booked.room_id)
    alice.join()
    theo.join()
    alice.poll()
    result = {}
    waiter = threading.Thread(target=lambda: result.setdefault("r", alice.poll(wait=10)))
    waiter.start()
    time.sleep(0.3)
    started = time.monotonic()
    theo.action("admit")
    waiter.join(15)
    assert result["r"].json["state"]["status"] == "admitted"
    assert time.monotonic() - started < 2.0


def test_it_holds_no_database_lock_while_a_poll_waits(app, personas, booked, room_api):
    alice, theo = in_call(app, personas, booked, room_api)
    alice.poll()
    waiter = threading.Thread(target=lambda: alice.poll(wait=4))
    waiter.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert theo.send(candidate(), "no-such-tab").status_code == 200  # a write
    assert time.monotonic() - started < 1.0
    waiter.join(10)


def test_it_keeps_a_long_poll_within_the_maximum_wait(app, personas, booked, room_api):
    alice, _theo = in_call(app, personas, booked, room_api)
    response = alice.post("poll", {"session": alice.session, "after": 0, "version": 0,
                                   "wait": 10_000})
    assert response.status_code == 200  # the version differed: answered at once
