"""Writing audit rows: the one mechanism every view uses."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from typing import Any, Protocol, TypeVar

from flask import current_app, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, func, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from app.audit.chain import (
    GENESIS,
    Link,
    first_broken_link,
    key_id_of,
    link_hash,
    members_digest,
)
from app.audit.models import Action, AuditEvent, AuditEventPatient, Outcome
from app.db import db, take_write_lock, utcnow

# Any constant works; it names the lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x5354_4550  # "STEP"


class _Identified(Protocol):
    id: Any


_Row = TypeVar("_Row", bound=_Identified)


#: Lines of a list view per INSERT: 3 parameters each, well within both databases' limits.
_LINES_PER_INSERT = 1000

# Rows added in the session's open transaction, kept so that reads survive a rollback.
_PENDING = "audit_pending"


# Rows of reads whose append waits for the commit (see ``record_at_commit``).
_AT_COMMIT = "audit_at_commit"


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_commit")
def _append_at_commit(session: Session) -> None:
    rows = session.info.pop(_AT_COMMIT, None)
    if rows:
        _append(rows)


def _actor() -> tuple[int | None, str]:
    # A request authenticated without a session (a FHIR client's bearer token) names its
    # actor here: (the client's id, its role), e.g. (3, "fhir_client").
    if has_request_context() and g.get("audit_actor"):
        return g.audit_actor
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.role
    if has_request_context():
        return None, "anonymous"
    return None, "system"


def _key() -> bytes | None:
    key = current_app.config.get("AUDIT_KEY") if has_app_context() else None
    return key.encode() if key else None


def take_chain_lock() -> None:
    """Serialise with every other writer of the audit chain until the commit.

    Also taken by whatever else must see every earlier writer's commit before it writes
    (the caseload's stored facts): one lock, always taken first, so no deadlock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same row. The lock is
        # released at commit; SQLite's BEGIN IMMEDIATE already serialises writers.
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    else:
        # A GET reads without SQLite's write lock: take it before reading the head the
        # new row chains onto, or another writer could append in between.
        take_write_lock()


def _last_hash() -> str:
    take_chain_lock()
    last = db.session.execute(
        db.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last or GENESIS


def _append(rows: list[dict]) -> None:
    """Chain these rows' fields onto the trail's head and insert them.

    A list view's row carries ``members``, the (resource id, patient id) pairs it showed:
    its hash covers their digest, and they are inserted under its id.
    """
    key = _key()
    key_id = key_id_of(key) if key else None
    prev = _last_hash()
    chained = []
    for fields in rows:
        members = fields.get("members")
        columns = {**{k: v for k, v in fields.items() if k != "members"}, "key_id": key_id}
        hashed = {**columns, "members": members_digest(members)} if members else columns
        digest = link_hash(prev, hashed, key)
        chained.append(({**columns, "prev_hash": prev, "hash": digest}, members))
        prev = digest
    _insert(chained)
    db.session.info.setdefault(_PENDING, []).extend(rows)


def _insert(chained: list[tuple[dict, list | None]]) -> None:
    if not any(members for _row, members in chained):
        # One executemany: the ORM would send an INSERT per row to learn each new id.
        db.session.execute(insert(AuditEvent), [row for row, _members in chained])
        return
    for row, members in chained:  # one by one, in chain order: the ids follow the chain
        event_id = db.session.execute(
            insert(AuditEvent).returning(AuditEvent.id), row).scalar_one()
        lines = [{"event_id": event_id, "resource_id": resource_id, "patient_id": patient_id}
                 for resource_id, patient_id in members or ()]
        if lines:
            db.session.execute(_lines_insert(), lines)


def _lines_insert() -> Executable:
    """RETURNING makes SQLAlchemy send the lines as one multi-row INSERT per chunk
    ("insertmanyvalues"), compiled once and cached.

    A plain executemany would send each row as a statement of its own through psycopg,
    which cost a caseload view on PostgreSQL more than the rest of its queries together;
    an ``insert().values(rows)`` is compiled afresh for every list, which cost a caseload
    view on SQLite a tenth of its time.
    """
    return (insert(AuditEventPatient).returning(AuditEventPatient.event_id)
            .execution_options(insertmanyvalues_page_size=_LINES_PER_INSERT))


def append_as(rows: list[dict]) -> None:
    """Rows whose actor, time and address the caller gives (the demo's history)."""
    _append(rows)


def record(
    action: Action,
    resource_type: str,
    resource_id: object = None,
    *,
    patient_id: int | None,
    outcome: Outcome = Outcome.ALLOWED,
) -> None:
    _append(_rows(action, resource_type, [(resource_id, patient_id)], outcome))


def add_recorded(
    row: _Row,
    resource_type: str,
    *,
    patient_id: int | None,
    action: Action = Action.CREATE,
) -> _Row:
    """Add a new row to the session, flush it for its id, and audit its writing."""
    db.session.add(row)
    db.session.flush()
    record(action, resource_type, row.id, patient_id=patient_id)
    return row


def record_many(
    action: Action,
    resource_type: str,
    targets: list[tuple[object, int | None]],
    *,
    outcome: Outcome = Outcome.ALLOWED,
) -> None:
    """One event for a list that shows many things, each (resource id, patient id) under it.

    Each patient's access log shows the view (``patient_access``); writing one chained
    event and the shown pairs in one INSERT costs a constant number of statements,
    whatever the list's length.
    """
    if targets:
        row = _rows(action, resource_type, [(None, None)], outcome)[0]
        row["members"] = [(None if resource_id is None else str(resource_id), patient_id)
                          for resource_id, patient_id in targets]
        _append([row])


def record_at_commit(action: Action, resource_type: str, resource_id: object = None, *,
                     patient_id: int | None) -> None:
    """Like ``record``, but the row is chained on when the request commits.

    Appending takes the chain's lock (PostgreSQL's advisory lock, SQLite's write lock)
    until the commit: a page that records its read first would hold it, and serialise
    every such page, while it runs its queries and renders. A failed request keeps the
    row too (``rollback_keeping_reads``).
    """
    rows = _rows(action, resource_type, [(resource_id, patient_id)], Outcome.ALLOWED)
    db.session.info.setdefault(_AT_COMMIT, []).extend(rows)


def _rows(action: Action, resource_type: str, targets: list[tuple[object, int | None]],
          outcome: Outcome) -> list[dict]:
    actor_id, actor_role = _actor()
    at = utcnow()
    ip = request.remote_addr if has_request_context() else None
    return [
        {
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
        for resource_id, patient_id in targets
    ]


def rollback_keeping_reads() -> None:
    """Roll the transaction back, then write again the audit rows of what was read.

    A failed request changed nothing, so its rows for writes go with the rollback;
    but what it showed (or refused to show) was seen, and must stay in the trail.
    The rows are chained afresh onto the head as it is after the rollback.
    """
    pending = db.session.info.pop(_PENDING, []) + db.session.info.pop(_AT_COMMIT, [])
    db.session.rollback()
    kept = [r for r in pending
            if r["action"] == Action.READ or r["outcome"] == Outcome.DENIED]
    if kept:
        _append(kept)
        db.session.commit()


def record_denied(
    resource_type: str,
    resource_id: object,
    *,
    patient_id: int | None,
    action: Action = Action.READ,
) -> None:
    """Keep a denied attempt even though the request itself fails.

    Whatever the request had written is rolled back first (reads it made stay
    audited), so the denial is the only change that lands.
    """
    rollback_keeping_reads()
    record(action, resource_type, resource_id, patient_id=patient_id, outcome=Outcome.DENIED)
    db.session.commit()


def _keys(key_id: str) -> bytes | None:
    key = _key()
    return key if key and key_id_of(key) == key_id else None


def verify_chain() -> tuple[int, tuple[int, str] | None]:
    """How many rows were checked, and the first broken link if any."""
    rows = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()
    digest_of = _members_digests()
    count = 0

    def links():
        nonlocal count
        for row in rows:
            count += 1
            yield Link(**{c: getattr(row, c) for c in Link.__dataclass_fields__
                          if c != "members"}, members=digest_of(row.id))

    broken = first_broken_link(links(), _keys)
    return count, broken


def _members_digests() -> Callable[[int], str | None]:
    """The digest of each event's listed patients, read alongside the events in id order.

    Members are inserted right after their event, under the chain's lock, so their ids
    rise with their events'. Anything out of that order is never matched, and so shows
    as a broken link rather than passing unseen.
    """
    members = db.session.execute(
        db.select(AuditEventPatient.event_id, AuditEventPatient.resource_id,
                  AuditEventPatient.patient_id).order_by(AuditEventPatient.id))
    groups = groupby(members, key=lambda m: m.event_id)
    current = next(groups, None)

    def digest_of(event_id: int) -> str | None:
        nonlocal current
        while current is not None and current[0] < event_id:
            current = next(groups, None)
        if current is None or current[0] != event_id:
            return None
        found = members_digest((m.resource_id, m.patient_id) for m in current[1])
        current = next(groups, None)
        return found

    return digest_of


def head() -> tuple[int, str]:
    """The trail's head: how many rows it holds and the last row's hash."""
    count = db.session.execute(db.select(func.count(AuditEvent.id))).scalar_one()
    return count, _peek_last_hash()


def _peek_last_hash() -> str:
    last = db.session.execute(
        db.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    return last or GENESIS


def holds_anchor(count: int, digest: str) -> bool:
    """Whether the trail's row number ``count`` (in id order) still has hash ``digest``.

    Together with an intact chain this proves nothing before the anchor was
    removed or rewritten, and that the tail was not cut short of it.
    """
    if count == 0:
        return digest == GENESIS
    found = db.session.execute(
        db.select(AuditEvent.hash).order_by(AuditEvent.id).offset(count - 1).limit(1)
    ).scalar_one_or_none()
    return found == digest
