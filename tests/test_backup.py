"""`flask backup` and `flask restore` on the configured database (SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
import zipfile

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.accounts.models import User
from app.audit.models import Action, AuditEvent
from app.audit.operations import record, verify_chain
from app.db import db
from tests.conftest import POSTGRES_URL, _normalised_postgres, _test_config, close


def _write_audit_rows(app, stop: threading.Event, written: list[int]) -> None:
    with app.app_context():
        while not stop.is_set():
            record(Action.READ, "backup-test", written[0], patient_id=None)
            db.session.commit()
            written[0] += 1
        db.session.remove()


def _backup(runner, path):
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return result


def _manifest(path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {"user": db.session.scalar(db.select(db.func.count(User.id))),
                "audit_event": db.session.scalar(db.select(db.func.count(AuditEvent.id)))}


@pytest.fixture
def scratch_app(tmp_path):
    """An app on an empty database of its own: a new SQLite file, or a new PostgreSQL
    database beside the worker's, dropped afterwards."""
    if not POSTGRES_URL:
        app = create_app(_test_config(f"sqlite:///{tmp_path / 'restored.db'}", tmp_path / "r"))
        yield app
        close(app)
        return
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_restore"
    admin = create_engine(_normalised_postgres(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    uri = url.set(database=name).render_as_string(hide_password=False)
    app = create_app(_test_config(_normalised_postgres(uri), tmp_path / "r"))
    yield app
    close(app)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_it_backs_up_while_a_writer_is_busy_and_restores_into_an_empty_database(
        app, runner, personas, scratch_app, tmp_path):
    baseline = _counts(app)["audit_event"]
    stop, written = threading.Event(), [0]
    writer = threading.Thread(target=_write_audit_rows, args=(app, stop, written))
    writer.start()
    try:
        while written[0] < 5:
            threading.Event().wait(0.01)
        before = written[0]
        _backup(runner, tmp_path / "busy.tar")
        during = written[0] - before
    finally:
        stop.set()
        writer.join()
    assert during > 0  # the writer was not held up by the backup
    manifest = _manifest(tmp_path / "busy.tar")
    assert baseline + before <= manifest["facts"]["audit_count"] <= baseline + before + during

    result = scratch_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "busy.tar")])
    assert result.exit_code == 0, result.output
    assert "Row counts match" in result.output and "audit trail intact" in result.output
    assert _counts(scratch_app) == {"user": manifest["facts"]["counts"]["user_account"],
                                    "audit_event": manifest["facts"]["audit_count"]}
    with scratch_app.app_context():
        assert verify_chain()[1] is None
        if not POSTGRES_URL:
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_it_refuses_a_database_with_data_unless_forced(app, runner, personas, tmp_path):
    _backup(runner, tmp_path / "b.tar")
    before = _counts(app)
    with app.app_context():
        record(Action.READ, "after-the-backup", None, patient_id=None)
        db.session.commit()

    refused = runner.invoke(args=["restore", str(tmp_path / "b.tar")])
    assert refused.exit_code != 0 and "already holds accounts or audit rows" in refused.output
    assert _counts(app)["audit_event"] == before["audit_event"] + 1

    forced = runner.invoke(args=["restore", "--force", str(tmp_path / "b.tar")])
    assert forced.exit_code == 0, forced.output
    assert _counts(app) == before


def _zip_of_something() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a backup")
    return buffer.getvalue()


def _tar_without_manifest() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("database.sqlite3")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "why"), [
    (lambda backup: backup[: len(backup) // 2], "cut short"),
    (lambda backup: os.urandom(4096), "not a readable tar file"),
    (lambda backup: _zip_of_something(), "not a readable tar file"),
    (lambda backup: _tar_without_manifest(), "holds no manifest.json"),
])
def test_it_refuses_a_damaged_or_foreign_file_and_changes_nothing(
        app, runner, personas, tmp_path, content, why):
    _backup(runner, tmp_path / "good.tar")
    bad = tmp_path / "bad.tar"
    bad.write_bytes(content((tmp_path / "good.tar").read_bytes()))
    with app.app_context():
        record(Action.READ, "after-the-backup", None, patient_id=None)
        db.session.commit()
    before = _counts(app)

    result = runner.invoke(args=["restore", "--force", str(bad)])
    assert result.exit_code != 0
    assert why in result.output and "Nothing was changed" in result.output
    assert _counts(app) == before


def _tar_with(path, manifest: dict, database: bytes) -> None:
    """A backup whose manifest's checksum matches ``database``, whatever it holds."""
    manifest = {**manifest, "database_size": len(database),
                "database_sha256": hashlib.sha256(database).hexdigest()}
    with tarfile.open(path, "w") as tar:
        for name, raw in (("manifest.json", json.dumps(manifest).encode()),
                          (manifest["database_member"], database)):
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def _database_member(path) -> bytes:
    with tarfile.open(path) as tar:
        return tar.extractfile(_manifest(path)["database_member"]).read()


def test_it_refuses_a_database_member_that_is_not_a_database(app, runner, personas, tmp_path):
    _backup(runner, tmp_path / "good.tar")
    _tar_with(tmp_path / "bad.tar", _manifest(tmp_path / "good.tar"), os.urandom(8192))
    before = _counts(app)

    result = runner.invoke(args=["restore", "--force", str(tmp_path / "bad.tar")])
    assert result.exit_code != 0 and "Nothing was changed" in result.output
    assert "not a readable" in result.output
    assert _counts(app) == before


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's integrity check")
def test_it_refuses_a_sqlite_file_that_fails_its_integrity_check(app, runner, personas, tmp_path):
    _backup(runner, tmp_path / "good.tar")
    database = bytearray(_database_member(tmp_path / "good.tar"))
    page_size = int.from_bytes(database[16:18], "big")
    last = len(database) // page_size - 1
    database[last * page_size: last * page_size + 64] = b"\xff" * 64  # a b-tree page's header
    _tar_with(tmp_path / "bad.tar", _manifest(tmp_path / "good.tar"), bytes(database))
    before = _counts(app)

    result = runner.invoke(args=["restore", "--force", str(tmp_path / "bad.tar")])
    assert result.exit_code != 0 and "Nothing was changed" in result.output
    assert "integrity check" in result.output or "not a readable SQLite" in result.output
    assert _counts(app) == before
