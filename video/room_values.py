"""The room's values: statuses, events, the appointment's slot, the room's state and its id.

Immutable and validated on construction; :mod:`video.room` moves between them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

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
ROLE_VALUES = frozenset(r.value for r in Role)


def require_aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got a naive datetime")
    return value.astimezone(UTC)


def require_minutes(value: object, name: str, *, positive: bool) -> int:
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
        object.__setattr__(self, "starts_at", require_aware(self.starts_at, "starts_at"))
        require_minutes(self.duration_minutes, "duration_minutes", positive=True)
        require_minutes(self.early_minutes, "early_minutes", positive=False)
        require_minutes(self.grace_minutes, "grace_minutes", positive=False)

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
                role = Role(role)  # type: ignore[arg-type]  # None or a stray value: refused
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
                object.__setattr__(self, name, require_aware(value, name))

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


# --- room ids --------------------------------------------------------------

_ROOM_ID_BYTES = 24  # 192 bits
_ROOM_ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")


def new_room_id() -> str:
    """A fresh unguessable room id: 192 random bits, 32 URL-safe characters."""
    return secrets.token_urlsafe(_ROOM_ID_BYTES)


def is_valid_room_id(s: object) -> bool:
    """Whether ``s`` has the shape of a :func:`new_room_id` result."""
    return isinstance(s, str) and _ROOM_ID_RE.fullmatch(s) is not None
