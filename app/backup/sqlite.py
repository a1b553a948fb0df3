"""SQLite: copies with the online backup API, which readers and writers keep working through."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from app.backup import facts
from app.backup.manifest import BackupError, Facts


def database_path(uri: str) -> Path:
    name = make_url(uri).database
    if not name or name == ":memory:":
        raise BackupError("the configured SQLite database is in memory; there is no file to "
                          "back up or restore")
    return Path(name)


def _query(connection: sqlite3.Connection):
    return lambda sql: connection.execute(sql).fetchall()


def copy(source: Path, target: Path) -> None:
    """Copy one consistent state of ``source`` over ``target`` (WAL included); writers of
    ``source`` go on meanwhile, and open connections to ``target`` see the new content."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dest:
        src.backup(dest)


def read_facts(path: Path) -> Facts:
    with closing(_open_read_only(path)) as connection:
        query = _query(connection)
        return facts.read(query, facts.tables(query, "sqlite"))


def check(path: Path, expected: Facts) -> None:
    """Refuse a file SQLite finds damaged, or one that does not hold what the manifest says."""
    try:
        with closing(_open_read_only(path)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"its database is not a readable SQLite file ({exc})") from None
    if result != [("ok",)]:
        raise BackupError("its database fails SQLite's integrity check: "
                          + "; ".join(str(row[0]) for row in result[:5]))
    found = read_facts(path)
    if found != expected:
        raise BackupError("its database does not hold what its manifest says")


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
