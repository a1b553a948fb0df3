"""PostgreSQL: pg_dump in the manifest's snapshot, pg_restore in one transaction."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.backup import facts
from app.backup.manifest import BackupError, Facts

PG_DUMP = os.environ.get("STEPCARE_PG_DUMP", "pg_dump")
PG_RESTORE = os.environ.get("STEPCARE_PG_RESTORE", "pg_restore")


def _libpq(uri: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and an environment that carries it (so it never
    shows in the process list)."""
    url = make_url(uri).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (or not on PATH)") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-3:]
        raise BackupError(f"{what} failed: {' '.join(detail) or 'no message'}")
    return done.stdout


def dump(engine: Engine, uri: str, target: Path) -> Facts:
    """pg_dump into ``target``; the facts are read in the very snapshot pg_dump copies."""
    dbname, env = _libpq(uri)
    repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with repeatable as connection, connection.begin():
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        _run([PG_DUMP, "--format=custom", f"--snapshot={snapshot}", f"--file={target}",
              f"--dbname={dbname}"], env, "pg_dump")

        def query(sql: str):
            return connection.execute(text(sql)).all()

        return facts.read(query, facts.tables(query, "postgresql"))


def check(path: Path) -> None:
    """Refuse a file pg_restore cannot read as a custom-format archive."""
    try:
        _run([PG_RESTORE, "--list", str(path)], dict(os.environ), "reading the dump")
    except BackupError as exc:
        raise BackupError(f"its database is not a readable pg_dump archive ({exc})") from None


def load(uri: str, path: Path) -> None:
    """Replace what the dump holds, in one transaction: on an error nothing changes."""
    dbname, env = _libpq(uri)
    _run([PG_RESTORE, "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
          "--no-owner", f"--dbname={dbname}", str(path)], env, "pg_restore")
