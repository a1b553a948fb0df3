"""Writes for video appointments and their rooms. Each flushes; the request commits once.

Every room change goes through :func:`_transition`, which runs the pure state
machine (``video.room``), stores the result, raises the room's ``version`` and
wakes the room's waiting polls after the commit (``video.notify``).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit.models import Action
from app.audit.operations import add_recorded, record, record_many
from app.caseload.loaders import current_therapist_id
from app.caseload.models import TreatmentContact
from app.db import db
from video import room
from video.models import MAX_DURATION, Appointment, Signal
from video.notify import room_changed
from video.room import Event, Role, RoomState, RoomTransitionError, Status

# A participant whose page has not polled for this long has gone (closed the
# laptop, lost the network). Polls return at least every POLL_WAIT_MAX seconds.
STALE_AFTER = timedelta(seconds=40)
# Presence is written at most this often per participant, not on every poll.
SEEN_RESOLUTION = timedelta(seconds=5)
# Generous for offers, answers, trickled candidates and a few ICE restarts.
SESSION_TOKEN_BYTES = 12  # 16 URL-safe characters
OPEN_STATUSES = (Status.SCHEDULED, Status.WAITING, Status.ADMITTED, Status.IN_CALL)
LIVE_STATUSES = (Status.ADMITTED, Status.IN_CALL)


class NotOnCaseload(ValueError):
    """Therapists book appointments only with patients on their own caseload."""


class NotChangeable(ValueError):
    """Only an appointment that has not started can be rescheduled."""


class StaleSession(Exception):
    """The request came from a browser tab that another tab (or a reload) replaced."""


def other(role: str) -> str:
    return Role.THERAPIST.value if role == Role.PATIENT else Role.PATIENT.value


# --- booking ---------------------------------------------------------------------------------


def book(*, therapist: User, patient: User, starts_at: datetime, duration_minutes: int,
         by: User) -> Appointment:
    if current_therapist_id(patient.id) != therapist.id:
        raise NotOnCaseload(patient.id)
    appointment = Appointment(
        patient_id=patient.id,
        therapist_id=therapist.id,
        starts_at=starts_at.replace(microsecond=0),  # a calendar counts in whole seconds
        duration_minutes=duration_minutes,
        room_id=room.new_room_id(),
        ics_uid=f"{uuid.uuid4()}@stepcare",
        sequence=0,
        created_by_id=by.id,
    )
    return add_recorded(appointment, "appointment", patient_id=patient.id)


def reschedule(appointment: Appointment, *, starts_at: datetime, duration_minutes: int,
               now: datetime) -> None:
    """Move an appointment that has not started; the invitation's SEQUENCE goes up."""
    if appointment.status != Status.SCHEDULED or now >= room.window(appointment.slot)[1]:
        raise NotChangeable(appointment.id)
    appointment.starts_at = starts_at.replace(microsecond=0)
    appointment.duration_minutes = duration_minutes
    _revised(appointment, now)
    record(Action.UPDATE, "appointment", appointment.id, patient_id=appointment.patient_id)


def cancel(appointment: Appointment, *, now: datetime) -> None:
    """Cancel before the call has begun (raises RoomTransitionError otherwise)."""
    _transition(appointment, room.CANCEL, now)
    _revised(appointment, now)
    record(Action.UPDATE, "appointment", appointment.id, patient_id=appointment.patient_id)


def _revised(appointment: Appointment, now: datetime) -> None:
    appointment.sequence += 1
    appointment.updated_at = now
    appointment.version += 1
    room_changed(db.session, appointment.room_id)
    db.session.flush()


def conflicting(*, therapist_id: int, patient_id: int, starts_at: datetime,
                duration_minutes: int, ignore_id: int | None = None) -> Appointment | None:
    """An open appointment of the same therapist or patient that overlaps this time."""
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    candidates = db.session.execute(
        db.select(Appointment).where(
            or_(Appointment.therapist_id == therapist_id, Appointment.patient_id == patient_id),
            Appointment.status.in_([s.value for s in OPEN_STATUSES]),
            Appointment.starts_at < ends_at,
            Appointment.starts_at > starts_at - timedelta(minutes=MAX_DURATION),
            Appointment.id != (ignore_id or 0),
        ).order_by(Appointment.starts_at)
    ).scalars()
    return next((a for a in candidates if a.ends_at > starts_at), None)


# --- lists -----------------------------------------------------------------------------------


def _for_user(user: User):
    column = Appointment.patient_id if user.is_patient else Appointment.therapist_id
    return (
        db.select(Appointment)
        .options(joinedload(Appointment.patient), joinedload(Appointment.therapist))
        .where(column == user.id)
    )


def upcoming_for(user: User, now: datetime, limit: int = 50) -> list[Appointment]:
    """Appointments whose room has not closed yet, soonest first (cancelled ones too)."""
    earliest = now - timedelta(minutes=MAX_DURATION + room.DEFAULT_GRACE_MINUTES)
    rows = db.session.execute(
        _for_user(user).where(Appointment.starts_at >= earliest)
        .order_by(Appointment.starts_at).limit(limit)
    ).scalars()
    return [a for a in rows if room.window(a.slot)[1] > now]


def past_for(user: User, now: datetime, limit: int = 20) -> list[Appointment]:
    latest = now - timedelta(minutes=room.DEFAULT_GRACE_MINUTES)
    rows = db.session.execute(
        _for_user(user).where(Appointment.starts_at < latest)
        .order_by(Appointment.starts_at.desc()).limit(limit + 10)
    ).scalars()
    return [a for a in rows if room.window(a.slot)[1] <= now][:limit]


def next_for_patient(patient: User, now: datetime) -> Appointment | None:
    upcoming = [a for a in upcoming_for(patient, now, limit=10) if a.status in OPEN_STATUSES]
    return upcoming[0] if upcoming else None


def between(therapist: User, start: datetime, end: datetime) -> list[Appointment]:
    return list(
        db.session.execute(
            db.select(Appointment)
            .options(joinedload(Appointment.patient))
            .where(Appointment.therapist_id == therapist.id,
                   Appointment.starts_at >= start, Appointment.starts_at < end)
            .order_by(Appointment.starts_at)
        ).scalars()
    )


def audit_rows(appointments: list[Appointment], resource_type: str = "appointment_row") -> None:
    record_many(Action.READ, resource_type, [(a.id, a.patient_id) for a in appointments])


# --- the room --------------------------------------------------------------------------------


def lock_room(room_id: str) -> Appointment | None:
    """The appointment behind a room, locked for this transaction (PostgreSQL).

    Room writes serialise on the row, so signalling numbers commit in order and
    a poll that has seen number n has seen everything before it.
    """
    return db.session.execute(
        db.select(Appointment).where(Appointment.room_id == room_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _transition(appointment: Appointment, event: Event | str, now: datetime) -> RoomState:
    before = appointment.room_state
    after = room.apply(before, event, now, appointment.slot)
    if after == before:
        return after
    appointment.store_room_state(after)
    appointment.version += 1
    if after.is_terminal:
        # The tabs keep their tokens, so that their next poll learns how the room ended.
        _forget_signals(appointment)
    if after.status is Status.ENDED and before.status is not Status.ENDED:
        _record_contact(appointment, after)
    room_changed(db.session, appointment.room_id)
    db.session.flush()
    return after


def _forget_signals(appointment: Appointment) -> None:
    # SDPs name network addresses; nothing needs them once the call is over.
    db.session.execute(delete(Signal).where(Signal.appointment_id == appointment.id))


def _record_contact(appointment: Appointment, state: RoomState) -> None:
    if state.connected_at is None or state.call_time <= timedelta(0):
        return
    contact = TreatmentContact(
        patient_id=appointment.patient_id,
        therapist_id=appointment.therapist_id,
        kind="video",
        occurred_at=state.connected_at,
        duration_minutes=max(1, round(state.call_time.total_seconds() / 60)),
        source_id=str(appointment.id),
    )
    add_recorded(contact, "treatment_contact", patient_id=appointment.patient_id)


def is_open(appointment: Appointment, now: datetime) -> bool:
    opens_at, closes_at = room.window(appointment.slot)
    return opens_at <= now < closes_at


def may_enter(appointment: Appointment, role: str, now: datetime) -> bool:
    """A participant may (re)enter: the window is open and the room is not finished."""
    if appointment.room_state.is_terminal or not is_open(appointment, now):
        return False
    if getattr(appointment, f"{role}_present"):
        return True  # a reload or a second tab takes over the place
    return room.can_join(role, appointment.slot, now, appointment.room_state)


def enter(appointment: Appointment, role: str, now: datetime) -> str:
    """Put a participant in the room from a new browser tab; returns the tab's token.

    A second tab (or a reload) replaces the first: the old tab's requests are
    then refused as stale.
    """
    if not getattr(appointment, f"{role}_present"):
        _transition(appointment, room.enters(role), now)
    elif not may_enter(appointment, role, now):
        raise RoomTransitionError("the room is closed")
    elif appointment.room_state.status is Status.IN_CALL:
        # A reload or a second tab drops the old tab's media, whichever of its "leave" and
        # this entry reaches the server first: the call pauses until the new tab connects,
        # and that counts as a reconnect either way.
        _transition(appointment, room.leave(role), now)
        _transition(appointment, room.enters(role), now)
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    setattr(appointment, f"{role}_session", token)
    setattr(appointment, f"{role}_seen_at", now)
    appointment.version += 1
    room_changed(db.session, appointment.room_id)
    db.session.flush()
    return token


def check_session(appointment: Appointment, role: str, token: object) -> None:
    if not isinstance(token, str) or not token or appointment.session_of(role) != token:
        raise StaleSession()


def leave(appointment: Appointment, role: str, now: datetime) -> None:
    """The participant's tab closed, or they chose to leave the waiting room."""
    if getattr(appointment, f"{role}_present"):
        _transition(appointment, room.leave(role), now)
    setattr(appointment, f"{role}_session", None)
    appointment.version += 1
    room_changed(db.session, appointment.room_id)
    db.session.flush()


def admit(appointment: Appointment, now: datetime) -> None:
    _transition(appointment, room.ADMIT, now)


def hang_up(appointment: Appointment, role: str, now: datetime) -> None:
    _transition(appointment, room.hang_up(role), now)


def connected(appointment: Appointment, now: datetime) -> None:
    """A participant's browser reports the media connection is up (repeats do nothing)."""
    state = appointment.room_state
    if state.status is Status.ADMITTED and state.patient_present and state.therapist_present:
        _transition(appointment, room.CONNECTED, now)


def upkeep(appointment: Appointment, now: datetime) -> None:
    """Drop participants who stopped polling, and close a room whose window has passed."""
    for role in (Role.PATIENT.value, Role.THERAPIST.value):
        seen = getattr(appointment, f"{role}_seen_at")
        if getattr(appointment, f"{role}_present") and (seen is None or now - seen > STALE_AFTER):
            # Keep the tab's token: if it comes back, its next poll re-enters.
            _transition(appointment, room.leave(role), now)
    _transition(appointment, room.EXPIRE, now)


def resume(appointment: Appointment, role: str, now: datetime) -> None:
    """A tab that was dropped as gone polls again: put it back if the window allows."""
    if not getattr(appointment, f"{role}_present") and may_enter(appointment, role, now):
        _transition(appointment, room.enters(role), now)


def seen(appointment: Appointment, role: str, now: datetime) -> None:
    last = getattr(appointment, f"{role}_seen_at")
    if last is None or now - last >= SEEN_RESOLUTION:
        setattr(appointment, f"{role}_seen_at", now)
        db.session.flush()


def due_rooms(now: datetime) -> list[str]:
    """Rooms that may need upkeep: open, and their waiting room has opened."""
    return list(db.session.execute(
        db.select(Appointment.room_id).where(
            Appointment.status.in_([s.value for s in OPEN_STATUSES]),
            Appointment.starts_at <= now + timedelta(minutes=room.DEFAULT_EARLY_MINUTES),
        )
    ).scalars())


def expire_room(room_id: str, now: datetime) -> bool:
    """Upkeep for one room (see :func:`upkeep`); whether anything changed."""
    appointment = lock_room(room_id)
    if appointment is None:
        return False
    version = appointment.version
    upkeep(appointment, now)
    return appointment.version != version


def forget_old_signals(now: datetime) -> None:
    db.session.execute(delete(Signal).where(Signal.created_at < now - timedelta(days=1)))


def expire_due(now: datetime) -> int:
    """Close rooms whose window has passed and drop vanished participants, in one transaction.

    The cron command commits after each room instead (see ``video.cli``).
    """
    changed = sum(expire_room(room_id, now) for room_id in due_rooms(now))
    forget_old_signals(now)
    return changed


def lock_appointment(appointment_id: int) -> None:
    """Lock an appointment's row before anything is audited (see ``video.views``)."""
    db.session.execute(
        db.select(Appointment.id).where(Appointment.id == appointment_id).with_for_update())
