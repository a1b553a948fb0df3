"""Signalling between the two tabs of a call: offers, answers and candidates relayed
through the database, and the waiting poll that wakes when the room or its messages change.
Each write flushes; the request commits once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func

from app.db import db
from video.models import Appointment, Signal
from video.notify import RECHECK_SECONDS, notifier, room_changed
from video.operations import LIVE_STATUSES, other
from video.room import RoomTransitionError
from video.sdp import IPNetwork, candidate_within, candidates_within

MAX_SIGNALS_PER_ROOM = 2000


class TooManySignals(Exception):
    """A room refuses more signalling messages than any real call needs."""


def post_signal(appointment: Appointment, role: str, to_session: str, message: dict[str, Any],
                *, networks: tuple[IPNetwork, ...] = ()) -> int | None:
    """Store a validated message for the other participant; None if it is not relayed.

    Signalling starts only once the therapist has admitted the patient, so no
    media can flow from the waiting room. With ``networks`` (``VIDEO_MEDIA_NETWORKS``),
    candidates outside them are not passed on.
    """
    if appointment.status not in LIVE_STATUSES:
        raise RoomTransitionError("the patient has not been admitted")
    if to_session != appointment.session_of(other(role)):
        return None  # the other tab has gone; its successor negotiates afresh
    if networks:
        message = _within(message, networks)
        if message is None:
            return None
    if appointment.signal_seq >= MAX_SIGNALS_PER_ROOM:
        raise TooManySignals()
    appointment.signal_seq += 1
    db.session.add(Signal(
        appointment_id=appointment.id,
        seq=appointment.signal_seq,
        sender_role=role,
        from_session=appointment.session_of(role),
        to_session=to_session,
        payload=message,
    ))
    room_changed(db.session, appointment.room_id)
    db.session.flush()
    return appointment.signal_seq


def _within(message: dict[str, Any], networks: tuple[IPNetwork, ...]) -> dict[str, Any] | None:
    """The message with only the candidates in ``networks``; None for a candidate outside."""
    if message["type"] in ("offer", "answer"):
        return {**message, "sdp": candidates_within(message["sdp"], networks)}
    if message["type"] == "candidate" and message["candidate"]:
        return message if candidate_within(message["candidate"], networks) else None
    return message


@dataclass(frozen=True)
class Mark:
    """What a waiting poll compares: the room's version and last message number."""

    version: int
    signal_seq: int


def mark(appointment_id: int) -> Mark:
    version, seq = db.session.execute(
        db.select(Appointment.version, Appointment.signal_seq)
        .where(Appointment.id == appointment_id)
    ).one()
    return Mark(version, seq)


def messages_for(appointment: Appointment, role: str, after: int) -> list[dict[str, Any]]:
    """Messages from the other participant's current tab to this tab, after ``after``."""
    peer = other(role)
    mine, theirs = appointment.session_of(role), appointment.session_of(peer)
    if not mine or not theirs:
        return []
    rows = db.session.execute(
        db.select(Signal.seq, Signal.payload).where(
            Signal.appointment_id == appointment.id,
            Signal.seq > after,
            Signal.sender_role == peer,
            Signal.from_session == theirs,
            Signal.to_session == mine,
        ).order_by(Signal.seq)
    ).all()
    return [{"seq": seq, **payload} for seq, payload in rows]


def has_messages(appointment_id: int, role: str, session: str, after: int) -> bool:
    return db.session.execute(
        db.select(func.count()).select_from(Signal).where(
            Signal.appointment_id == appointment_id,
            Signal.seq > after,
            Signal.sender_role == other(role),
            Signal.to_session == session,
        )
    ).scalar_one() > 0


def wait_for_news(appointment_id: int, room_id: str, role: str, session: str, after: int,
                  version: int, seconds: float) -> bool:
    """Block until the room changes or a message arrives for this tab, or ``seconds`` pass.

    Called with no transaction open, and leaves none open: each check is one
    short read, ended before sleeping, so a waiting poll holds no lock.
    """
    deadline = time.monotonic() + seconds
    with notifier.watch(room_id) as watch:
        while True:
            latest = mark(appointment_id)
            news = latest.version != version or (
                latest.signal_seq > after and has_messages(appointment_id, role, session, after))
            db.session.rollback()
            remaining = deadline - time.monotonic()
            if news or remaining <= 0:
                return news
            watch.wait(min(RECHECK_SECONDS, remaining))
