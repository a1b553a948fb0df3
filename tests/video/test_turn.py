"""coturn REST-scheme TURN credentials (video/turn.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from video.turn import ice_servers, turn_credentials, verify_turn_credentials

SECRET = "north-wind-secret"
NOW = 1_900_000_000


def _by_hand(secret: str, username: str) -> str:
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def test_it_formats_the_username_as_expiry_colon_user_ref():
    creds = turn_credentials(SECRET, "appt7f3a", 600, now=NOW)
    assert creds["username"] == f"{NOW + 600}:appt7f3a"
    assert creds["expires_at"] == NOW + 600
    assert creds["ttl"] == 600
    assert set(creds) == {"username", "credential", "ttl", "expires_at"}


def test_it_signs_with_base64_hmac_sha1_of_the_username():
    creds = turn_credentials(SECRET, "appt7f3a", 600, now=NOW)
    assert creds["credential"] == _by_hand(SECRET, f"{NOW + 600}:appt7f3a")


def test_it_matches_a_known_answer():
    # computed independently: printf '1000:abc' | openssl dgst -sha1 -hmac s -binary | base64
    creds = turn_credentials("s", "abc", 60, now=940)
    assert creds["credential"] == "wIz6fqJUCC36Q24cC6d5uFEeWrc="


def test_it_uses_the_current_time_when_now_is_omitted():
    import time

    before = int(time.time())
    creds = turn_credentials(SECRET, "ref", 60)
    assert before + 60 <= creds["expires_at"] <= int(time.time()) + 60


@pytest.mark.parametrize("ref", ["a:b", ":", "abc:", ":abc"])
def test_it_refuses_a_user_ref_with_a_colon(ref):
    with pytest.raises(ValueError, match="':'"):
        turn_credentials(SECRET, ref, 60, now=NOW)


@pytest.mark.parametrize("ref", ["", "x" * 65, "has space", "tab\there", "nul\x00", "é", None, 7])
def test_it_refuses_a_user_ref_that_is_not_an_opaque_id(ref):
    with pytest.raises(ValueError):
        turn_credentials(SECRET, ref, 60, now=NOW)


def test_it_accepts_a_64_character_user_ref():
    assert turn_credentials(SECRET, "x" * 64, 60, now=NOW)["username"].endswith("x" * 64)


@pytest.mark.parametrize("ttl", [0, -1, True, 1.5, "60"])
def test_it_refuses_a_non_positive_or_non_int_ttl(ttl):
    with pytest.raises(ValueError):
        turn_credentials(SECRET, "ref", ttl, now=NOW)


@pytest.mark.parametrize("secret", ["", None])
def test_it_refuses_an_empty_secret(secret):
    with pytest.raises(ValueError):
        turn_credentials(secret, "ref", 60, now=NOW)


def test_it_verifies_fresh_credentials():
    c = turn_credentials(SECRET, "ref", 600, now=NOW)
    assert verify_turn_credentials(SECRET, c["username"], c["credential"], now=NOW + 599)


def test_it_rejects_expired_credentials():
    c = turn_credentials(SECRET, "ref", 600, now=NOW)
    assert not verify_turn_credentials(SECRET, c["username"], c["credential"], now=NOW + 600)
    assert not verify_turn_credentials(SECRET, c["username"], c["credential"], now=NOW + 601)


def test_it_rejects_credentials_signed_with_another_secret():
    c = turn_credentials("other-secret", "ref", 600, now=NOW)
    assert not verify_turn_credentials(SECRET, c["username"], c["credential"], now=NOW)


def test_it_rejects_a_username_whose_expiry_was_pushed_forward():
    c = turn_credentials(SECRET, "ref", 600, now=NOW)
    forged = f"{NOW + 999_999}:ref"
    assert not verify_turn_credentials(SECRET, forged, c["credential"], now=NOW)


@pytest.mark.parametrize(
    "username",
    ["ref", "", ":ref", "abc:ref", "-5:ref", "１２３:ref", "9" * 5000 + ":ref", None],
)
def test_it_rejects_malformed_usernames_without_raising(username):
    assert verify_turn_credentials(SECRET, username, "x", now=NOW) is False


def test_it_rejects_a_non_ascii_credential_without_raising():
    assert verify_turn_credentials(SECRET, f"{NOW + 60}:ref", "é", now=NOW) is False


def test_it_returns_no_ice_servers_when_nothing_is_configured():
    assert ice_servers({}, "ref", now=NOW) == []
    assert ice_servers({"stun_urls": [], "turn_urls": "", "turn_secret": None}, "ref") == []


def test_it_omits_turn_without_a_secret():
    config = {"stun_urls": ["stun:stun.example.org:3478"], "turn_urls": ["turn:t.example.org"]}
    assert ice_servers(config, "ref", now=NOW) == [{"urls": ["stun:stun.example.org:3478"]}]


def test_it_builds_stun_and_turn_entries():
    config = {
        "stun_urls": "stun:turn.example.org:3478",
        "turn_urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
        "turn_secret": SECRET,
        "turn_ttl": 900,
    }
    stun, turn = ice_servers(config, "ref", now=NOW)
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert turn["urls"] == config["turn_urls"]
    assert turn["username"] == f"{NOW + 900}:ref"
    assert turn["credential"] == _by_hand(SECRET, f"{NOW + 900}:ref")


def test_it_defaults_the_turn_ttl_to_an_hour():
    config = {"turn_urls": "turn:t.example.org", "turn_secret": SECRET}
    assert ice_servers(config, "ref", now=NOW)[0]["username"] == f"{NOW + 3600}:ref"


@pytest.mark.parametrize(
    "config",
    [
        {"stun_urls": ["http://stun.example.org"]},
        {"stun_urls": ["turn:t.example.org"]},
        {"turn_urls": ["stun:s.example.org"], "turn_secret": SECRET},
        {"stun_urls": 3478},
    ],
)
def test_it_refuses_misconfigured_urls(config):
    with pytest.raises(ValueError):
        ice_servers(config, "ref", now=NOW)
