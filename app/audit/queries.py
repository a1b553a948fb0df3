"""Reading the trail about one patient: its own rows and the list views that showed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import Subquery, literal, union_all

from app.audit.models import AuditEvent, AuditEventPatient
from app.db import db


def patient_access(patient_id: int) -> Subquery:
    """Every access to this patient's data, one row per thing touched.

    A row about one thing names the patient itself; a list view (one event for a whole
    caseload page) names each patient it showed in ``audit_event_patient``, and appears
    here with that patient and that line's resource id, under the event's id.
    """
    ev, member = AuditEvent, AuditEventPatient
    shared = (ev.id, ev.at, ev.actor_id, ev.actor_role, ev.action, ev.resource_type,
              ev.outcome, ev.ip)
    # ``line`` keeps a list view's lines in the order shown.
    own = db.select(*shared, literal(0).label("line"), ev.patient_id, ev.resource_id).where(
        ev.patient_id == patient_id)
    listed = (db.select(*shared, member.id, member.patient_id, member.resource_id)
              .join(member, member.event_id == ev.id)
              .where(member.patient_id == patient_id))
    return union_all(own, listed).subquery("patient_access")


@dataclass(frozen=True)
class Access:
    """One event of a patient's access log, with what it touched of theirs."""

    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    patient_id: int
    action: str
    resource_type: str
    outcome: str
    ip: str | None
    # One id for a row about one thing; a list view lists each line it showed of this patient.
    resource_ids: tuple[str | None, ...]


def patient_access_log(patient_id: int) -> list[Access]:
    """The patient's access log, oldest first, one entry per event."""
    access = patient_access(patient_id)
    rows = db.session.execute(db.select(access).order_by(access.c.id, access.c.line)).all()
    entries = []
    for event_id, group in groupby(rows, lambda r: r.id):
        lines = list(group)
        first = lines[0]
        entries.append(Access(
            id=event_id, at=first.at, actor_id=first.actor_id, actor_role=first.actor_role,
            patient_id=patient_id, action=first.action, resource_type=first.resource_type,
            outcome=first.outcome, ip=first.ip,
            resource_ids=tuple(line.resource_id for line in lines)))
    return entries
