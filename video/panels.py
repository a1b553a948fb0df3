"""What video shows on the core's pages: the patient's next appointment on the home page,
and the therapist's appointments today above the caseload.

Each panel's data is read (and audited) here, before any template renders.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.db import utcnow
from app.signals import NavEntry, Panel
from video import operations, room
from video.room import Status
from video.views import describe, today_for


def nav(user: User) -> list[NavEntry]:
    """Patients and therapists both keep appointments; the menu leads to them."""
    if user.is_patient or user.is_therapist:
        return [NavEntry(45, _l("Appointments"), "video.appointments")]
    return []


def home_panel(patient: User) -> Panel | None:
    now = utcnow()
    upcoming = operations.next_for_patient(patient, now)
    if upcoming is None:
        return None
    operations.audit_rows([upcoming])
    return Panel(order=20, template="video/_home_panel.html", context={
        "appointment": upcoming,
        "therapist": upcoming.therapist,
        "can_join": operations.may_enter(upcoming, "patient", now)
        or upcoming.status == Status.IN_CALL,
        "opens_at": room.window(upcoming.slot)[0],
    })


def today_panel(therapist: User) -> Panel:
    return Panel(order=10, template="video/_today_panel.html",
                 context={"rows": today_for(therapist)})


def template_helpers() -> dict[str, Any]:
    """``video_describe(appointment, now)``: an appointment's status in a few words."""
    return {"video_describe": describe}
