"""``flask backup OUT`` and ``flask restore IN`` (the file's format: app/backup/__init__.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.audit.operations import verify_chain
from app.backup import archive, facts, postgres, sqlite
from app.backup.manifest import DATABASE_MEMBERS, BackupError, Manifest, differences, summary
from app.db import db, utcnow


def _uri() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _session_query(sql: str):
    return db.session.execute(db.text(sql)).all()


def take(workdir: Path) -> tuple[Manifest, Path]:
    """Copy the configured database into ``workdir``; its manifest and the copy's path."""
    dialect = db.engine.dialect.name
    copy = workdir / DATABASE_MEMBERS[dialect]
    if dialect == "sqlite":
        sqlite.copy(sqlite.database_path(_uri()), copy)
        found = sqlite.read_facts(copy)
    else:
        found = postgres.dump(db.engine, _uri(), copy)
    manifest = Manifest(created_at=utcnow().isoformat(timespec="seconds"), dialect=dialect,
                        facts=found, database_member=copy.name,
                        database_size=copy.stat().st_size,
                        database_sha256=archive.sha256_of(copy))
    return manifest, copy


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(out: Path) -> None:
    """Write a consistent backup of the database to OUT (one tar file), while the app serves."""
    if out.exists():
        raise click.ClickException(f"{out} already exists: give the backup a new name "
                                   "(for example with the date in it).")
    if not out.parent.is_dir():
        raise click.ClickException(f"The folder {out.parent} does not exist.")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".stepcare-backup-") as tmp:
        try:
            manifest, copy = take(Path(tmp))
        except BackupError as exc:
            raise click.ClickException(f"No backup written: {exc}.") from None
        archive.write(out, manifest, copy)
    click.echo(f"Backup written to {out}: {summary(manifest.facts)}.")


def _check(manifest: Manifest, database: Path, dialect: str) -> None:
    if manifest.dialect != dialect:
        raise BackupError(f"it is a backup of a {manifest.dialect} database and the configured "
                          f"database is {dialect}")
    if dialect == "sqlite":
        sqlite.check(database, manifest.facts)
    else:
        postgres.check(database)


def _holds_data() -> bool:
    """Whether the database holds what a restore must not overwrite unasked: accounts or
    audit rows (a database that was only migrated and given its content holds neither)."""
    guarded = (User.__tablename__, AuditEvent.__tablename__)
    try:
        names = facts.tables(_session_query, db.engine.dialect.name)
        return facts.holds_rows(_session_query, names, guarded)
    finally:
        db.session.remove()


def _load(database: Path, dialect: str) -> None:
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        sqlite.copy(database, sqlite.database_path(_uri()))
    else:
        postgres.load(_uri(), database)


@click.command("restore")
@click.argument("source", metavar="IN",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Overwrite a database that already holds accounts or audit rows.")
@with_appcontext
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup written by `flask backup`, bring it up to date and verify it."""
    dialect = db.engine.dialect.name
    with tempfile.TemporaryDirectory(prefix="stepcare-restore-") as tmp:
        try:
            manifest, database = archive.read(source, Path(tmp))
            _check(manifest, database, dialect)
        except BackupError as exc:
            raise click.ClickException(
                f"Refusing to restore {source}: {exc}. Nothing was changed.") from None
        if not force and _holds_data():
            raise click.ClickException(
                "Refusing to restore: the configured database already holds accounts or audit "
                "rows. Nothing was changed. Add --force to replace them with the backup.")
        try:
            _load(database, dialect)
        except BackupError as exc:
            raise click.ClickException(f"The restore failed: {exc}.") from None
    upgrade()
    _verify(manifest)


def _verify(manifest: Manifest) -> None:
    """Compare the restored database with the manifest and check the audit chain."""
    present = set(facts.tables(_session_query, db.engine.dialect.name))
    now = facts.read(_session_query, sorted(set(manifest.facts.counts) & present))
    problems = differences(manifest.facts, now)
    checked, broken = verify_chain()
    db.session.remove()
    if broken is not None:
        problems.append(f"the audit trail is broken at row {broken[0]}: {broken[1]}")
    click.echo(f"Restored the backup taken {manifest.created_at}: {summary(now)}.")
    if manifest.facts.revision != now.revision:
        click.echo(f"Migrated from schema revision {manifest.facts.revision} to {now.revision}.")
    if problems:
        raise click.ClickException("The restored database does not match the backup: "
                                   + "; ".join(problems) + ".")
    click.echo(f"Row counts match the backup's manifest; audit trail intact: "
               f"{checked} rows checked.")
