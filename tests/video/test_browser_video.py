"""In Chromium with fake camera and microphone, on loopback only: the waiting room, a call,
its reconnection, the pre-call test, and a call between a browser and the headless client."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.helpers import sign_in
from tests.video.client import CallClient
from tests.video.conftest import load

pytestmark = pytest.mark.browser

STATS = "() => window.peerWatch.stats()"
PEER_WATCH = Path(__file__).with_name("peer_watch.js")


def cookie_for(app, user) -> str:
    client = app.test_client()
    sign_in(app, client, user)
    return client.get_cookie("stepcare").value


def context_for(browser: Browser, app, live_server, user) -> BrowserContext:
    context = browser.new_context()
    context.add_init_script(path=PEER_WATCH)
    context.add_cookies([{"name": "stepcare", "value": cookie_for(app, user),
                          "url": live_server}])
    return context


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)
    return problems


def wait_for_media(page: Page, timeout: float = 20) -> dict:
    """Poll getStats until video frames are decoded over a connected DTLS transport."""
    deadline = time.monotonic() + timeout
    stats = None
    while time.monotonic() < deadline:
        stats = page.evaluate(STATS)
        if stats and stats["framesDecoded"] > 0 and stats["dtlsState"] == "connected":
            return stats
        page.wait_for_timeout(200)
    raise AssertionError(f"no media within {timeout} s: {stats}")


@pytest.fixture
def two_pages(media_browser: Browser, app, live_server, personas, booked):
    patient = context_for(media_browser, app, live_server, personas.alice)
    therapist = context_for(media_browser, app, live_server, personas.theo)
    yield patient.new_page(), therapist.new_page()
    patient.close()
    therapist.close()


def admitted_call(live_server, booked, patient: Page, therapist: Page) -> None:
    url = f"{live_server}/video/{booked.room_id}"
    patient.goto(url)
    expect(patient.locator("#call-status")).to_contain_text("waiting room")
    therapist.goto(url)
    expect(therapist.locator("#call-status")).to_contain_text("is waiting since")
    therapist.get_by_role("button", name="Let Alice Andersen in").click()


def test_it_connects_patient_and_therapist_through_the_waiting_room(app, live_server, booked,
                                                                    two_pages):
    patient, therapist = two_pages
    problems = watch_console(patient) + watch_console(therapist)
    admitted_call(live_server, booked, patient, therapist)
    for page in (patient, therapist):
        stats = wait_for_media(page)
        assert stats["framesDecoded"] > 0 and stats["dtlsState"] == "connected"
    expect(patient.locator("#call-connection")).to_have_text("Connected")
    expect(patient.locator("#call-status")).to_have_text("You are in the call.")
    assert load(app, booked.id).status == "in_call"
    assert not [p for p in problems if "Content Security Policy" in p]


def test_it_ends_the_call_for_both_when_the_therapist_hangs_up(app, live_server, booked,
                                                               two_pages):
    patient, therapist = two_pages
    admitted_call(live_server, booked, patient, therapist)
    wait_for_media(therapist)
    therapist.get_by_role("button", name="End the consultation").click()
    expect(patient.locator("#call-status")).to_contain_text("The consultation has ended")
    expect(therapist.locator("#call-after")).to_be_visible()
    appointment = load(app, booked.id)
    assert appointment.status == "ended" and appointment.connected_at is not None


def test_it_offers_mute_and_camera_off(app, live_server, booked, two_pages):
    patient, therapist = two_pages
    admitted_call(live_server, booked, patient, therapist)
    wait_for_media(patient)
    patient.get_by_role("button", name="Mute").click()
    expect(patient.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed",
                                                                           "true")
    patient.get_by_role("button", name="Turn camera off").click()
    assert patient.evaluate(
        "() => document.getElementById('local-video').srcObject.getVideoTracks()[0].enabled"
    ) is False


def test_it_reconnects_with_an_ice_restart(app, live_server, booked, two_pages):
    patient, therapist = two_pages
    admitted_call(live_server, booked, patient, therapist)
    wait_for_media(therapist)
    ufrag = "() => window.peerWatch.pc.localDescription.sdp.match(/a=ice-ufrag:(\\S+)/)[1]"
    before = therapist.evaluate(ufrag)
    frames = therapist.evaluate(STATS)["framesDecoded"]
    patient.evaluate("() => window.peerWatch.fail()")
    therapist.wait_for_function(f"() => ({ufrag})() !== {before!r}", timeout=10_000)
    therapist.wait_for_function(
        f"async () => (await window.peerWatch.stats()).framesDecoded > {frames + 20}",
        timeout=10_000)
    expect(patient.locator("#call-connection")).to_have_text("Connected")


def test_it_recovers_when_the_patient_reloads_the_page(app, live_server, booked, two_pages):
    patient, therapist = two_pages
    admitted_call(live_server, booked, patient, therapist)
    wait_for_media(patient)
    patient.reload()
    wait_for_media(patient)
    wait_for_media(therapist)
    # Media can flow before the page's "connected" report reaches the server: poll for it.
    deadline = time.monotonic() + 15
    while load(app, booked.id).reconnects < 1 and time.monotonic() < deadline:
        patient.wait_for_timeout(200)
    assert load(app, booked.id).reconnects >= 1


def test_it_refuses_a_third_person(media_browser: Browser, app, live_server, personas, booked):
    for intruder in (personas.bob, personas.una):
        context = context_for(media_browser, app, live_server, intruder)
        page = context.new_page()
        response = page.goto(f"{live_server}/video/{booked.room_id}")
        assert response.status == 404
        expect(page.locator("#video-call")).to_have_count(0)
        context.close()


def test_it_passes_the_pre_call_test(media_browser: Browser, app, live_server, personas):
    context = context_for(media_browser, app, live_server, personas.alice)
    page = context.new_page()
    problems = watch_console(page)
    page.goto(f"{live_server}/video/test")
    page.get_by_role("button", name="Start the test").click()
    for check in ("camera", "microphone", "connection"):
        expect(page.locator(f"#check-{check}")).to_have_attribute("data-result", "ok",
                                                                  timeout=20_000)
    expect(page.locator("#check-connection")).to_contain_text("came back")
    assert float(page.locator("#precall-level").get_attribute("value") or 0) >= 0
    assert not [p for p in problems if "Content Security Policy" in p]
    context.close()


def run_in_thread(coroutine_factory):
    """Run a headless participant on its own event loop while Playwright drives the page."""
    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(coroutine_factory())
        except BaseException as exc:  # reported in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def test_it_lets_the_headless_client_join_a_browser_call(media_browser: Browser, app, live_server,
                                                        personas, booked):
    therapist_page = context_for(media_browser, app, live_server, personas.theo).new_page()
    ready = threading.Event()
    done = threading.Event()

    async def patient():
        client = CallClient(live_server, booked.room_id, size=(320, 240), poll_wait=5,
                            cookies={"stepcare": cookie_for(app, personas.alice)})
        try:
            await client.join()
            ready.set()
            await client.wait_for(lambda c: c.frames_received > 10, 30)
            stats = await client.stats()
            await asyncio.to_thread(done.wait, 30)
            return stats
        finally:
            await client.close()

    thread, result = run_in_thread(patient)
    assert ready.wait(15), result
    therapist_page.goto(f"{live_server}/video/{booked.room_id}")
    expect(therapist_page.locator("#call-status")).to_contain_text("is waiting since")
    therapist_page.get_by_role("button", name=re.compile("Let Alice Andersen in")).click()
    page_stats = wait_for_media(therapist_page)
    done.set()
    thread.join(40)
    assert "error" not in result, result.get("error")
    assert result["value"]["framesDecoded"] > 10 and result["value"]["dtlsState"] == "connected"
    assert page_stats["framesDecoded"] > 0
    therapist_page.context.close()


def test_it_lets_a_browser_patient_call_a_headless_therapist(media_browser: Browser, app,
                                                             live_server, personas, booked):
    patient_page = context_for(media_browser, app, live_server, personas.alice).new_page()
    patient_page.goto(f"{live_server}/video/{booked.room_id}")
    expect(patient_page.locator("#call-status")).to_contain_text("waiting room")
    done = threading.Event()

    async def therapist():
        client = CallClient(live_server, booked.room_id, size=(320, 240), poll_wait=5,
                            cookies={"stepcare": cookie_for(app, personas.theo)})
        try:
            await client.join()  # admits the waiting patient, then offers
            await client.wait_for(lambda c: c.frames_received > 10, 30)
            await asyncio.to_thread(done.wait, 30)
            return await client.stats()
        finally:
            await client.close()

    thread, result = run_in_thread(therapist)
    page_stats = wait_for_media(patient_page, timeout=30)
    done.set()
    thread.join(40)
    assert "error" not in result, result.get("error")
    assert result["value"]["framesDecoded"] > 10 and page_stats["dtlsState"] == "connected"
    patient_page.context.close()


def test_it_rebuilds_the_call_after_a_long_network_drop(app, live_server, booked, two_pages):
    from datetime import timedelta

    from app.db import db
    from video.models import Appointment
    from video.notify import room_changed

    patient, therapist = two_pages
    admitted_call(live_server, booked, patient, therapist)
    wait_for_media(patient)
    def poke(age: timedelta | None = None) -> None:
        with app.app_context():
            appointment = db.session.get(Appointment, booked.id)
            if age is not None:
                appointment.patient_seen_at -= age
            appointment.version += 1  # wakes the waiting polls
            room_changed(db.session, appointment.room_id)
            db.session.commit()

    patient.context.set_offline(True)  # the patient's page can no longer reach Stepcare
    poke()  # ends the poll the patient had under way (its answer is lost)
    therapist.wait_for_timeout(1000)
    poke(timedelta(minutes=2))  # as if the patient had been silent for longer than STALE_AFTER
    expect(therapist.locator("#call-status")).to_contain_text("has left the call")
    patient.context.set_offline(False)
    expect(therapist.locator("#call-status")).to_have_text("You are in the call.",
                                                           timeout=30_000)
    wait_for_media(therapist, timeout=30)
    wait_for_media(patient, timeout=30)


def test_it_shows_the_admit_button_only_once_the_patient_waits(app, live_server, booked,
                                                               two_pages):
    patient, therapist = two_pages
    url = f"{live_server}/video/{booked.room_id}"
    therapist.goto(url)
    expect(therapist.locator("#call-status")).to_contain_text("has not arrived yet")
    admit = therapist.get_by_role("button", name="Let Alice Andersen in")
    expect(admit).to_be_hidden()
    patient.goto(url)
    expect(admit).to_be_visible(timeout=5_000)  # the therapist's waiting poll wakes
    expect(therapist.locator("#call-status")).to_contain_text("is waiting since")
