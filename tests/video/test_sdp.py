"""Signalling message validation and loopback-only SDP (video/sdp.py)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from video.sdp import (
    MAX_CANDIDATE_BYTES,
    MAX_SDP_BYTES,
    SignalError,
    candidate_within,
    candidates_within,
    validate_signal,
)

HOST_LOOPBACK = (
    "candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0 "
    "network-id 1 network-cost 10"
)
HOST_LAN = (
    "candidate:2169522962 1 udp 2122194687 192.168.1.23 51782 typ host generation 0 "
    "network-id 2 network-cost 10"
)

# An offer as Chromium writes it (trimmed), with loopback, LAN, IPv6, mDNS, srflx, TCP and
# relay candidates, CRLF line endings as on the wire.
CHROMIUM_OFFER_LINES = [
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS 5f1c2a9e-6a4b-4f7e-9d3c-0b8e7a6c5d4f",
    "m=audio 46243 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
    "c=IN IP4 203.0.113.7",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=" + HOST_LOOPBACK,
    "a=" + HOST_LAN,
    "a=candidate:3411740564 1 udp 2122129151 2001:db8::1a2b 53422 typ host generation 0 "
    "network-id 3 network-cost 10",
    "a=candidate:2999745851 1 udp 2122260223 5f8e3c1a-9d2b-4c7e-8f1a-2b3c4d5e6f70.local "
    "56143 typ host generation 0 network-id 1",
    "a=candidate:842163049 1 udp 1686052607 203.0.113.7 46243 typ srflx raddr 127.0.0.1 "
    "rport 46243 generation 0 network-id 1 network-cost 10",
    "a=candidate:3145654267 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0 "
    "network-id 1",
    "a=candidate:4233069003 1 tcp 1518214911 192.168.1.23 9 typ host tcptype active "
    "generation 0 network-id 2",
    "a=candidate:1593946364 1 udp 41885439 198.51.100.20 61122 typ relay raddr 203.0.113.7 "
    "rport 46243 generation 0 network-id 1",
    "a=ice-ufrag:Xp3q",
    "a=ice-pwd:9kQmY1c7u0yJ3b2l8Vw6nR4s",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 3B:7E:A2:11:0C:5D:9F:44:2A:8B:71:E0:6C:D3:19:FA:"
    "55:0E:B6:27:93:4C:DA:1F:88:02:7B:E5:36:C9:40:AD",
    "a=setup:actpass",
    "a=mid:0",
    "a=sendrecv",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:Xp3q",
    "a=ice-pwd:9kQmY1c7u0yJ3b2l8Vw6nR4s",
    "a=mid:1",
    "a=sendrecv",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=rtpmap:96 VP8/90000",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "a=end-of-candidates",
]
CHROMIUM_OFFER = "\r\n".join(CHROMIUM_OFFER_LINES) + "\r\n"

# --- keeping candidates within networks (VIDEO_MEDIA_NETWORKS) -----------------------

LOOPBACK = (ip_network("127.0.0.1/32"),)


def loopback_only(sdp: str) -> str:
    return candidates_within(sdp, LOOPBACK)


def candidate_is_loopback(line) -> bool:
    return candidate_within(line, LOOPBACK)


def _candidates(sdp: str) -> list[str]:
    return [line for line in sdp.split("\r\n") if line.startswith("a=candidate:")]


def test_it_keeps_only_the_loopback_candidates_of_a_chromium_offer():
    kept = _candidates(loopback_only(CHROMIUM_OFFER))
    assert len(_candidates(CHROMIUM_OFFER)) == 8
    assert kept == ["a=" + HOST_LOOPBACK, CHROMIUM_OFFER_LINES[15]]
    assert all(" 127.0.0.1 " in line for line in kept)


def test_it_drops_mdns_srflx_relay_ipv6_and_lan_candidates():
    out = loopback_only(CHROMIUM_OFFER)
    for marker in (".local", "typ srflx", "typ relay", "2001:db8::1a2b", "192.168.1.23 "):
        assert all(marker not in line for line in _candidates(out)), marker


def test_it_drops_a_srflx_candidate_whose_related_address_is_loopback():
    srflx = CHROMIUM_OFFER_LINES[14]
    assert "raddr 127.0.0.1" in srflx
    assert srflx not in loopback_only(CHROMIUM_OFFER)


def test_it_leaves_every_other_line_and_the_crlf_endings_untouched():
    out = loopback_only(CHROMIUM_OFFER)
    non_candidates = [ln for ln in CHROMIUM_OFFER_LINES if not ln.startswith("a=candidate:")]
    assert [ln for ln in out.split("\r\n") if not ln.startswith("a=candidate:")] == [
        *non_candidates,
        "",
    ]
    assert out.endswith("\r\n") and "\n" not in out.replace("\r\n", "")


def test_it_keeps_lf_only_sdp_lf_only():
    sdp = CHROMIUM_OFFER.replace("\r\n", "\n")
    assert "\r" not in loopback_only(sdp)


def test_it_filters_an_offer_that_still_validates():
    assert validate_signal({"type": "offer", "sdp": loopback_only(CHROMIUM_OFFER)})


@pytest.mark.parametrize("line", [HOST_LOOPBACK, "a=" + HOST_LOOPBACK, HOST_LOOPBACK + "\r"])
def test_it_recognises_a_loopback_candidate(line):
    assert candidate_is_loopback(line)


@pytest.mark.parametrize(
    "line",
    [
        HOST_LAN,
        CHROMIUM_OFFER_LINES[13][2:],  # mDNS
        CHROMIUM_OFFER_LINES[14],  # srflx, raddr 127.0.0.1
        "candidate:1 1 udp 1 127.0.0.10 9 typ host",
        "candidate:1 1 udp 1 127.0.0.1",  # truncated
        "a=rtcp:9 IN IP4 127.0.0.1",
        "",
        None,
    ],
)
def test_it_recognises_a_non_loopback_candidate(line):
    assert not candidate_is_loopback(line)


def test_it_keeps_the_candidates_of_every_network_named():
    lan = "a=candidate:2 1 udp 2122260223 10.20.0.7 50001 typ host generation 0"
    other = "a=candidate:3 1 udp 2122260223 192.168.1.23 50002 typ host generation 0"
    sdp = "\r\n".join(["v=0", lan, other, ""])
    kept = _candidates(candidates_within(sdp, (ip_network("10.0.0.0/8"),
                                               ip_network("127.0.0.0/8"))))
    assert kept == [lan]


# --- validate_signal: accepted shapes ----------------------------------------------


@pytest.mark.parametrize("kind", ["offer", "answer"])
def test_it_accepts_an_offer_or_answer(kind):
    assert validate_signal({"type": kind, "sdp": CHROMIUM_OFFER}) == {
        "type": kind,
        "sdp": CHROMIUM_OFFER,
    }


def test_it_accepts_a_candidate_and_returns_a_copy():
    msg = {"type": "candidate", "candidate": HOST_LAN, "sdpMid": "0", "sdpMLineIndex": 0}
    out = validate_signal(msg)
    assert out == msg and out is not msg


def test_it_fills_in_an_omitted_sdp_mid_or_index():
    out = validate_signal({"type": "candidate", "candidate": HOST_LAN, "sdpMLineIndex": 1})
    assert out == {"type": "candidate", "candidate": HOST_LAN, "sdpMid": None, "sdpMLineIndex": 1}


def test_it_accepts_a_browser_candidate_to_json_with_username_fragment():
    msg = {
        "type": "candidate",
        "candidate": HOST_LAN,
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "Xp3q",
    }
    assert validate_signal(msg) == msg


def test_it_accepts_the_end_of_candidates_marker():
    out = validate_signal({"type": "candidate", "candidate": "", "sdpMid": "0"})
    assert out["candidate"] == ""


@pytest.mark.parametrize("kind", ["bye", "restart"])
def test_it_accepts_bye_and_restart(kind):
    assert validate_signal({"type": kind}) == {"type": kind}


def test_it_accepts_an_sdp_of_exactly_64_kib():
    sdp = "v=0\r\n" + "a=x" * ((MAX_SDP_BYTES - 5) // 3) + "a" * ((MAX_SDP_BYTES - 5) % 3)
    assert len(sdp.encode()) == MAX_SDP_BYTES
    assert validate_signal({"type": "offer", "sdp": sdp})["sdp"] == sdp


# --- validate_signal: refused ------------------------------------------------------

BAD_MESSAGES = {
    "not a dict": ["type", "offer"],
    "none": None,
    "no type": {"sdp": CHROMIUM_OFFER},
    "unknown type": {"type": "hello"},
    "type not a string": {"type": 1},
    "type wrong case": {"type": "Offer", "sdp": CHROMIUM_OFFER},
    "offer without sdp": {"type": "offer"},
    "offer with extra key": {"type": "offer", "sdp": CHROMIUM_OFFER, "to": "therapist"},
    "non-string key": {"type": "bye", 1: 2},
    "sdp not a string": {"type": "offer", "sdp": ["v=0"]},
    "sdp not starting v=0": {"type": "offer", "sdp": "o=- 1 2 IN IP4 127.0.0.1\r\nv=0\r\n"},
    "sdp v=00": {"type": "offer", "sdp": "v=00\r\n"},
    "sdp leading space": {"type": "answer", "sdp": " v=0\r\n"},
    "sdp empty": {"type": "answer", "sdp": ""},
    "sdp over 64 KiB": {"type": "offer", "sdp": "v=0\r\n" + "a" * MAX_SDP_BYTES},
    "sdp over 64 KiB in UTF-8": {"type": "offer", "sdp": "v=0\r\n" + "é" * (MAX_SDP_BYTES // 2)},
    "sdp with NUL": {"type": "offer", "sdp": "v=0\r\n\x00"},
    "sdp with lone surrogate": {"type": "offer", "sdp": "v=0\r\ns=\ud800\r\n"},
    "bye with payload": {"type": "bye", "reason": "x"},
    "restart with sdp": {"type": "restart", "sdp": CHROMIUM_OFFER},
    "candidate missing": {"type": "candidate", "sdpMid": "0"},
    "candidate not string": {"type": "candidate", "candidate": 5, "sdpMid": "0"},
    "candidate over 1 KiB": {
        "type": "candidate",
        "candidate": "candidate:" + "1" * MAX_CANDIDATE_BYTES,
        "sdpMid": "0",
    },
    "candidate multi-line": {
        "type": "candidate",
        "candidate": HOST_LAN + "\r\na=candidate:evil",
        "sdpMid": "0",
    },
    "candidate without prefix": {"type": "candidate", "candidate": "1 1 udp", "sdpMid": "0"},
    "candidate with neither mid nor index": {"type": "candidate", "candidate": HOST_LAN},
    "candidate with both null": {
        "type": "candidate",
        "candidate": HOST_LAN,
        "sdpMid": None,
        "sdpMLineIndex": None,
    },
    "sdpMid not string": {"type": "candidate", "candidate": HOST_LAN, "sdpMid": 0},
    "sdpMid multi-line": {"type": "candidate", "candidate": HOST_LAN, "sdpMid": "0\r\nx"},
    "sdpMLineIndex bool": {"type": "candidate", "candidate": HOST_LAN, "sdpMLineIndex": True},
    "sdpMLineIndex float": {"type": "candidate", "candidate": HOST_LAN, "sdpMLineIndex": 0.0},
    "sdpMLineIndex negative": {"type": "candidate", "candidate": HOST_LAN, "sdpMLineIndex": -1},
    "sdpMLineIndex huge": {"type": "candidate", "candidate": HOST_LAN, "sdpMLineIndex": 10**9},
    "usernameFragment not string": {
        "type": "candidate",
        "candidate": HOST_LAN,
        "sdpMid": "0",
        "usernameFragment": 1,
    },
    "candidate extra key": {
        "type": "candidate",
        "candidate": HOST_LAN,
        "sdpMid": "0",
        "foundation": "1",
    },
}


@pytest.mark.parametrize("name", sorted(BAD_MESSAGES))
def test_it_refuses_a_malformed_message(name):
    with pytest.raises(SignalError):
        validate_signal(BAD_MESSAGES[name])


def test_it_names_the_unknown_key():
    with pytest.raises(SignalError, match="'to'"):
        validate_signal({"type": "offer", "sdp": CHROMIUM_OFFER, "to": "x"})


def test_it_names_the_size_limit():
    with pytest.raises(SignalError, match="65536 bytes"):
        validate_signal(BAD_MESSAGES["sdp over 64 KiB"])


def test_it_raises_a_value_error_subclass():
    assert issubclass(SignalError, ValueError)


# --- fuzzing -----------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(
    ["type", "sdp", "candidate", "sdpMid", "sdpMLineIndex", "usernameFragment", "x"]
)
TYPES = st.sampled_from(["offer", "answer", "candidate", "bye", "restart", "OFFER", ""])
VALUES = (
    JSON
    | TYPES
    | st.sampled_from([CHROMIUM_OFFER, HOST_LAN, "v=0", "v=0\r\n", "candidate:", "\ud800"])
    | st.integers(min_value=-2, max_value=2000)
    | st.builds(lambda s: "v=0\r\n" + s, ANY_TEXT)
    | st.builds(lambda s: "candidate:" + s, ANY_TEXT)
)
NEAR_VALID = st.builds(
    lambda kind, extra: {"type": kind, **extra},
    TYPES,
    st.dictionaries(KEYS | ANY_TEXT, VALUES, max_size=5),
)

SHORT_TEXT = st.text(max_size=60)
VALID = st.one_of(
    st.builds(
        lambda kind, body: {"type": kind, "sdp": "v=0\r\n" + body},
        st.sampled_from(["offer", "answer"]),
        ANY_TEXT,
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("candidate"),
            "candidate": st.just("") | st.builds(lambda s: "candidate:" + s, SHORT_TEXT),
            "sdpMid": st.none() | SHORT_TEXT,
            "sdpMLineIndex": st.none() | st.integers(min_value=0, max_value=1023),
        },
        optional={"usernameFragment": st.none() | SHORT_TEXT},
    ),
    st.builds(lambda kind: {"type": kind}, st.sampled_from(["bye", "restart"])),
)


def _mutate(message: dict, how: str, key: object, value: object) -> dict:
    out = dict(message)
    if how == "set":
        out[key] = value
    elif how == "drop":
        out.pop(key, None)
    return out


MUTATED = st.builds(
    _mutate, VALID, st.sampled_from(["keep", "set", "drop"]), KEYS | ANY_TEXT, VALUES
)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(MUTATED, NEAR_VALID, JSON, st.dictionaries(KEYS, VALUES, max_size=5)))
def test_it_either_returns_a_message_or_raises_signal_error(message):
    try:
        out = validate_signal(message)
    except SignalError:
        return
    assert isinstance(out, dict)
    assert validate_signal(out) == out  # a normalised message is itself valid


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CHROMIUM_OFFER_LINES) | ANY_TEXT, max_size=30))
def test_it_never_keeps_a_non_loopback_candidate(lines):
    out = loopback_only("\r\n".join(lines))
    for line in out.split("\n"):
        if line.startswith("a=candidate:"):
            assert candidate_is_loopback(line)
