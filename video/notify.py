"""Wake-ups for waiting signalling polls, within a process and across processes.

The database is the only source of truth for a room: a waiting poll always
re-reads it. A wake-up is just a hint that it is worth re-reading now rather
than at the next periodic check, which is what keeps "admit -> first frame"
well under a second without polling the database many times a second.

* Within a process, a room write wakes the waiting polls of that room right
  after the transaction commits (a SQLAlchemy ``after_commit`` hook).
* Across processes (several gunicorn workers on PostgreSQL), the same write
  sends ``pg_notify`` inside its transaction, which PostgreSQL delivers only
  if the transaction commits; one listener thread per process passes it on.
* SQLite is the single-process setup, so the in-process path is all it needs.
  Should a notification ever be lost, a poll still re-reads the room every
  ``RECHECK_SECONDS``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, text

log = logging.getLogger(__name__)

CHANNEL = "stepcare_video"
# A safety net only (wake-ups are reliable within a process and, while LISTEN is up,
# across processes): each waiting poll costs one short read per period.
RECHECK_SECONDS = 5.0
_PENDING_KEY = "video_rooms_changed"


class RoomNotifier:
    """Per-room generation counters that waiting threads can block on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation: dict[str, int] = {}
        self._watchers: dict[str, int] = {}

    @contextmanager
    def watch(self, room_id: str) -> Iterator[Watch]:
        """Register interest before reading the room, so no wake-up can slip between."""
        with self._cond:
            self._watchers[room_id] = self._watchers.get(room_id, 0) + 1
            self._generation.setdefault(room_id, 0)
        try:
            yield Watch(self, room_id)
        finally:
            with self._cond:
                self._watchers[room_id] -= 1
                if not self._watchers[room_id]:
                    del self._watchers[room_id]
                    del self._generation[room_id]

    def notify(self, room_ids: Iterable[str]) -> None:
        with self._cond:
            woke = False
            for room_id in room_ids:
                if room_id in self._generation:
                    self._generation[room_id] += 1
                    woke = True
            if woke:
                self._cond.notify_all()

    def _generation_of(self, room_id: str) -> int:
        return self._generation[room_id]

    def _wait(self, room_id: str, seen: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._generation[room_id] == seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True


class Watch:
    """One waiting poll's view of a room's wake-ups."""

    def __init__(self, notifier: RoomNotifier, room_id: str) -> None:
        self._notifier = notifier
        self._room_id = room_id
        with notifier._cond:
            self._seen = notifier._generation_of(room_id)

    def wait(self, timeout: float) -> bool:
        """Block until the room is notified (True) or ``timeout`` passes (False)."""
        woke = self._notifier._wait(self._room_id, self._seen, timeout)
        with self._notifier._cond:
            self._seen = self._notifier._generation_of(self._room_id)
        return woke


notifier = RoomNotifier()


# --- after-commit wake-ups -------------------------------------------------------------------


def room_changed(session, room_id: str) -> None:
    """Mark a room as changed in this transaction: its waiters wake after the commit."""
    session.info.setdefault(_PENDING_KEY, set()).add(room_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :room)"),
                        {"channel": CHANNEL, "room": room_id})


def _after_commit(session) -> None:
    rooms = session.info.pop(_PENDING_KEY, None)
    if rooms:
        notifier.notify(rooms)


def _after_rollback(session) -> None:
    session.info.pop(_PENDING_KEY, None)


def install(scoped_session) -> None:
    """Hook the wake-ups into the app's session (idempotent)."""
    if not event.contains(scoped_session, "after_commit", _after_commit):
        event.listen(scoped_session, "after_commit", _after_commit)
        event.listen(scoped_session, "after_rollback", _after_rollback)


# --- PostgreSQL LISTEN, one thread per process -------------------------------------------------


class _Listener:
    """Passes ``pg_notify`` wake-ups from other processes to this process's waiters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, tuple[int, threading.Thread]] = {}

    def ensure(self, dsn: str) -> None:
        """Start (or, after a fork, restart) the listener for this database."""
        pid = os.getpid()
        with self._lock:
            running = self._threads.get(dsn)
            if running and running[0] == pid and running[1].is_alive():
                return
            thread = threading.Thread(target=self._run, args=(dsn,), daemon=True,
                                      name="stepcare-video-listen")
            self._threads[dsn] = (pid, thread)
            thread.start()

    def _run(self, dsn: str) -> None:
        import psycopg

        backoff = 1.0
        while True:
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    backoff = 1.0
                    while True:
                        for notification in conn.notifies(timeout=30.0):
                            notifier.notify([notification.payload])
            except Exception:  # the database went away: polls fall back to rechecking
                log.warning("video: LISTEN connection lost; retrying in %.0f s", backoff,
                            exc_info=True)
                time.sleep(backoff)
                backoff = min(backoff * 2, 30.0)


_listener = _Listener()


def listen_if_postgres(engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    url = engine.url.set(drivername="postgresql")
    _listener.ensure(url.render_as_string(hide_password=False))
