"""Writing audit rows: the one mechanism every view uses."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from app.audit.chain import GENESIS, Link, first_broken_link, link_hash
from app.audit.models import Action, AuditEvent, Outcome
from app.db import db, take_write_lock, utcnow

# Any constant works; it names the lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x5354_4550  # "STEP"


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.role
    if has_request_context():
        return None, "anonymous"
    return None, "system"


def _last_hash() -> str:
    if db.session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same row. The lock is
        # released at commit; SQLite's BEGIN IMMEDIATE already serialises writers.
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    else:
        # A GET reads without SQLite's write lock: take it before reading the head the
        # new row chains onto, or another writer could append in between.
        take_write_lock()
    last = db.session.execute(
        db.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last or GENESIS


def record(
    action: Action,
    resource_type: str,
    resource_id: object = None,
    *,
    patient_id: int | None,
    outcome: Outcome = Outcome.ALLOWED,
) -> None:
    record_many(action, resource_type, [(resource_id, patient_id)], outcome=outcome)


def record_many(
    action: Action,
    resource_type: str,
    targets: list[tuple[object, int | None]],
    *,
    outcome: Outcome = Outcome.ALLOWED,
) -> None:
    """One row per (resource id, patient id), with a constant number of queries.

    A list page that shows many patients writes a row for each of them, so
    that each patient's access log is complete.
    """
    if not targets:
        return
    actor_id, actor_role = _actor()
    at = utcnow()
    ip = request.remote_addr if has_request_context() else None
    prev = _last_hash()
    rows = []
    for resource_id, patient_id in targets:
        fields = {
            "at": at,
            "actor_id": actor_id,
            "actor_role": actor_role,
            "patient_id": patient_id,
            "action": str(action),
            "resource_type": resource_type,
            "resource_id": None if resource_id is None else str(resource_id),
            "outcome": str(outcome),
            "ip": ip,
        }
        digest = link_hash(prev, fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    # One executemany: the ORM would send an INSERT per row to learn each new id.
    db.session.execute(insert(AuditEvent), rows)


def record_denied(
    resource_type: str,
    resource_id: object,
    *,
    patient_id: int | None,
    action: Action = Action.READ,
) -> None:
    """Keep a denied attempt even though the request itself fails.

    Whatever the request had written is rolled back first, so the denial is
    the only thing that lands.
    """
    db.session.rollback()
    record(action, resource_type, resource_id, patient_id=patient_id, outcome=Outcome.DENIED)
    db.session.commit()


def verify_chain() -> tuple[int, tuple[int, str] | None]:
    """How many rows were checked, and the first broken link if any."""
    rows = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()
    count = 0

    def links():
        nonlocal count
        for row in rows:
            count += 1
            yield Link(**{c: getattr(row, c) for c in Link.__dataclass_fields__})

    broken = first_broken_link(links())
    return count, broken
