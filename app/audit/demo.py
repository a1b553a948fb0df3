"""The demo's access-log history: what a patient finds on "Who has seen my data".

The demo is built outside any request, so its other rows say "Stepcare (automatic)";
these rows are written as the clinic's staff would have written them by working.
"""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.audit.models import Action, Outcome
from app.audit.operations import append_as
from app.db import utcnow


def _row(actor: User, patient: User, action: Action, resource_type: str, hours_ago: float) -> dict:
    return {
        "at": utcnow() - timedelta(hours=hours_ago),
        "actor_id": actor.id,
        "actor_role": actor.role,
        "patient_id": patient.id,
        "action": str(action),
        "resource_type": resource_type,
        "resource_id": str(patient.id),
        "outcome": str(Outcome.ALLOWED),
        "ip": "10.0.0.12",
    }


def _list_view(actor: User, patients: list[User], resource_type: str, hours_ago: float) -> dict:
    """One event for a list that showed all these patients, as ``record_many`` writes it."""
    row = _row(actor, patients[0], Action.READ, resource_type, hours_ago)
    row.update(patient_id=None, resource_id=None,
               members=[(str(patient.id), patient.id) for patient in patients])
    return row


def access_history(therapist: User, admin: User, patients: list[User]) -> None:
    """A week of the therapist's and admin's work, oldest first, for each of these patients."""
    rows = [_list_view(admin, patients, "patient_list_row", 150)]
    # The caseload, opened four times one day.
    rows += [_list_view(therapist, patients, "caseload_row", hours) for hours in (30, 28, 26, 25)]
    for patient in patients:
        rows.append(_row(admin, patient, Action.UPDATE, "care_assignment", 149.9))
        rows.append(_row(therapist, patient, Action.READ, "patient", 24.8))
        rows.append(_row(therapist, patient, Action.CREATE, "clinician_note", 24.7))
        rows.append(_row(therapist, patient, Action.READ, "video_ice_servers", 2))
        rows.append(_row(patient, patient, Action.CREATE, "mood_entry", 1))
    append_as(sorted(rows, key=lambda r: r["at"]))
