"""What a participant's page shows of a room: its state and the sentence that explains it.

Shared by the call page (``video.views``) and the call API (``video.api``); the sentence is
translated here, not in JavaScript.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app import dates
from video import operations
from video.models import Appointment
from video.room import Status


def clock(value: datetime | None) -> str | None:
    return dates.text(value, "time") if value else None


def room_state(appointment: Appointment, role: str) -> dict:
    """The page's state (``video.schemas.RoomState``)."""
    peer = operations.other(role)
    peer_present = getattr(appointment, f"{peer}_present")
    waiting = appointment.status == Status.WAITING and appointment.patient_present
    return {
        "status": appointment.status,
        "version": appointment.version,
        "role": role,
        "present": getattr(appointment, f"{role}_present"),
        "peer_present": peer_present,
        "peer_session": appointment.session_of(peer) if peer_present else None,
        "waiting_since": clock(appointment.patient_arrived_at) if waiting else None,
        "can_admit": role == "therapist" and waiting and appointment.therapist_present,
        "live": appointment.status in (Status.ADMITTED, Status.IN_CALL),
        "finished": appointment.room_state.is_terminal,
        "message": status_sentence(appointment, role, peer_present),
    }


def status_sentence(appointment: Appointment, role: str, peer_present: bool) -> str:
    status = Status(appointment.status)
    patient = role == "patient"
    if status in (Status.SCHEDULED, Status.WAITING):
        if patient:
            return _("You are in the waiting room. Your therapist will let you in soon.")
        if appointment.patient_present:
            return _("%(name)s is waiting since %(time)s.", name=appointment.patient.name,
                     time=clock(appointment.patient_arrived_at))
        return _("%(name)s has not arrived yet.", name=appointment.patient.name)
    if status in (Status.ADMITTED, Status.IN_CALL):
        if not peer_present:
            return (_("Your therapist has stepped out. Please stay on this page.") if patient
                    else _("%(name)s has left the call. They can come back until the "
                           "appointment's time is over.", name=appointment.patient.name))
        return _("You are in the call.") if status == Status.IN_CALL else _("Connecting…")
    if status == Status.CANCELLED:
        return _("This appointment was cancelled.")
    return _("The consultation has ended. You can close this page.")
