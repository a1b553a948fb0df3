"""Who may use a room and a relay: the care assignment and the appointment decide.

A room belongs to its appointment's patient and to the therapist who currently cares
for that patient. When the admin reassigns the patient, the old therapist's rooms answer
404 from that moment (the appointment stays, so the new therapist can rebook or cancel
it). TURN credentials cost bandwidth and hide where traffic comes from, so the pre-call
test hands them only to staff and to a patient whose appointment is near.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.accounts.models import User
from app.caseload.loaders import current_therapist_id
from app.caseload.models import CareAssignment
from app.db import db
from video import room
from video.models import Appointment
from video.operations import OPEN_STATUSES

RELAY_HORIZON = timedelta(hours=24)


def role_in(appointment: Appointment, user_id: int) -> str | None:
    """``"patient"`` or ``"therapist"`` if the user takes part in the appointment now."""
    role = appointment.role_of(user_id)
    if role == "therapist" and current_therapist_id(appointment.patient_id) != user_id:
        return None  # reassigned: the room followed the patient to their new therapist
    return role


def relay_appointment(patient: User, now: datetime) -> Appointment | None:
    """The patient's open appointment that starts within a day (or has not closed yet)."""
    rows = db.session.execute(
        db.select(Appointment)
        .where(Appointment.patient_id == patient.id,
               Appointment.status.in_([s.value for s in OPEN_STATUSES]),
               Appointment.starts_at <= now + RELAY_HORIZON,
               Appointment.starts_at >= now - timedelta(days=1))
        .order_by(Appointment.starts_at)
    ).scalars()
    return next((a for a in rows if room.window(a.slot)[1] > now), None)


def on_caseload(appointments: list[Appointment], user: User) -> list[Appointment]:
    """A therapist's appointments with the patients still on their caseload (one query):
    lists and the "today" panel must not keep showing a reassigned patient."""
    if user.is_patient or not appointments:
        return appointments
    current = set(db.session.execute(
        db.select(CareAssignment.patient_id).where(
            CareAssignment.therapist_id == user.id, CareAssignment.ended_at.is_(None),
            CareAssignment.patient_id.in_({a.patient_id for a in appointments}))
    ).scalars())
    return [a for a in appointments if a.patient_id in current]
