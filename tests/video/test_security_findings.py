"""Issue 13's video findings: relay credentials, the echo's reach and load, reassignment,
deeply nested JSON. Each test is named after its finding."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.accounts.models import User
from app.caseload import operations as caseload
from app.db import db
from tests.helpers import csrf_token, sign_in
from tests.video.conftest import SDP_OFFER, audit_rows, book, in_call, run_async
from video import media
from video.media import media_loop

TURN = {"STUN_URLS": "stun:turn.example.org:3478", "TURN_URLS": "turn:turn.example.org:3478",
        "TURN_SECRET": "coturn-shared-secret-for-tests", "TURN_TTL": 600}


def precall_servers(app, user) -> list[dict]:
    from bs4 import BeautifulSoup

    client = app.test_client()
    sign_in(app, client, user)
    page = BeautifulSoup(client.get("/video/test").get_data(as_text=True), "html.parser")
    return json.loads(page.find(id="precall")["data-ice-servers"])


def has_turn(servers: list[dict]) -> bool:
    return any("credential" in s for s in servers)


# --- finding 5: TURN credentials only near an appointment ----------------------------------


def test_it_gives_a_patient_without_an_appointment_stun_only_finding_5(app, personas):
    app.config.update(TURN)
    servers = precall_servers(app, personas.bob)
    assert servers == [{"urls": ["stun:turn.example.org:3478"]}]


def test_it_gives_stun_only_for_an_appointment_days_away_finding_5(app, personas):
    app.config.update(TURN)
    book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(days=3))
    assert not has_turn(precall_servers(app, personas.alice))


def test_it_gives_turn_for_an_appointment_within_a_day_finding_5(app, personas):
    app.config.update(TURN)
    booked = book(app, personas.alice.id, personas.theo.id, starts_in=timedelta(hours=20))
    assert has_turn(precall_servers(app, personas.alice))
    [row] = audit_rows(app, resource_type="video_ice_servers")
    assert row.resource_id == str(booked.id) and row.patient_id == personas.alice.id


def test_it_gives_turn_to_staff_finding_5(app, personas):
    app.config.update(TURN)
    assert has_turn(precall_servers(app, personas.una))


def test_it_gives_the_echo_no_relay_without_an_appointment_finding_5(app, personas,
                                                                     monkeypatch):
    app.config.update(TURN)
    seen = []
    monkeypatch.setattr(media, "echo_answer", lambda request: seen.append(request) or "v=0\r\n")
    response = echo_post(app, personas.bob, {"type": "offer", "sdp": SDP_OFFER})
    assert response.status_code == 200
    assert not has_turn(seen[0].ice_servers)


# --- finding 6: the echo never aims at internal addresses in production ---------------------


def echo_post(app, user, body, client=None):
    client = client or app.test_client()
    sign_in(app, client, user)
    token = csrf_token(client, "/account")
    return client.post("/video/test/echo", json=body, headers={"X-CSRFToken": token})


PRIVATE_OFFER = SDP_OFFER.replace("192.168.1.20", "10.0.0.5") + (
    "a=candidate:3 1 udp 1686052607 80.71.142.10 50002 typ srflx raddr 0.0.0.0 rport 0\r\n")


def offered_to_echo(app, personas, monkeypatch) -> str:
    seen = []
    monkeypatch.setattr(media, "echo_answer", lambda request: seen.append(request) or "v=0\r\n")
    assert echo_post(app, personas.alice, {"type": "offer", "sdp": PRIVATE_OFFER}).status_code \
        == 200
    return seen[0].offer_sdp


def test_it_drops_loopback_and_private_candidates_in_production_finding_6(app, personas,
                                                                          monkeypatch):
    app.config.update(ENV="production", VIDEO_MEDIA_NETWORKS="")
    offer = offered_to_echo(app, personas, monkeypatch)
    assert "127.0.0.1 50000" not in offer and "10.0.0.5" not in offer
    assert "80.71.142.10 50002" in offer  # a public (reflexive) address still works


def test_it_lets_a_named_range_through_in_production_finding_6(app, personas, monkeypatch):
    app.config.update(ENV="production", VIDEO_MEDIA_NETWORKS="",
                      VIDEO_ECHO_ALLOWED_NETWORKS="10.0.0.0/8")
    offer = offered_to_echo(app, personas, monkeypatch)
    assert "10.0.0.5 50001" in offer and "127.0.0.1 50000" not in offer


def test_it_keeps_loopback_outside_production_finding_6(app, personas, monkeypatch):
    offer = offered_to_echo(app, personas, monkeypatch)
    assert "127.0.0.1 50000" in offer


@pytest.mark.parametrize("key", ["VIDEO_ECHO_ALLOWED_NETWORKS", "VIDEO_MEDIA_NETWORKS"])
def test_it_refuses_to_start_with_a_bad_allowed_network_finding_6(tmp_path, key):
    from app import ConfigError, create_app

    with pytest.raises(ConfigError, match=key):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 40,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "INSTANCE_PATH": str(tmp_path), key: "10.0.0/33"})


# --- finding 7: the echo cannot be hogged ----------------------------------------------------


def offer_sdp() -> str:
    """A real aiortc offer (its peer is closed at once, so the echo never connects)."""
    from aiortc import RTCPeerConnection

    from tests.video.client import PatternTrack

    async def make() -> str:
        pc = RTCPeerConnection(media.rtc_configuration([]))
        pc.addTrack(PatternTrack(160, 120))
        await pc.setLocalDescription(await pc.createOffer())
        await pc.close()
        return pc.localDescription.sdp

    return run_async(make())


def test_it_rate_limits_the_echo_with_a_clear_message_finding_7(app, personas, monkeypatch):
    app.config["VIDEO_ECHO_LIMIT"] = "2 per minute"
    monkeypatch.setattr(media, "echo_answer", lambda request: "v=0\r\n")
    client = app.test_client()
    statuses = [echo_post(app, personas.alice, {"type": "offer", "sdp": SDP_OFFER}, client)
                for _ in range(3)]
    assert [s.status_code for s in statuses] == [200, 200, 429]
    assert "wait a few minutes" in statuses[-1].json["detail"]


def test_it_limits_each_user_on_their_own_finding_7(app, personas, monkeypatch):
    app.config["VIDEO_ECHO_LIMIT"] = "1 per minute"
    monkeypatch.setattr(media, "echo_answer", lambda request: "v=0\r\n")
    offer = {"type": "offer", "sdp": SDP_OFFER}
    assert echo_post(app, personas.alice, offer).status_code == 200
    assert echo_post(app, personas.bob, offer).status_code == 200


def test_it_drops_an_echo_that_never_connects_finding_7(app, personas, monkeypatch):
    import time

    monkeypatch.setattr(media, "ECHO_IDLE_SECONDS", 0.5)
    try:
        assert echo_post(app, personas.alice, {"type": "offer", "sdp": offer_sdp()}) \
            .status_code == 200
        assert media.echo_count() == 1
        time.sleep(1.5)
        assert media.echo_count() == 0
    finally:
        media_loop.shutdown()


# --- finding 8: the room follows the care assignment ----------------------------------------


def reassign_alice_to_una(app, personas) -> None:
    with app.app_context():
        alice, una = db.session.get(User, personas.alice.id), db.session.get(User, personas.una.id)
        caseload.assign(alice, una, by=db.session.get(User, personas.ada.id))
        db.session.commit()


@pytest.mark.parametrize("what", ["page", "ice-servers", "join"])
def test_it_shuts_the_old_therapist_out_after_reassignment_finding_8(app, personas, booked,
                                                                     room_api, what):
    theo = room_api(personas.theo, booked.room_id)
    reassign_alice_to_una(app, personas)
    if what == "page":
        response = theo.client.get(f"/video/{booked.room_id}")
    elif what == "ice-servers":
        response = theo.client.get(f"/video/{booked.room_id}/ice-servers")
    else:
        response = theo.join()
    assert response.status_code == 404
    assert audit_rows(app, resource_type="video_room", outcome="denied")


def test_it_keeps_the_room_for_the_patient_after_reassignment_finding_8(app, personas, booked,
                                                                        room_api):
    reassign_alice_to_una(app, personas)
    alice = room_api(personas.alice, booked.room_id)
    assert alice.client.get(f"/video/{booked.room_id}").status_code == 200


# --- finding 12e: deeply nested JSON ---------------------------------------------------------

DEEP = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"type": "offer", "sdp": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_it_refuses_deep_json_at_signal_finding_12e(app, personas, booked, room_api, body):
    _alice, theo = in_call(app, personas, booked, room_api)
    response = theo.client.post(f"/video/{theo.room_id}/signal", data=body,
                                headers={"X-CSRFToken": theo.csrf,
                                         "Content-Type": "application/json"})
    assert response.status_code == 400 and "nested" in response.json["detail"]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_it_refuses_deep_json_at_the_echo_finding_12e(app, personas, body):
    client = app.test_client()
    sign_in(app, client, personas.alice)
    response = client.post("/video/test/echo", data=body,
                           headers={"X-CSRFToken": csrf_token(client, "/account"),
                                    "Content-Type": "application/json"})
    assert response.status_code == 400 and "nested" in response.json["detail"]


def appointment_links(client, url: str, booked) -> list:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return [a for a in page.find_all("a", href=True)
            if a["href"].endswith(f"/appointments/{booked.id}")
            or a["href"].endswith(f"/video/{booked.room_id}")]


@pytest.mark.parametrize("url", ["/appointments", "/video/today"])
def test_it_drops_the_reassigned_patient_from_the_old_therapists_lists_finding_8(
        app, personas, booked, url):
    client = app.test_client()
    sign_in(app, client, personas.theo)
    assert appointment_links(client, url, booked)
    reassign_alice_to_una(app, personas)
    assert not appointment_links(client, url, booked)
