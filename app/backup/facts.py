"""Reading a database's facts (revision, row counts, audit head) over any connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.audit.chain import GENESIS
from app.backup.manifest import Facts

Query = Callable[[str], Sequence[Sequence[Any]]]

_SQLITE_TABLES = ("SELECT name FROM sqlite_master WHERE type = 'table' "
                  "AND name NOT LIKE 'sqlite_%' ORDER BY name")
_POSTGRES_TABLES = ("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "ORDER BY tablename")


def tables(query: Query, dialect: str) -> list[str]:
    return [row[0] for row in query(_SQLITE_TABLES if dialect == "sqlite" else _POSTGRES_TABLES)]


def read(query: Query, names: Sequence[str]) -> Facts:
    """The facts of the tables ``names``, read with ``query`` (one snapshot, if it is one)."""
    # The names are the database's own tables (or a manifest's, checked against them).
    counts = {name: int(query(f'SELECT count(*) FROM "{name}"')[0][0])  # noqa: S608
              for name in names}
    revision = None
    if "alembic_version" in names:
        found = query("SELECT version_num FROM alembic_version")
        revision = found[0][0] if found else None
    last = query("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1") \
        if "audit_event" in names else []
    return Facts(revision=revision, counts=counts, audit_count=counts.get("audit_event", 0),
                 audit_hash=last[0][0] if last else GENESIS)


def holds_rows(query: Query, names: Sequence[str], guarded: Sequence[str]) -> bool:
    """Whether any of the ``guarded`` tables that exist (in ``names``) holds a row."""
    return any(query(f'SELECT 1 FROM "{name}" LIMIT 1')  # noqa: S608
               for name in guarded if name in names)
