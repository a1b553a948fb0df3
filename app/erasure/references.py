"""Every row that refers to an account, found through the schema's foreign keys.

The core knows no domain package, yet an erasure must reach their tables: the tables and
foreign keys registered in ``db.metadata`` (every package's models are imported when the
app is made) name them all, so a new domain is covered without a change here.
"""

from __future__ import annotations

from sqlalchemy import Column, ColumnElement, Table, delete, func, select

from app.db import db

USER_TABLE = "user_account"
# Rows about the account rather than the care: they do not make a clinical entry.
ADMINISTRATIVE_TABLES = frozenset({
    "user_session", "account_token", "kept_draft", "recovery_code", "consent",
    "reminder_sent", "care_assignment", "erasure_request", "push_subscription",
})
# Copies computed from the other rows (the caseload's stored facts): they make no entry of
# their own, and go with the rows they were computed from.
DERIVED_TABLES = frozenset({"caseload_facts"})
# Kept through a purge: the request, closed, points at the anonymised stub.
KEPT_TABLES = frozenset({"erasure_request"})
MAX_DEPTH = 12  # a guard against a cycle of foreign keys


def user_columns() -> list[Column]:
    """Each column, in any table, that is a foreign key to the account table."""
    return [fk.parent for table in db.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == USER_TABLE and table.name != USER_TABLE]


def count_clinical_rows(user_id: int) -> int:
    total = 0
    for column in user_columns():
        if column.table.name in ADMINISTRATIVE_TABLES | DERIVED_TABLES:
            continue
        total += db.session.execute(
            select(func.count()).select_from(column.table).where(column == user_id)
        ).scalar_one()
    return total


def delete_rows_of(user_id: int) -> int:
    """Delete every row that refers to the account, rows that refer to those first."""
    deleted = 0
    for column in user_columns():
        if column.table.name not in KEPT_TABLES:
            deleted += _delete(column.table, column == user_id, 0)
    return deleted


def _delete(table: Table, condition: ColumnElement[bool], depth: int) -> int:
    if depth > MAX_DEPTH:
        raise RuntimeError(f"foreign keys to {table.name} nest too deep to erase")
    deleted = 0
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child is table:
                continue
            parents = select(fk.column).where(condition)
            deleted += _delete(child, fk.parent.in_(parents), depth + 1)
    result = db.session.execute(delete(table).where(condition))
    return deleted + (result.rowcount or 0)
