"""The video room's state machine, as pure functions over immutable values.

Nothing here touches a database, a clock or a network: every function takes
``now`` (an aware datetime) and returns a new value. The web layer loads a
:class:`RoomState`, calls :func:`apply`, and stores the result.

Statuses::

    scheduled -> waiting -> admitted <-> in_call -> ended
        |           |                                ^
        +-----------+--> cancelled                   |
        +--> no_show (window closed, patient never came)

The time window is half-open: ``opens_at <= now < closes_at``, where
``opens_at = starts_at - early_minutes`` and
``closes_at = starts_at + duration_minutes + grace_minutes``.

Transition summary (P = patient present, T = therapist present; any pair not
listed raises :class:`RoomTransitionError`):

================  ====================================  ========================
event             allowed from                          result
================  ====================================  ========================
patient_enters    scheduled (window open)               waiting, P
                  waiting / admitted, not P (open)      same status, P
therapist_enters  scheduled / waiting / admitted,       same status, T
                  not T (window open)
admit             waiting with P and T (open)           admitted
connected         admitted with P and T (open)          in_call
leave(role)       any non-terminal status, role         same status, role absent;
                  present                               in_call -> admitted
                                                        (-> ended if window closed)
hang_up(role)     admitted / in_call, role present;     ended
                  waiting, therapist present
cancel            scheduled / waiting (window open)     cancelled
expire            any status                            window open: unchanged;
                                                        closed: scheduled ->
                                                        no_show, waiting/admitted
                                                        -> ended, in_call and
                                                        terminal unchanged
================  ====================================  ========================

A call in progress is never cut off by the clock: ``expire`` leaves ``in_call``
alone, but once the window has closed nobody can (re)join.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from video.room_values import (
    ADMIT,
    CANCEL,
    CONNECTED,
    DEFAULT_EARLY_MINUTES,
    DEFAULT_GRACE_MINUTES,
    EXPIRE,
    PATIENT_ENTERS,
    ROLE_VALUES,
    TERMINAL,
    THERAPIST_ENTERS,
    Event,
    EventKind,
    Role,
    RoomState,
    RoomTransitionError,
    Slot,
    Status,
    enters,
    hang_up,
    is_valid_room_id,
    leave,
    new_room_id,
    require_aware,
    require_minutes,
)

__all__ = [
    "ADMIT",
    "CANCEL",
    "CONNECTED",
    "DEFAULT_EARLY_MINUTES",
    "DEFAULT_GRACE_MINUTES",
    "EXPIRE",
    "PATIENT_ENTERS",
    "TERMINAL",
    "THERAPIST_ENTERS",
    "Event",
    "EventKind",
    "Role",
    "RoomState",
    "RoomTransitionError",
    "Slot",
    "Status",
    "apply",
    "call_duration",
    "can_join",
    "enters",
    "hang_up",
    "is_no_show",
    "is_valid_room_id",
    "lateness_minutes",
    "leave",
    "new_room_id",
    "window",
]


def window(
    appointment: Slot,
    early_minutes: int | None = None,
    grace_minutes: int | None = None,
) -> tuple[datetime, datetime]:
    """``(opens_at, closes_at)``; joining is allowed for ``opens_at <= now < closes_at``.

    ``early_minutes``/``grace_minutes`` default to the slot's own settings.
    """
    early = appointment.early_minutes if early_minutes is None else early_minutes
    grace = appointment.grace_minutes if grace_minutes is None else grace_minutes
    require_minutes(early, "early_minutes", positive=False)
    require_minutes(grace, "grace_minutes", positive=False)
    opens_at = appointment.starts_at - timedelta(minutes=early)
    closes_at = appointment.ends_at + timedelta(minutes=grace)
    return opens_at, closes_at


def _check_window(appointment: Slot, now: datetime, what: str) -> None:
    opens_at, closes_at = window(appointment)
    if now < opens_at:
        raise RoomTransitionError(
            f"cannot {what}: the room opens at {opens_at.isoformat()} "
            f"({appointment.early_minutes} minutes before the start)"
        )
    if now >= closes_at:
        raise RoomTransitionError(
            f"cannot {what}: the appointment window closed at {closes_at.isoformat()}"
        )


def _window_closed(appointment: Slot, now: datetime) -> bool:
    return now >= window(appointment)[1]


def _close_segment(state: RoomState, now: datetime) -> timedelta:
    if state.status is Status.IN_CALL and state.segment_started_at is not None:
        return state.call_time + max(now - state.segment_started_at, timedelta(0))
    return state.call_time


def _end(state: RoomState, now: datetime, status: Status, by: str | None) -> RoomState:
    return replace(
        state,
        status=status,
        patient_present=False,
        therapist_present=False,
        call_time=_close_segment(state, now),
        segment_started_at=None,
        ended_at=now,
        ended_by=by,
    )


def _coerce_event(event: Event | str) -> Event:
    if isinstance(event, Event):
        return event
    if isinstance(event, str):
        return Event(event)  # type: ignore[arg-type]  # coerced (and checked) in __post_init__
    raise ValueError(f"event must be an Event or str, got {type(event).__name__}")


# --- the transition table ----------------------------------------------------
#
# Every (status, event) pair has one handler: it checks what the pair still depends on
# (who is present, the window) and returns the next state, or raises. A refusal that
# depends on the status alone is a handler too, so the table is complete (checked below).

Handler = Callable[[RoomState, Event, datetime, Slot], RoomState]


def _refuse(reason: str) -> Handler:
    """A handler that refuses; ``reason`` may name ``{ev}`` and ``{status}``."""

    def refuse(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
        raise RoomTransitionError(reason.format(ev=ev, status=state.status.value))

    return refuse


def _unchanged(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    return state


def _is_present(state: RoomState, role: Role | None) -> bool:
    return state.patient_present if role is Role.PATIENT else state.therapist_present


def _require_present(state: RoomState, ev: Event) -> None:
    if not _is_present(state, ev.role):
        raise RoomTransitionError(f"cannot {ev}: the {ev.role} is not in the room")


def _patient_enters(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    if state.patient_present:
        raise RoomTransitionError("cannot patient_enters: the patient is already in the room")
    _check_window(slot, now, "patient_enters")
    return replace(
        state,
        status=Status.WAITING if state.status is Status.SCHEDULED else state.status,
        patient_present=True,
        patient_arrived_at=state.patient_arrived_at or now,
    )


def _therapist_enters(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    if state.therapist_present:
        raise RoomTransitionError("cannot therapist_enters: the therapist is already in the room")
    _check_window(slot, now, "therapist_enters")
    return replace(
        state, therapist_present=True, therapist_arrived_at=state.therapist_arrived_at or now
    )


def _admit(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    if not state.patient_present:
        raise RoomTransitionError("cannot admit: the patient is not in the waiting room")
    if not state.therapist_present:
        raise RoomTransitionError("cannot admit: the therapist must be in the room to admit")
    _check_window(slot, now, "admit")
    return replace(state, status=Status.ADMITTED, admitted_at=now)


def _connected(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    if not (state.patient_present and state.therapist_present):
        raise RoomTransitionError("cannot connected: both participants must be in the room")
    _check_window(slot, now, "connected")
    return replace(
        state,
        status=Status.IN_CALL,
        connected_at=state.connected_at or now,
        segment_started_at=now,
        reconnects=state.reconnects + (1 if state.connected_at is not None else 0),
    )


def _absent(state: RoomState, role: Role | None) -> RoomState:
    if role is Role.PATIENT:
        return replace(state, patient_present=False)
    return replace(state, therapist_present=False)


def _leave(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    _require_present(state, ev)
    return _absent(state, ev.role)


def _leave_call(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    """Leaving a call pauses it (back to admitted), unless its window has closed."""
    _require_present(state, ev)
    if _window_closed(slot, now):
        return _end(state, now, Status.ENDED, str(ev.role))
    paused = replace(
        state, status=Status.ADMITTED, call_time=_close_segment(state, now),
        segment_started_at=None,
    )
    return _absent(paused, ev.role)


def _hang_up(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    _require_present(state, ev)
    return _end(state, now, Status.ENDED, str(ev.role))


def _hang_up_waiting(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    if ev.role is Role.PATIENT:
        raise RoomTransitionError(
            f"cannot {ev}: the patient has not been admitted (use leave instead)"
        )
    return _hang_up(state, ev, now, slot)


def _cancel(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
    if _window_closed(slot, now):
        raise RoomTransitionError("cannot cancel: the appointment window has closed")
    return _end(state, now, Status.CANCELLED, None)


def _expire_to(status: Status) -> Handler:
    """Once the window has closed the room ends as ``status``; before, nothing happens."""

    def expire(state: RoomState, ev: Event, now: datetime, slot: Slot) -> RoomState:
        if not _window_closed(slot, now):
            return state
        return _end(state, now, status, "system")

    return expire


_S = Status
_E = EventKind
_ALREADY_ADMITTED = _refuse("cannot admit: the patient is already {status}")
_NOT_ADMITTED = _refuse("cannot connected: the patient has not been admitted (room is {status})")
_STILL_ON = _refuse("cannot cancel: the consultation is {status} (use hang_up to end it)")

_TRANSITIONS: dict[tuple[Status, EventKind], Handler] = {
    **{(status, kind): _refuse("cannot {ev}: the room is {status}")
       for status in TERMINAL for kind in EventKind},
    **{(status, _E.EXPIRE): _unchanged for status in TERMINAL},
    **{(status, _E.PATIENT_ENTERS): _patient_enters for status in set(Status) - TERMINAL},
    **{(status, _E.THERAPIST_ENTERS): _therapist_enters for status in set(Status) - TERMINAL},
    (_S.SCHEDULED, _E.ADMIT): _refuse("cannot admit: the patient has not arrived"),
    (_S.WAITING, _E.ADMIT): _admit,
    (_S.ADMITTED, _E.ADMIT): _ALREADY_ADMITTED,
    (_S.IN_CALL, _E.ADMIT): _ALREADY_ADMITTED,
    (_S.SCHEDULED, _E.CONNECTED): _NOT_ADMITTED,
    (_S.WAITING, _E.CONNECTED): _NOT_ADMITTED,
    (_S.ADMITTED, _E.CONNECTED): _connected,
    (_S.IN_CALL, _E.CONNECTED): _refuse("cannot connected: the call is already connected"),
    (_S.SCHEDULED, _E.LEAVE): _leave,
    (_S.WAITING, _E.LEAVE): _leave,
    (_S.ADMITTED, _E.LEAVE): _leave,
    (_S.IN_CALL, _E.LEAVE): _leave_call,
    (_S.SCHEDULED, _E.HANG_UP): _refuse(
        "cannot {ev}: the consultation has not started (use cancel instead)"),
    (_S.WAITING, _E.HANG_UP): _hang_up_waiting,
    (_S.ADMITTED, _E.HANG_UP): _hang_up,
    (_S.IN_CALL, _E.HANG_UP): _hang_up,
    (_S.SCHEDULED, _E.CANCEL): _cancel,
    (_S.WAITING, _E.CANCEL): _cancel,
    (_S.ADMITTED, _E.CANCEL): _STILL_ON,
    (_S.IN_CALL, _E.CANCEL): _STILL_ON,
    (_S.SCHEDULED, _E.EXPIRE): _expire_to(Status.NO_SHOW),
    (_S.WAITING, _E.EXPIRE): _expire_to(Status.ENDED),
    (_S.ADMITTED, _E.EXPIRE): _expire_to(Status.ENDED),
    # A call in progress is never cut off by the clock.
    (_S.IN_CALL, _E.EXPIRE): _unchanged,
}
assert len(_TRANSITIONS) == len(Status) * len(EventKind), "a (status, event) pair is missing"


def apply(state: RoomState, event: Event | str, now: datetime, appointment: Slot) -> RoomState:
    """Return the state after ``event`` happens at ``now``.

    Raises :class:`RoomTransitionError` for an event that is illegal in this
    state or at this time, and ValueError for malformed arguments (naive
    ``now``, unknown event, leave/hang_up without a role).
    """
    if not isinstance(state, RoomState):
        raise ValueError(f"state must be a RoomState, got {type(state).__name__}")
    if not isinstance(appointment, Slot):
        raise ValueError(f"appointment must be a Slot, got {type(appointment).__name__}")
    now = require_aware(now, "now")
    ev = _coerce_event(event)
    return _TRANSITIONS[(state.status, ev.kind)](state, ev, now, appointment)


def can_join(role: Role | str, appointment: Slot, now: datetime, state: RoomState) -> bool:
    """Whether ``role`` may enter the room now (unknown roles may not)."""
    if not isinstance(role, str) or role not in ROLE_VALUES:
        return False
    try:
        apply(state, enters(role), now, appointment)
    except RoomTransitionError:
        return False
    return True


def lateness_minutes(appointment: Slot, state: RoomState) -> float | None:
    """Minutes the patient first arrived after the start (0.0 if on time, None if never)."""
    if state.patient_arrived_at is None:
        return None
    late = (state.patient_arrived_at - appointment.starts_at).total_seconds() / 60
    return max(0.0, late)


def call_duration(state: RoomState, now: datetime | None = None) -> timedelta:
    """Total time both participants were connected, across reconnects.

    For a call still ``in_call`` pass ``now`` so the open segment is counted;
    without it a ValueError is raised rather than silently under-counting.
    """
    if state.status is Status.IN_CALL:
        if now is None:
            raise ValueError("call_duration of a call in progress needs now")
        return _close_segment(state, require_aware(now, "now"))
    return state.call_time


def is_no_show(appointment: Slot, state: RoomState, now: datetime) -> bool:
    """The patient never arrived and the window has closed (or the room says so)."""
    if state.status is Status.NO_SHOW:
        return True
    if state.status is not Status.SCHEDULED:
        return False
    return _window_closed(appointment, require_aware(now, "now"))
