"""ICE servers for a call: STUN from configuration, short-lived coturn REST credentials for TURN."""

from __future__ import annotations

import time

import pytest

from app import ConfigError, create_app
from app.config import from_environment
from tests.video.conftest import audit_rows
from video.turn import verify_turn_credentials

SECRET = "coturn-shared-secret-for-tests"


@pytest.fixture
def turn_config(app):
    app.config.update(STUN_URLS="stun:turn.example.org:3478",
                      TURN_URLS="turn:turn.example.org:3478?transport=udp, "
                                "turns:turn.example.org:5349?transport=tcp",
                      TURN_SECRET=SECRET, TURN_TTL=600)


def servers(api) -> dict:
    response = api.client.get(f"/video/{api.room_id}/ice-servers")
    assert response.status_code == 200
    return response.json


def test_it_gives_no_servers_when_none_are_configured(app, personas, booked, room_api):
    assert servers(room_api(personas.alice, booked.room_id))["iceServers"] == []


def test_it_lists_stun_and_turn_urls(app, personas, booked, room_api, turn_config):
    stun, turn = servers(room_api(personas.alice, booked.room_id))["iceServers"]
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert turn["urls"] == ["turn:turn.example.org:3478?transport=udp",
                            "turns:turn.example.org:5349?transport=tcp"]


def test_it_issues_credentials_coturn_accepts(app, personas, booked, room_api, turn_config):
    _stun, turn = servers(room_api(personas.theo, booked.room_id))["iceServers"]
    assert verify_turn_credentials(SECRET, turn["username"], turn["credential"])


def test_it_makes_the_credentials_expire_after_the_ttl(app, personas, booked, room_api,
                                                        turn_config):
    before = int(time.time())
    _stun, turn = servers(room_api(personas.theo, booked.room_id))["iceServers"]
    expiry = int(turn["username"].split(":")[0])
    assert before + 600 <= expiry <= int(time.time()) + 600
    assert not verify_turn_credentials(SECRET, turn["username"], turn["credential"],
                                       now=expiry)


def test_it_names_nobody_in_the_turn_username(app, personas, booked, room_api, turn_config):
    _stun, turn = servers(room_api(personas.alice, booked.room_id))["iceServers"]
    opaque = turn["username"].split(":", 1)[1]
    assert len(opaque) == 24 and all(c in "0123456789abcdef" for c in opaque)
    assert booked.room_id not in turn["username"]


def test_it_gives_each_participant_their_own_username(app, personas, booked, room_api,
                                                      turn_config):
    alice = servers(room_api(personas.alice, booked.room_id))["iceServers"][1]["username"]
    theo = servers(room_api(personas.theo, booked.room_id))["iceServers"][1]["username"]
    assert alice.split(":")[1] != theo.split(":")[1]


@pytest.mark.parametrize("who", ["bob", "una"])
def test_it_gives_credentials_to_participants_only(app, personas, booked, room_api,
                                                   turn_config, who):
    api = room_api(getattr(personas, who), booked.room_id)
    assert api.client.get(f"/video/{booked.room_id}/ice-servers").status_code == 404


def test_it_audits_each_issue_of_credentials(app, personas, booked, room_api):
    servers(room_api(personas.alice, booked.room_id))
    [row] = audit_rows(app, resource_type="video_ice_servers")
    assert row.patient_id == personas.alice.id


def test_it_reads_the_turn_secret_from_a_file(tmp_path):
    secret = tmp_path / "turn_secret"
    secret.write_text(SECRET + "\n")
    assert from_environment({"STEPCARE_TURN_SECRET_FILE": str(secret)})["TURN_SECRET"] == SECRET


def test_it_reads_the_ttl_as_a_number():
    assert from_environment({"STEPCARE_TURN_TTL": "900"})["TURN_TTL"] == 900


def _app(tmp_path, **settings):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                       "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_it_refuses_to_start_with_turn_urls_but_no_secret(tmp_path):
    with pytest.raises(ConfigError, match="STEPCARE_TURN_SECRET"):
        _app(tmp_path, TURN_URLS="turn:turn.example.org:3478")


def test_it_refuses_to_start_with_a_url_that_is_not_stun(tmp_path):
    with pytest.raises(ConfigError, match="STUN_URLS|stun_urls"):
        _app(tmp_path, STUN_URLS="http://example.org")


def test_it_refuses_to_start_with_a_ttl_that_is_not_positive(tmp_path):
    with pytest.raises(ConfigError, match="TURN_TTL"):
        _app(tmp_path, TURN_URLS="turn:t.example.org", TURN_SECRET=SECRET, TURN_TTL=0)
