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

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

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

DEFAULT_EARLY_MINUTES = 10
DEFAULT_GRACE_MINUTES = 30


class RoomTransitionError(Exception):
    """An event that is not allowed in the room's current state (or time)."""


class Status(StrEnum):
    SCHEDULED = "scheduled"
    WAITING = "waiting"
    ADMITTED = "admitted"
    IN_CALL = "in_call"
    ENDED = "ended"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


TERMINAL = frozenset({Status.ENDED, Status.CANCELLED, Status.NO_SHOW})


class Role(StrEnum):
    PATIENT = "patient"
    THERAPIST = "therapist"


class EventKind(StrEnum):
    PATIENT_ENTERS = "patient_enters"
    THERAPIST_ENTERS = "therapist_enters"
    ADMIT = "admit"
    CONNECTED = "connected"
    LEAVE = "leave"
    HANG_UP = "hang_up"
    CANCEL = "cancel"
    EXPIRE = "expire"


_ROLE_EVENTS = frozenset({EventKind.LEAVE, EventKind.HANG_UP})
_ROLE_VALUES = frozenset(r.value for r in Role)


def _require_aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got a naive datetime")
    return value.astimezone(UTC)


def _require_minutes(value: object, name: str, *, positive: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Slot:
    """An appointment's time, plus the window policy around it.

    ``starts_at`` must be timezone-aware; it is normalised to UTC.
    """

    starts_at: datetime
    duration_minutes: int
    early_minutes: int = DEFAULT_EARLY_MINUTES
    grace_minutes: int = DEFAULT_GRACE_MINUTES

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts_at", _require_aware(self.starts_at, "starts_at"))
        _require_minutes(self.duration_minutes, "duration_minutes", positive=True)
        _require_minutes(self.early_minutes, "early_minutes", positive=False)
        _require_minutes(self.grace_minutes, "grace_minutes", positive=False)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True, slots=True)
class Event:
    """An event for :func:`apply`. ``role`` is required for leave and hang_up only."""

    kind: EventKind
    role: Role | None = None

    def __post_init__(self) -> None:
        try:
            kind = EventKind(self.kind)
        except ValueError:
            raise ValueError(f"unknown room event {self.kind!r}") from None
        role = self.role
        if kind in _ROLE_EVENTS:
            try:
                role = Role(role)
            except ValueError:
                raise ValueError(
                    f"event {kind.value!r} needs role 'patient' or 'therapist', got {role!r}"
                ) from None
        elif role is not None:
            raise ValueError(f"event {kind.value!r} takes no role")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "role", role)

    def __str__(self) -> str:
        return f"{self.kind.value}({self.role.value})" if self.role else self.kind.value


PATIENT_ENTERS = Event(EventKind.PATIENT_ENTERS)
THERAPIST_ENTERS = Event(EventKind.THERAPIST_ENTERS)
ADMIT = Event(EventKind.ADMIT)
CONNECTED = Event(EventKind.CONNECTED)
CANCEL = Event(EventKind.CANCEL)
EXPIRE = Event(EventKind.EXPIRE)


def leave(role: Role | str) -> Event:
    """A participant leaves (closes the tab, loses the connection)."""
    return Event(EventKind.LEAVE, role)  # type: ignore[arg-type]  # coerced in __post_init__


def hang_up(role: Role | str) -> Event:
    """A participant deliberately ends the consultation."""
    return Event(EventKind.HANG_UP, role)  # type: ignore[arg-type]  # coerced in __post_init__


def enters(role: Role | str) -> Event:
    """``patient_enters`` or ``therapist_enters`` for ``role``."""
    if role == Role.PATIENT:
        return PATIENT_ENTERS
    if role == Role.THERAPIST:
        return THERAPIST_ENTERS
    raise ValueError(f"role must be 'patient' or 'therapist', got {role!r}")


@dataclass(frozen=True, slots=True)
class RoomState:
    """Immutable snapshot of one room. Build a fresh one with ``RoomState()``.

    ``call_time`` is the total of closed in-call segments; the open segment (if
    ``status`` is ``in_call``) started at ``segment_started_at``.
    ``ended_by`` is ``"patient"``, ``"therapist"``, ``"system"`` (window
    closed) or None (not ended, or cancelled).
    """

    status: Status = Status.SCHEDULED
    patient_present: bool = False
    therapist_present: bool = False
    patient_arrived_at: datetime | None = None
    therapist_arrived_at: datetime | None = None
    admitted_at: datetime | None = None
    connected_at: datetime | None = None
    segment_started_at: datetime | None = None
    call_time: timedelta = field(default_factory=timedelta)
    reconnects: int = 0
    ended_at: datetime | None = None
    ended_by: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "status", Status(self.status))
        except ValueError:
            raise ValueError(f"unknown room status {self.status!r}") from None
        for name in (
            "patient_arrived_at",
            "therapist_arrived_at",
            "admitted_at",
            "connected_at",
            "segment_started_at",
            "ended_at",
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _require_aware(value, name))

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


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
    _require_minutes(early, "early_minutes", positive=False)
    _require_minutes(grace, "grace_minutes", positive=False)
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
    now = _require_aware(now, "now")
    ev = _coerce_event(event)
    status = state.status

    if ev.kind is EventKind.EXPIRE:
        if status in TERMINAL or not _window_closed(appointment, now):
            return state
        if status is Status.SCHEDULED:
            return _end(state, now, Status.NO_SHOW, "system")
        if status in (Status.WAITING, Status.ADMITTED):
            return _end(state, now, Status.ENDED, "system")
        return state  # in_call: a call in progress is never cut off by the clock

    if status in TERMINAL:
        raise RoomTransitionError(f"cannot {ev}: the room is {status.value}")

    kind = ev.kind
    if kind is EventKind.PATIENT_ENTERS:
        if state.patient_present:
            raise RoomTransitionError("cannot patient_enters: the patient is already in the room")
        _check_window(appointment, now, "patient_enters")
        return replace(
            state,
            status=Status.WAITING if status is Status.SCHEDULED else status,
            patient_present=True,
            patient_arrived_at=state.patient_arrived_at or now,
        )

    if kind is EventKind.THERAPIST_ENTERS:
        if state.therapist_present:
            raise RoomTransitionError(
                "cannot therapist_enters: the therapist is already in the room"
            )
        _check_window(appointment, now, "therapist_enters")
        return replace(
            state,
            therapist_present=True,
            therapist_arrived_at=state.therapist_arrived_at or now,
        )

    if kind is EventKind.ADMIT:
        if status is Status.SCHEDULED:
            raise RoomTransitionError("cannot admit: the patient has not arrived")
        if status is not Status.WAITING:
            raise RoomTransitionError(f"cannot admit: the patient is already {status.value}")
        if not state.patient_present:
            raise RoomTransitionError("cannot admit: the patient is not in the waiting room")
        if not state.therapist_present:
            raise RoomTransitionError("cannot admit: the therapist must be in the room to admit")
        _check_window(appointment, now, "admit")
        return replace(state, status=Status.ADMITTED, admitted_at=now)

    if kind is EventKind.CONNECTED:
        if status is Status.IN_CALL:
            raise RoomTransitionError("cannot connected: the call is already connected")
        if status is not Status.ADMITTED:
            raise RoomTransitionError(
                f"cannot connected: the patient has not been admitted (room is {status.value})"
            )
        if not (state.patient_present and state.therapist_present):
            raise RoomTransitionError("cannot connected: both participants must be in the room")
        _check_window(appointment, now, "connected")
        return replace(
            state,
            status=Status.IN_CALL,
            connected_at=state.connected_at or now,
            segment_started_at=now,
            reconnects=state.reconnects + (1 if state.connected_at is not None else 0),
        )

    if kind is EventKind.LEAVE:
        role = ev.role
        present = state.patient_present if role is Role.PATIENT else state.therapist_present
        if not present:
            raise RoomTransitionError(f"cannot {ev}: the {role} is not in the room")
        if status is Status.IN_CALL and _window_closed(appointment, now):
            return _end(state, now, Status.ENDED, str(role))
        flag = "patient_present" if role is Role.PATIENT else "therapist_present"
        changes: dict[str, object] = {flag: False}
        if status is Status.IN_CALL:
            changes.update(
                status=Status.ADMITTED,
                call_time=_close_segment(state, now),
                segment_started_at=None,
            )
        return replace(state, **changes)  # type: ignore[arg-type]

    if kind is EventKind.HANG_UP:
        role = ev.role
        present = state.patient_present if role is Role.PATIENT else state.therapist_present
        if status is Status.SCHEDULED:
            raise RoomTransitionError(
                f"cannot {ev}: the consultation has not started (use cancel instead)"
            )
        if status is Status.WAITING and role is Role.PATIENT:
            raise RoomTransitionError(
                f"cannot {ev}: the patient has not been admitted (use leave instead)"
            )
        if not present:
            raise RoomTransitionError(f"cannot {ev}: the {role} is not in the room")
        return _end(state, now, Status.ENDED, str(role))

    if kind is EventKind.CANCEL:
        if status in (Status.ADMITTED, Status.IN_CALL):
            raise RoomTransitionError(
                f"cannot cancel: the consultation is {status.value} (use hang_up to end it)"
            )
        if _window_closed(appointment, now):
            raise RoomTransitionError("cannot cancel: the appointment window has closed")
        return _end(state, now, Status.CANCELLED, None)

    raise AssertionError(f"unhandled event {ev}")  # pragma: no cover


def can_join(role: Role | str, appointment: Slot, now: datetime, state: RoomState) -> bool:
    """Whether ``role`` may enter the room now (unknown roles may not)."""
    if not isinstance(role, str) or role not in _ROLE_VALUES:
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
        return _close_segment(state, _require_aware(now, "now"))
    return state.call_time


def is_no_show(appointment: Slot, state: RoomState, now: datetime) -> bool:
    """The patient never arrived and the window has closed (or the room says so)."""
    if state.status is Status.NO_SHOW:
        return True
    if state.status is not Status.SCHEDULED:
        return False
    return _window_closed(appointment, _require_aware(now, "now"))


# --- room ids --------------------------------------------------------------

_ROOM_ID_BYTES = 24  # 192 bits
_ROOM_ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")


def new_room_id() -> str:
    """A fresh unguessable room id: 192 random bits, 32 URL-safe characters."""
    return secrets.token_urlsafe(_ROOM_ID_BYTES)


def is_valid_room_id(s: object) -> bool:
    """Whether ``s`` has the shape of a :func:`new_room_id` result."""
    return isinstance(s, str) and _ROOM_ID_RE.fullmatch(s) is not None
