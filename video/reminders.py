"""The reminder video contributes: an email the day before an appointment.

The email says only that there is an appointment (see ``app.reminders``); the time and the
link to the waiting room are behind the sign-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import selectinload

from app.db import db
from app.signals import Reminder
from video.models import Appointment
from video.room import Status

AHEAD = timedelta(hours=24)
# Booked for within the hour: the patient has just heard of it, and a cron run may not
# come round before it starts anyway.
TOO_LATE = timedelta(hours=1)


def collect(sender, *, now: datetime, **_kwargs) -> list[Reminder]:
    appointments = db.session.execute(
        db.select(Appointment).options(selectinload(Appointment.patient))
        .where(Appointment.status == Status.SCHEDULED,
               Appointment.starts_at > now + TOO_LATE,
               Appointment.starts_at <= now + AHEAD)
    ).scalars()
    # The start time is in the key: a rescheduled appointment is reminded of again.
    return [Reminder(a.patient, "appointment", f"appointment:{a.id}:{a.starts_at.isoformat()}")
            for a in appointments]
