"""aiortc inside Flask: one asyncio loop on a daemon thread per process, and the echo peers.

Flask's async views run on a loop that stops when the view returns, so a peer
connection made there would die with the request. Instead every aiortc object
is created and used on :data:`media_loop`, which starts lazily (after any
fork, so each gunicorn worker gets its own) and closes all peers when the
process exits. Views hand it work with :meth:`MediaLoop.run`.

The pre-call test's echo is non-trickle: the browser sends its offer once
ICE gathering is complete, the server answers with all of its candidates,
and so the whole exchange is one POST that any worker can serve.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# The test page needs the echo for at most ~45 s (15 s to see frames, 30 s shown); a peer
# that never connects (a script, a closed tab) is dropped much sooner, so a few accounts
# cannot hold every session of a process.
ECHO_TIMEOUT_SECONDS = 50
ECHO_IDLE_SECONDS = 10
ANSWER_TIMEOUT_SECONDS = 15


class EchoBusy(Exception):
    """This process already runs as many echo sessions as it is allowed to."""


class EchoRefused(ValueError):
    """aiortc could not use the offer (its SDP parser asserts rather than raising)."""


# --- the loop --------------------------------------------------------------------------------


class MediaLoop:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if self._loop is None or self._pid != os.getpid() or not alive:
                self._start()
            assert self._loop is not None
            return self._loop

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True, name="stepcare-media")
        self._thread.start()
        ready.wait()
        self._loop, self._pid = loop, os.getpid()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run ``coro`` on the media loop and wait for its result (from any thread)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop())
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def shutdown(self, timeout: float = 5.0) -> None:
        """Close every peer and stop the loop (at exit, and in tests)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None or self._pid != os.getpid() or not thread.is_alive():
                return
            self._loop = self._thread = None
        try:
            asyncio.run_coroutine_threadsafe(echoes.close_all(), loop).result(timeout)
        except Exception:  # shutting down anyway
            log.warning("video: could not close echo peers cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)


media_loop = MediaLoop()
atexit.register(media_loop.shutdown)


# --- loopback-only host addresses (tests and benchmarks) -------------------------------------


def use_host_addresses(addresses: Sequence[str]) -> None:
    """Make aioice gather host candidates on exactly these addresses.

    Set through ``STEPCARE_VIDEO_HOST_ADDRESSES`` (for example ``127.0.0.1`` in
    tests, which aioice otherwise leaves out). aioice has no option for this, so
    its lookup function is replaced; with the setting empty, nothing changes.
    """
    import aioice.ice

    chosen = [a for a in addresses if a]
    if not chosen:
        return

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses


def rtc_configuration(ice_servers: list[dict]):
    """aiortc's configuration from RTCIceServer dicts; ``[]`` stays ``[]`` (no public STUN)."""
    from aiortc import RTCConfiguration, RTCIceServer

    return RTCConfiguration(iceServers=[
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers
    ])


# --- the echo --------------------------------------------------------------------------------


@dataclass
class EchoRequest:
    owner: str  # one echo per user and process: a new test replaces the old one
    offer_sdp: str
    ice_servers: list[dict]
    max_sessions: int
    filter_sdp: Any = None  # str -> str: keeps the answer's candidates in VIDEO_MEDIA_NETWORKS


class EchoSessions:
    """Server-side peers that send every received track straight back. Lives on the loop."""

    def __init__(self) -> None:
        self._peers: dict[str, Any] = {}

    @property
    def count(self) -> int:
        return len(self._peers)

    async def answer(self, request: EchoRequest) -> str:
        from aiortc import RTCPeerConnection, RTCSessionDescription

        await self.close(request.owner)
        if len(self._peers) >= request.max_sessions:
            raise EchoBusy()
        pc = RTCPeerConnection(rtc_configuration(request.ice_servers))
        self._peers[request.owner] = pc
        self._watch(request.owner, pc)
        keep = request.filter_sdp or (lambda sdp: sdp)
        offer_sdp = keep(request.offer_sdp)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # untrusted input: any parse failure is the offer's fault
            await self.close(request.owner)
            raise EchoRefused(f"{type(exc).__name__}: {exc}") from exc
        return keep(pc.localDescription.sdp)

    def _watch(self, owner: str, pc) -> None:
        @pc.on("track")
        def on_track(track) -> None:
            pc.addTrack(track)  # the echo: decoded, re-encoded and sent back

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._drop(owner, pc)

        loop = asyncio.get_running_loop()
        loop.call_later(ECHO_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._drop(owner, pc)))
        loop.call_later(ECHO_IDLE_SECONDS,
                        lambda: asyncio.ensure_future(self._drop_if_idle(owner, pc)))

    async def _drop_if_idle(self, owner: str, pc) -> None:
        if pc.connectionState != "connected":
            await self._drop(owner, pc)

    async def _drop(self, owner: str, pc) -> None:
        if self._peers.get(owner) is pc:
            del self._peers[owner]
        await pc.close()

    async def close(self, owner: str) -> None:
        pc = self._peers.pop(owner, None)
        if pc is not None:
            await pc.close()

    async def close_all(self) -> None:
        peers, self._peers = list(self._peers.values()), {}
        await asyncio.gather(*(pc.close() for pc in peers), return_exceptions=True)


echoes = EchoSessions()


def echo_answer(request: EchoRequest) -> str:
    """The SDP answer of a new echo peer for this offer (blocks up to ANSWER_TIMEOUT_SECONDS)."""
    return media_loop.run(echoes.answer(request), ANSWER_TIMEOUT_SECONDS)


def echo_count() -> int:
    return media_loop.run(_count(), 5)


async def _count() -> int:
    return echoes.count
