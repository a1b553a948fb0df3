from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, db, utcnow


class Action(StrEnum):
    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXPORT = "E"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"


# The actor_role of a row written for another system's request (the FHIR API's clients):
# its actor_id is then that client's id, not a user's, and the access log asks the
# ``audit_actor_names`` signal for its name.
SYSTEM_CLIENT_ROLE = "fhir_client"


class AuditEvent(db.Model):
    """Append-only: database triggers refuse UPDATE and DELETE (see the first migration).

    No foreign keys on purpose: the trail must outlive the rows it speaks of,
    and it never holds answer text, only what was touched and by whom.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint("action IN ('C', 'R', 'U', 'D', 'E')", name="action"),
        CheckConstraint("outcome IN ('allowed', 'denied')", name="outcome"),
        Index("ix_audit_event_patient_at", "patient_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None]
    actor_role: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(1))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))
    ip: Mapped[str | None] = mapped_column(String(45))
    # Which HMAC key chained this row; NULL for rows from before a key was set.
    key_id: Mapped[str | None] = mapped_column(String(12))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEventPatient(db.Model):
    """A patient a list view showed: one row per line of the list, under one event.

    A caseload page of 25 writes one chained event and 25 of these in one INSERT, where it
    wrote 25 chained events. Each patient's access log still finds the view through
    ``patient_id``; the event's hash covers these rows (``chain.members_digest``), and
    they are append-only like the events.
    """

    __tablename__ = "audit_event_patient"
    __table_args__ = (Index("ix_audit_event_patient_patient", "patient_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"))
    patient_id: Mapped[int | None]
    resource_id: Mapped[str | None] = mapped_column(String(64))
