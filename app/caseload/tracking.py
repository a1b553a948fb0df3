"""Keeping the caseload's stored facts current: which patients a transaction touched.

Every flushed ORM object, and every INSERT, UPDATE or DELETE sent through the session,
on a table some package's facts come from (``CaseloadFacts.sources``) marks the patients
it names. Just before the transaction commits, their facts are recomputed and stored
(``app.caseload.projection.store``), so the commit that writes a risk alert also writes
the caseload's copy of it. A statement whose patients cannot be told (an UPDATE or
DELETE by a condition, such as erasure's) recomputes every stored patient's.

A rolled-back transaction forgets what it touched: nothing it wrote remains.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import chain
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from app.audit.models import Action
from app.audit.operations import record_many
from app.caseload import facts, projection
from app.db import db
from app.signals import FactSource

_TOUCHED = "caseload_touched"  # {FactSource: the values of its column that were written}
_ALL = "caseload_touched_all"  # a write whose patients cannot be told
_SOURCES = "caseload_sources"
_TRACKED = "caseload_tracking"  # set by init_app: the listeners act only in this app


def _tracking() -> bool:
    # The listeners are on every Session; another Flask app in the same process (a
    # benchmark's plain app, a tool) has no caseload to keep.
    return has_app_context() and bool(current_app.extensions.get(_TRACKED))


def sources() -> dict[str, list[FactSource]]:
    """The tables facts come from, in this app (runs no query; kept once per app)."""
    found = current_app.extensions.get(_SOURCES)
    if found is None:
        found = {}
        for batch in facts.batches(None, []):
            for source in batch.sources:
                found.setdefault(source.table, []).append(source)
        current_app.extensions[_SOURCES] = found
    return found


def _touch(session: Session, source: FactSource, values: Collection[Any] | None) -> None:
    if values is None:
        session.info[_ALL] = True
        return
    session.info.setdefault(_TOUCHED, {}).setdefault(source, set()).update(
        v for v in values if v is not None)


def _object_values(obj: Any, column: str) -> list[Any] | None:
    """The column's values before and after the flush; None if it has no such attribute."""
    attrs = inspect(obj).attrs
    if column not in attrs:
        return None
    history = attrs[column].history
    return [*history.added, *history.unchanged, *history.deleted]


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    if not _tracking():
        return
    found = sources()
    for obj in chain(session.new, session.dirty, session.deleted):
        table = getattr(inspect(obj).mapper.local_table, "name", None)
        for source in found.get(table or "", ()):
            if not source.inserts_only or obj in session.new:
                _touch(session, source, _object_values(obj, source.column))


def _statement_values(state: ORMExecuteState, column: str) -> list[Any] | None:
    """The column's values in an INSERT's rows; None if some row does not give it."""
    rows = state.parameters
    given: list[dict[str, Any]] = [rows] if isinstance(rows, dict) else list(rows or [])
    if not any(given):
        dialect = state.session.get_bind().dialect
        given = [state.statement.compile(dialect=dialect).params]
    values = []
    for row in given:
        if row.get(column) is None:
            return None
        values.append(row[column])
    return values


@event.listens_for(Session, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or not _tracking():
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    for source in sources().get(table or "", ()):
        if source.inserts_only and not state.is_insert:
            continue
        values = _statement_values(state, source.column) if state.is_insert else None
        _touch(state.session, source, values)


def _patients(touched: dict[FactSource, set[Any]]) -> set[int]:
    found: set[int] = set()
    for source, values in touched.items():
        if values:
            found.update(source.patients(values) if source.patients else values)
    return found


@event.listens_for(Session, "before_commit")
def _store_touched(session: Session) -> None:
    if session.in_nested_transaction() or not _tracking():
        return
    for _round in range(5):
        session.flush()
        touched = session.info.pop(_TOUCHED, {})
        everyone = session.info.pop(_ALL, False)
        if everyone:  # those without stored facts get them when the page needs them
            projection.store(projection.stored_patient_ids())
        elif touched:
            projection.store(_patients(touched))
        else:
            return
    raise RuntimeError("storing the caseload's facts kept writing what they come from")


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)
        session.info.pop(_ALL, None)


caseload_cli = AppGroup("caseload", help="The therapists' caseloads.")


@caseload_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every patient's stored caseload facts (safe to run at any time)."""
    count = projection.rebuild()
    # A write of every patient's derived record: each patient's access log shows it.
    ids = projection.all_patient_ids()
    record_many(Action.UPDATE, "caseload_facts", [(pid, pid) for pid in ids])
    db.session.commit()
    click.echo(f"Stored the caseload facts of {count} patient(s).")


def init_app(app: Flask) -> None:
    app.extensions[_TRACKED] = True
    app.cli.add_command(caseload_cli)
