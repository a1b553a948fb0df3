"""A headless participant for video calls: aiortc media over Stepcare's real HTTP signalling.

It does what the call page's JavaScript does (``static/video/call.js``), through
the same endpoints: join, long-poll, admit (as the therapist), offer or
answer, report "connected", hang up. Tests use it to join a call with a
browser; ``bench/video_signalling.py`` runs fifty rooms of them.

Sign in with :meth:`CallClient.login` (the real forms, with TOTP for staff),
or hand over an existing session's cookies. Everything aiortc runs on the
caller's event loop; HTTP runs on a small thread pool of its own, so a
waiting long poll never blocks media.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.contrib.media import MediaBlackhole
from aiortc.mediastreams import AudioStreamTrack
from aiortc.sdp import candidate_from_sdp

from video.media import rtc_configuration, use_host_addresses

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DATA_CSRF_RE = re.compile(r'data-csrf="([^"]+)"')
POLL_WAIT = 15


class ClientError(RuntimeError):
    """The server refused something the client needed (a status and a reason)."""


@dataclass
class Response:
    status: int
    body: bytes
    location: str | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # answer 302 as it is: a redirect to /login means "signed out"


class Http:
    """Just enough of a browser: a cookie jar for one site, and JSON or form POSTs."""

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, threads: int = 4):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http:// or https:// URL")
        self.base_url = base_url.rstrip("/")
        self.cookies = dict(cookies or {})
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="call-client")

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
              timeout: float) -> Response:
        # The scheme was checked in __init__ (http or https only).
        request = urllib.request.Request(self.base_url + path, data=body,  # noqa: S310
                                         method=method)
        for key, value in headers.items():
            request.add_header(key, value)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with self.opener.open(request, timeout=timeout) as reply:
                return self._response(reply.status, reply.read(), reply.headers)
        except urllib.error.HTTPError as error:
            return self._response(error.code, error.read(), error.headers)

    def _response(self, status: int, body: bytes, headers) -> Response:
        for header in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(status, body, headers.get("Location"))

    async def request(self, method: str, path: str, *, json_body: Any = None,
                      form: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                      timeout: float = 30.0) -> Response:
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.pool, self._send, method, path, body, headers, timeout)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class PatternTrack(VideoStreamTrack):
    """A synthetic camera: a frame whose colour drifts, so every frame differs."""

    def __init__(self, width: int = 320, height: int = 240, fps: int = 15) -> None:
        super().__init__()
        self.width, self.height = width, height
        self._period = 1 / fps
        self._start: float | None = None
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        self._count += 1
        wait = self._start + self._count * self._period - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        shade = (self._count * 3) % 200 + 28
        for plane, value in zip(frame.planes, (shade, 128, 255 - shade), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = int(self._count * self._period * 90000)
        frame.time_base = fractions.Fraction(1, 90000)
        return frame


@dataclass
class Timings:
    """Monotonic times of the call's milestones, for tests and benchmarks."""

    joined: float | None = None
    admitted: float | None = None
    connected: float | None = None
    first_frame: float | None = None
    marks: dict[str, float] = field(default_factory=dict)


class CallClient:
    """One participant (patient or therapist) in one room."""

    def __init__(self, base_url: str, room_id: str, *, cookies: dict[str, str] | None = None,
                 video: bool = True, audio: bool = True, size: tuple[int, int] = (320, 240),
                 fps: int = 15, auto_admit: bool = True, poll_wait: float = POLL_WAIT,
                 host_addresses: list[str] | None = None) -> None:
        self.http = Http(base_url, cookies)
        self.room_id = room_id
        self.video, self.audio = video, audio
        self.size, self.fps = size, fps
        self.auto_admit = auto_admit
        self.poll_wait = poll_wait
        if host_addresses:
            use_host_addresses(host_addresses)
        self.csrf: str | None = None
        self.session: str | None = None
        self.cursor = 0
        self.state: dict[str, Any] = {}
        self.pc: RTCPeerConnection | None = None
        self.peer_session: str | None = None
        self.ice_servers: list[dict] = []
        self.frames_received = 0
        self.timings = Timings()
        self.requests = 0
        self.errors: list[str] = []
        self._poller: asyncio.Task | None = None
        self._sinks: list[asyncio.Task] = []
        self._changed = asyncio.Event()
        self._reported_connected = False
        self._admitting = False

    # --- signing in -----------------------------------------------------------------------

    async def login(self, email: str, password: str, totp_secret: str | None = None) -> None:
        """Sign in through the login forms, as a person would."""
        import pyotp

        page = await self.http.request("GET", "/login")
        token = CSRF_RE.search(page.text).group(1)
        reply = await self.http.request("POST", "/login", form={
            "csrf_token": token, "email": email, "password": password})
        if reply.location and "/login/two-step" in reply.location:
            if not totp_secret:
                raise ClientError("this account needs a TOTP secret")
            page = await self.http.request("GET", "/login/two-step")
            token = CSRF_RE.search(page.text).group(1)
            reply = await self.http.request("POST", "/login/two-step", form={
                "csrf_token": token, "code": pyotp.TOTP(totp_secret).now()})
        if reply.status != 302 or (reply.location or "").endswith("/login"):
            raise ClientError(f"login failed ({reply.status})")

    # --- the room --------------------------------------------------------------------------

    async def _post(self, path: str, body: dict, timeout: float = 30.0) -> Response:
        self.requests += 1
        return await self.http.request("POST", f"/video/{self.room_id}{path}", json_body=body,
                                       headers={"X-CSRFToken": self.csrf or ""}, timeout=timeout)

    async def join(self) -> dict[str, Any]:
        page = await self.http.request("GET", f"/video/{self.room_id}")
        if page.status != 200:
            raise ClientError(f"the call page answered {page.status}")
        self.csrf = DATA_CSRF_RE.search(page.text).group(1)
        servers = await self.http.request("GET", f"/video/{self.room_id}/ice-servers")
        self.ice_servers = servers.json()["iceServers"]
        reply = await self._post("/join", {})
        if reply.status != 200:
            raise ClientError(f"join answered {reply.status}: {reply.text[:200]}")
        data = reply.json()
        self.session, self.cursor = data["session"], data["cursor"]
        self.timings.joined = time.monotonic()
        await self._apply(data["state"])
        self._poller = asyncio.create_task(self._poll_loop())
        return data["state"]

    async def _poll_loop(self) -> None:
        while self.session:
            try:
                reply = await self._post("/poll", {
                    "session": self.session, "after": self.cursor,
                    "version": self.state.get("version", -1), "wait": self.poll_wait,
                }, timeout=self.poll_wait + 15)
            except OSError as error:
                self.errors.append(f"poll: {error}")
                await asyncio.sleep(0.5)
                continue
            if reply.status != 200:
                self.errors.append(f"poll answered {reply.status}")
                self.session = None
                break
            data = reply.json()
            self.cursor = data["cursor"]
            await self._apply(data["state"])
            for message in data["messages"]:
                await self._handle(message)

    async def _apply(self, state: dict[str, Any]) -> None:
        self.state = state
        self._changed.set()
        if state["finished"]:
            await self._close_peer()
            self.session = None
            return
        if state["role"] == "therapist" and state["can_admit"] and self.auto_admit:
            asyncio.create_task(self.admit())
        if not state["live"] or not state["peer_present"]:
            await self._close_peer()
            return
        if state["peer_session"] != self.peer_session:
            await self._close_peer()
            self.peer_session = state["peer_session"]
            if state["role"] == "therapist":
                await self._offer()
        elif state["status"] == "admitted" and self.pc and self.pc.connectionState == "connected":
            await self._post("/connected", {"session": self.session})  # back after a drop

    async def admit(self) -> None:
        if self._admitting:
            return
        self._admitting = True
        try:
            reply = await self._post("/admit", {"session": self.session})
            if reply.status == 200:
                self.timings.admitted = time.monotonic()
                await self._apply(reply.json()["state"])
        finally:
            self._admitting = False

    async def hang_up(self) -> None:
        reply = await self._post("/hang-up", {"session": self.session})
        if reply.status == 200:
            await self._apply(reply.json()["state"])

    async def leave(self) -> None:
        if self.session:
            await self._post("/leave", {"session": self.session})
        self.session = None

    async def send(self, message: dict[str, Any]) -> None:
        self.timings.marks.setdefault(f"sent_{message['type']}", time.monotonic())
        reply = await self._post("/signal", {"session": self.session, "to": self.peer_session,
                                             "message": message})
        if reply.status != 200:
            self.errors.append(f"signal answered {reply.status}: {reply.text[:120]}")

    # --- media -------------------------------------------------------------------------------

    def _new_peer(self) -> RTCPeerConnection:
        pc = RTCPeerConnection(rtc_configuration(self.ice_servers))
        if self.audio:
            pc.addTrack(AudioStreamTrack())
        if self.video:
            pc.addTrack(PatternTrack(*self.size, fps=self.fps))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._sinks.append(asyncio.create_task(self._consume(track)))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc is not self.pc:
                return
            if pc.connectionState == "connected" and not self._reported_connected:
                self._reported_connected = True
                self.timings.connected = time.monotonic()
                await self._post("/connected", {"session": self.session})
            elif pc.connectionState == "failed":
                await self._renegotiate()

        self._reported_connected = False
        return pc

    async def _consume(self, track: MediaStreamTrack) -> None:
        if track.kind != "video":
            sink = MediaBlackhole()
            sink.addTrack(track)
            await sink.start()
            return
        while True:
            try:
                await track.recv()
            except Exception:  # the track ended (MediaStreamError) or the peer closed
                return
            self.frames_received += 1
            if self.timings.first_frame is None:
                self.timings.first_frame = time.monotonic()
                self._changed.set()

    async def _offer(self) -> None:
        self.pc = self._new_peer()
        if not (self.audio or self.video):
            self.pc.createDataChannel("stepcare")  # something to negotiate without media
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self.send({"type": "offer", "sdp": self.pc.localDescription.sdp})

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        self.timings.marks.setdefault(f"received_{kind}", time.monotonic())
        if kind == "offer" and self.state.get("role") == "patient":
            if self.pc is None or self.pc.remoteDescription is not None:
                # aiortc cannot restart ICE on a live connection: start a fresh one.
                await self._close_peer(keep_peer=True)
                self.pc = self._new_peer()
            await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            await self.send({"type": "answer", "sdp": self.pc.localDescription.sdp})
        elif kind == "answer" and self.pc and self.pc.signalingState == "have-local-offer":
            await self.pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "answer"))
        elif kind == "candidate" and self.pc and message["candidate"]:
            candidate = candidate_from_sdp(message["candidate"].split(":", 1)[1])
            candidate.sdpMid, candidate.sdpMLineIndex = message["sdpMid"], message["sdpMLineIndex"]
            await self.pc.addIceCandidate(candidate)
        elif kind == "restart":
            await self._renegotiate()
        elif kind == "bye":
            await self._close_peer(keep_peer=True)

    async def _renegotiate(self) -> None:
        """Start the media afresh: the therapist offers anew; the patient asks for it."""
        if self.state.get("role") == "therapist":
            await self._close_peer(keep_peer=True)
            await self._offer()
        elif self.peer_session:
            await self.send({"type": "restart"})

    async def _close_peer(self, keep_peer: bool = False) -> None:
        pc, self.pc = self.pc, None
        if not keep_peer:
            self.peer_session = None
        if pc is not None:
            await pc.close()

    # --- waiting and closing ---------------------------------------------------------------------

    async def wait_for(self, condition: Callable[[CallClient], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"waited {timeout} s; state {self.state}, "
                                   f"errors {self.errors[-3:]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.2))

    async def stats(self) -> dict[str, Any]:
        result = {"framesDecoded": self.frames_received, "dtlsState": None}
        if self.pc is None:
            return result
        for entry in (await self.pc.getStats()).values():
            if entry.type == "transport":
                result["dtlsState"] = getattr(entry, "dtlsState", None)
        return result

    async def close(self) -> None:
        session, self.session = self.session, None
        if self._poller:
            self._poller.cancel()
        if session:
            self.session = session
            with contextlib.suppress(OSError):
                await self.leave()
        await self._close_peer()
        for task in self._sinks:
            task.cancel()
        self.http.close()
