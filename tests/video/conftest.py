"""Video fixtures: appointments, a JSON client for the room's endpoints, loopback-only media.

Media in tests stays on 127.0.0.1 (see /work/shared/reference/browser.md): the
documented settings ``STEPCARE_VIDEO_HOST_ADDRESSES`` (aioice's host
addresses) and ``STEPCARE_VIDEO_MEDIA_NETWORKS=127.0.0.0/8`` (signalling keeps 127.0.0.1
candidates only) are set as an operator would set them, and no ICE servers
are configured, so ``iceServers`` is ``[]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.db import db, utcnow
from tests.conftest import CHROMIUM_ARGS
from tests.helpers import sign_in
from video import operations
from video.models import Appointment

MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(autouse=True)
def _loopback_media(monkeypatch):
    monkeypatch.setenv("STEPCARE_VIDEO_HOST_ADDRESSES", "127.0.0.1")
    monkeypatch.setenv("STEPCARE_VIDEO_MEDIA_NETWORKS", "127.0.0.0/8")


@pytest.fixture(scope="module")
def media_browser(playwright, browser_type_launch_args):
    """Chromium with the fake camera and microphone and loopback WebRTC.

    Its own browser, not pytest-playwright's session-wide one: that one is launched once,
    with the flags of whichever test asked first.
    """
    browser = playwright.chromium.launch(**{**browser_type_launch_args,
                                            "args": [*CHROMIUM_ARGS, *MEDIA_ARGS]})
    yield browser
    browser.close()


@dataclass(frozen=True)
class Booked:
    id: int
    room_id: str
    patient_id: int
    therapist_id: int
    starts_at: datetime


def book(app, patient_id: int, therapist_id: int, *, starts_in: timedelta = timedelta(0),
         minutes: int = 45, at: datetime | None = None) -> Booked:
    with app.app_context():
        patient, therapist = db.session.get(User, patient_id), db.session.get(User, therapist_id)
        appointment = operations.book(therapist=therapist, patient=patient,
                                      starts_at=at or utcnow() + starts_in,
                                      duration_minutes=minutes,
                                      by=therapist)
        db.session.commit()
        return Booked(appointment.id, appointment.room_id, patient_id, therapist_id,
                      appointment.starts_at)


@pytest.fixture
def booked(app, personas) -> Booked:
    """Alice with Theo, starting now: the room is open."""
    return book(app, personas.alice.id, personas.theo.id)


def load(app, appointment_id: int) -> Appointment:
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        db.session.expunge(appointment)
        return appointment


def audit_rows(app, **filters) -> list[AuditEvent]:
    with app.app_context():
        query = db.select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)
        rows = list(db.session.execute(query).scalars())
        db.session.expunge_all()
        return rows


DATA_CSRF_RE = re.compile(r'data-csrf="([^"]+)"')


class RoomApi:
    """A participant's page, as call.js drives it, over Flask's test client."""

    def __init__(self, app, user: User, room_id: str):
        self.app = app
        self.client = app.test_client()
        self.room_id = room_id
        sign_in(app, self.client, user)
        page = self.client.get(f"/video/{room_id}")
        match = DATA_CSRF_RE.search(page.get_data(as_text=True))
        self.csrf = match.group(1) if match else self._any_token()
        self.session: str | None = None
        self.cursor = 0
        self.version = -1

    def _any_token(self) -> str:
        from tests.helpers import csrf_token

        return csrf_token(self.client, "/account")

    def post(self, action: str, body=None, **kwargs):
        kwargs.setdefault("json", body if body is not None else {})
        return self.client.post(f"/video/{self.room_id}/{action}",
                                headers={"X-CSRFToken": self.csrf}, **kwargs)

    def join(self):
        response = self.post("join")
        if response.status_code == 200:
            self.session, self.cursor = response.json["session"], response.json["cursor"]
            self.version = response.json["state"]["version"]
        return response

    def poll(self, wait: float = 0):
        response = self.post("poll", {"session": self.session, "after": self.cursor,
                                      "version": self.version, "wait": wait})
        if response.status_code == 200:
            self.cursor = response.json["cursor"]
            self.version = response.json["state"]["version"]
        return response

    def action(self, name: str):
        return self.post(name, {"session": self.session})

    def send(self, message: dict, to: str | None):
        return self.post("signal", {"session": self.session, "to": to, "message": message})


@pytest.fixture
def room_api(app):
    return lambda user, room_id: RoomApi(app, user, room_id)


SDP_OFFER = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n"
    "a=candidate:2 1 udp 2122194687 192.168.1.20 50001 typ host\r\n"
)


def candidate(address: str = "127.0.0.1") -> dict:
    return {"type": "candidate", "candidate": f"candidate:1 1 udp 2122260223 {address} 5000 "
            "typ host", "sdpMid": "0", "sdpMLineIndex": 0}


def in_call(app, personas, booked, room_api) -> tuple[RoomApi, RoomApi]:
    """Alice waiting, Theo admits her: both pages are in the room and may signal."""
    alice, theo = room_api(personas.alice, booked.room_id), room_api(personas.theo, booked.room_id)
    assert alice.join().status_code == 200
    assert theo.join().status_code == 200
    assert theo.action("admit").status_code == 200
    return alice, theo


def at(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def run_async(coroutine):
    """``asyncio.run`` on a thread of its own: Playwright's sync API keeps a loop running
    on the main thread once a browser test has run."""
    import asyncio
    import threading

    outcome: dict = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
