"""The pre-call test's echo: a server-side aiortc peer that sends the media straight back."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from tests.helpers import csrf_token, sign_in
from tests.video.client import PatternTrack
from tests.video.conftest import run_async
from video import media
from video.media import echo_count, media_loop


@pytest.fixture
def echo_client(app, personas):
    client = app.test_client()
    sign_in(app, client, personas.alice)
    token = csrf_token(client, "/account")
    yield lambda body: client.post("/video/test/echo", json=body,
                                   headers={"X-CSRFToken": token})
    media_loop.shutdown()


async def offer_to(post) -> tuple[RTCPeerConnection, int]:
    """Send an aiortc offer to the echo; return the peer and the status."""
    pc = RTCPeerConnection(media.rtc_configuration([]))
    pc.addTrack(PatternTrack(160, 120, fps=15))
    received = asyncio.Event()

    @pc.on("track")
    def on_track(track):
        async def consume():
            await track.recv()
            received.set()
        asyncio.ensure_future(consume())

    await pc.setLocalDescription(await pc.createOffer())
    response = await asyncio.to_thread(post, {"type": "offer",
                                              "sdp": pc.localDescription.sdp})
    if response.status_code == 200:
        await pc.setRemoteDescription(RTCSessionDescription(**response.json))
        await asyncio.wait_for(received.wait(), 15)
    pc.received = received.is_set()
    return pc, response.status_code


def test_it_sends_the_video_straight_back(echo_client):
    async def run():
        pc, status = await offer_to(echo_client)
        await pc.close()
        return status, pc.received

    assert run_async(run()) == (200, True)


def test_it_answers_with_loopback_candidates_only(echo_client):
    async def run():
        pc = RTCPeerConnection(media.rtc_configuration([]))
        pc.addTrack(PatternTrack(160, 120))
        await pc.setLocalDescription(await pc.createOffer())
        response = await asyncio.to_thread(echo_client, {"type": "offer",
                                                         "sdp": pc.localDescription.sdp})
        await pc.close()
        return response.json["sdp"]

    candidates = [line for line in run_async(run()).splitlines()
                  if line.startswith("a=candidate:")]
    assert candidates and all(" 127.0.0.1 " in line for line in candidates)


def test_it_replaces_a_users_earlier_echo(echo_client):
    async def run():
        first, _ = await offer_to(echo_client)
        second, _ = await offer_to(echo_client)
        count = await asyncio.to_thread(echo_count)
        await first.close()
        await second.close()
        return count

    assert run_async(run()) == 1


def test_it_says_busy_when_the_process_has_enough_echoes(app, echo_client):
    app.config["VIDEO_ECHO_MAX_SESSIONS"] = 0

    async def run():
        pc, status = await offer_to(echo_client)
        await pc.close()
        return status

    assert run_async(run()) == 503


def test_it_closes_an_echo_after_its_time_limit(echo_client, monkeypatch):
    monkeypatch.setattr(media, "ECHO_TIMEOUT_SECONDS", 0.5)

    async def run():
        pc, _status = await offer_to(echo_client)
        await asyncio.sleep(1.5)
        count = await asyncio.to_thread(echo_count)
        await pc.close()
        return count

    assert run_async(run()) == 0


def test_it_closes_every_echo_at_shutdown(echo_client):
    async def run():
        pc, _status = await offer_to(echo_client)
        before = await asyncio.to_thread(echo_count)
        await asyncio.to_thread(media_loop.shutdown)
        await pc.close()
        return before

    assert run_async(run()) == 1
    assert media.echoes.count == 0


def test_it_restarts_the_loop_after_a_shutdown():
    media_loop.shutdown()
    assert media_loop.run(asyncio.sleep(0, result="alive"), 5) == "alive"
    media_loop.shutdown()


def test_it_refuses_an_answer_where_an_offer_belongs(echo_client):
    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    assert echo_client({"type": "answer", "sdp": sdp}).status_code == 400


def test_it_refuses_an_offer_aiortc_cannot_use(echo_client):
    sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=bogus\r\n"
    started = time.monotonic()
    assert echo_client({"type": "offer", "sdp": sdp}).status_code == 400
    assert time.monotonic() - started < 10
