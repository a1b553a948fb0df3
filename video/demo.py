"""Video appointments for the demo clinic: one about to start for Anna, and a history."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.caseload.operations import current_assignment
from app.db import db, utcnow
from app.signals import DemoClinic, DemoHook
from video import operations
from video.models import Appointment

SOON_MINUTES = 5  # the demo patient's room is open as soon as `flask demo` has run


def _book(patient, starts_at: datetime, minutes: int = 45) -> Appointment:
    therapist = current_assignment(patient).therapist
    return operations.book(therapist=therapist, patient=patient, starts_at=starts_at,
                           duration_minutes=minutes, by=therapist)


def _hold(appointment: Appointment, *, late: int, minutes: int) -> None:
    """Play a consultation that happened through the room's real transitions."""
    start = appointment.starts_at
    operations.enter(appointment, "therapist", start - timedelta(minutes=2))
    operations.enter(appointment, "patient", start + timedelta(minutes=late))
    admitted = start + timedelta(minutes=max(late, 0), seconds=30)
    operations.admit(appointment, admitted)
    operations.connected(appointment, admitted + timedelta(seconds=2))
    operations.hang_up(appointment, "therapist", admitted + timedelta(minutes=minutes))


def _at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    now = utcnow()
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(
        days=day_offset)


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    anna = clinic.patients[0]
    now = utcnow()
    soon = now.replace(second=0, microsecond=0) + timedelta(minutes=SOON_MINUTES)
    _book(anna, soon)
    _hold(_book(anna, _at(-14, 8)), late=0, minutes=47)
    _hold(_book(anna, _at(-7, 8)), late=6, minutes=41)
    _book(anna, _at(7, 8))
    others = [p for p in clinic.patients[1:-5] if current_assignment(p) is not None]
    for index, patient in enumerate(others[:6]):
        past = _book(patient, _at(-3 - index, 9 + index % 4), minutes=rng.choice((30, 45, 50)))
        if index % 3 == 2:
            operations.upkeep(past, past.ends_at + timedelta(hours=1))  # never came: a no-show
        else:
            _hold(past, late=rng.randint(0, 8), minutes=past.duration_minutes - 3)
        future = _book(patient, _at(2 + index, 9 + index % 5), minutes=45)
        if index == 1:
            operations.cancel(future, now=now)
    db.session.flush()


def hook(sender) -> DemoHook:
    """Last: the random draws, and so the demo data, stay as they were."""
    return DemoHook(order=40, populate=populate)
