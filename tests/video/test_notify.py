"""Wake-ups for waiting polls: in-process after commit, and across processes on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from app.db import db
from tests.conftest import POSTGRES_URL
from video.notify import RoomNotifier, notifier, room_changed


def test_it_wakes_a_watcher_of_the_room():
    rooms = RoomNotifier()
    with rooms.watch("r1") as watch:
        threading.Timer(0.1, rooms.notify, args=(["r1"],)).start()
        started = time.monotonic()
        assert watch.wait(5) and time.monotonic() - started < 2


def test_it_does_not_wake_a_watcher_of_another_room():
    rooms = RoomNotifier()
    with rooms.watch("r1") as watch:
        rooms.notify(["r2"])
        assert not watch.wait(0.2)


def test_it_keeps_a_wake_up_that_came_before_the_wait():
    rooms = RoomNotifier()
    with rooms.watch("r1") as watch:
        rooms.notify(["r1"])  # between reading the room and starting to wait
        assert watch.wait(0)


def test_it_forgets_a_room_nobody_watches():
    rooms = RoomNotifier()
    with rooms.watch("r1"):
        pass
    rooms.notify(["r1"])
    assert rooms._generation == {}


def test_it_wakes_only_after_the_commit(app):
    with app.app_context(), notifier.watch("room-a") as watch:
        db.session.execute(db.text("SELECT 1"))
        room_changed(db.session, "room-a")
        assert not watch.wait(0.05)
        db.session.commit()
        assert watch.wait(1)


def test_it_does_not_wake_after_a_rollback(app):
    with app.app_context(), notifier.watch("room-b") as watch:
        db.session.execute(db.text("SELECT 1"))
        room_changed(db.session, "room-b")
        db.session.rollback()
        db.session.commit()
        assert not watch.wait(0.1)


@pytest.mark.skipif(not POSTGRES_URL, reason="LISTEN/NOTIFY needs PostgreSQL")
def test_it_passes_on_notifications_from_another_process(app):
    import psycopg

    from video.notify import CHANNEL, listen_if_postgres

    with app.app_context():
        listen_if_postgres(db.engine)
    time.sleep(0.5)  # the listener connects
    with notifier.watch("room-c") as watch:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as other:  # like another worker
            other.execute("SELECT pg_notify(%s, %s)", (CHANNEL, "room-c"))
        assert watch.wait(5)
