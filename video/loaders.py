"""The room a request names, loaded for one of its participants or answered 404."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.audit.models import Action
from app.audit.operations import record_denied
from app.db import db, utcnow
from video import access, operations, room
from video.models import Appointment
from video.room import Status

# The appointment's pages name both its people: loaded with it, so no query runs while the
# template renders (tests/test_render_queries.py).
WITH_PEOPLE = (selectinload(Appointment.patient), selectinload(Appointment.therapist))


def _window_allows(appointment: Appointment, now: datetime) -> bool:
    # A call in progress is never cut off by the clock (video.room): it may
    # keep signalling (ICE restarts) after the window has closed.
    return operations.is_open(appointment, now) or appointment.status == Status.IN_CALL


def participant(room_id: str, *, action: Action = Action.READ, lock: bool = True,
                role: str | None = None, people: bool = False) -> tuple[Appointment, str]:
    """The room's appointment and the current user's part in it; otherwise 404 and a
    denied audit row (someone else's room, an unknown room, or outside its window).
    ``people`` loads the patient and the therapist with it, for a page that names them."""
    appointment = None
    if room.is_valid_room_id(room_id):
        if lock:
            appointment = operations.lock_room(room_id)
        else:
            appointment = db.session.execute(
                db.select(Appointment).where(Appointment.room_id == room_id)
                .options(*(WITH_PEOPLE if people else ()))
            ).scalar_one_or_none()
    their_role = access.role_in(appointment, current_user.id) if appointment else None
    allowed = their_role is not None and (role is None or their_role == role)
    if not allowed or not _window_allows(appointment, utcnow()):
        record_denied("video_room", appointment.id if appointment else None,
                      patient_id=appointment.patient_id if appointment else None, action=action)
        abort(404)
    return appointment, their_role
