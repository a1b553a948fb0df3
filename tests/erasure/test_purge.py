"""``flask purge-expired``: after the retention period, the record goes; the trail holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.audit.operations import verify_chain
from app.db import db, utcnow
from app.erasure import operations, references
from app.erasure.models import ErasureRequest


@pytest.fixture
def asked(app, screened):
    """Alice (screening, alert, programme, video, messages) has asked for erasure."""
    with app.app_context():
        operations.request_erasure(db.session.get(User, screened.alice.id))
        db.session.commit()
    return screened


def _rows_of(app, user_id: int) -> int:
    with app.app_context():
        return sum(db.session.execute(select(func.count()).select_from(c.table)
                                      .where(c == user_id)).scalar_one()
                   for c in references.user_columns() if c.table.name != "erasure_request")


def _after_retention(app):
    return time_machine.travel(utcnow() + timedelta(days=365 * 5 + 3), tick=False)


def test_it_keeps_the_record_until_the_retention_ends(app, runner, asked):
    before = _rows_of(app, asked.alice.id)
    with time_machine.travel(utcnow() + timedelta(days=365 * 5 - 3), tick=False):
        result = runner.invoke(args=["purge-expired"])
    assert "Nothing to purge" in result.output
    assert _rows_of(app, asked.alice.id) == before > 0


def test_it_purges_every_row_of_the_patient_after_the_retention(app, runner, asked):
    with _after_retention(app):
        result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert f"Purged patient {asked.alice.id}" in result.output
    assert _rows_of(app, asked.alice.id) == 0
    assert _rows_of(app, asked.bob.id) > 0  # nobody else's
    with app.app_context():
        alice = db.session.get(User, asked.alice.id)
        assert "alice" not in alice.email.lower() and alice.name != "Alice Andersen"
        assert alice.phone is None and alice.date_of_birth is None
        assert db.session.execute(db.select(ErasureRequest.status)).scalar_one() == "purged"


def test_it_still_verifies_the_audit_chain_after_a_purge(app, runner, asked):
    with app.app_context():
        before = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
    with _after_retention(app):
        runner.invoke(args=["purge-expired"])
    with app.app_context():
        count, broken = verify_chain()
        assert broken is None
        assert count == before + 1
        tombstone = db.session.execute(
            db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert (tombstone.action, tombstone.resource_type) == ("D", "patient")
        assert tombstone.patient_id == asked.alice.id


def test_it_changes_nothing_on_a_dry_run(app, runner, asked):
    before = _rows_of(app, asked.alice.id)
    with app.app_context():
        head = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
    with _after_retention(app):
        result = runner.invoke(args=["purge-expired", "--dry-run"])
    assert f"Would purge patient {asked.alice.id}" in result.output
    assert _rows_of(app, asked.alice.id) == before
    with app.app_context():
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == head
        assert db.session.execute(db.select(ErasureRequest.status)).scalar_one() == "pending"


def test_it_purges_only_once(app, runner, asked):
    with _after_retention(app):
        runner.invoke(args=["purge-expired"])
        with app.app_context():
            head = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
        again = runner.invoke(args=["purge-expired"])
    assert again.exit_code == 0 and "Nothing to purge" in again.output
    with app.app_context():
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == head
        assert verify_chain()[1] is None


def test_it_counts_retention_from_the_last_clinical_entry(app, asked):
    with app.app_context():
        alice = db.session.get(User, asked.alice.id)
        last = operations.last_clinical_entry(alice.id)
        assert last is not None
        assert operations.purgeable_from(alice) == operations.add_years(last, 5)
        app.config["RETENTION_YEARS"] = 10
        assert operations.purgeable_from(alice) == operations.add_years(last, 10)


def test_it_does_not_restart_retention_when_the_caseload_is_rebuilt(app, asked, runner):
    """The stored caseload facts are derived from the record, not an entry in it: a rebuild
    (one grouped event for every patient) must not push the purge date back."""
    with app.app_context():
        before = operations.last_clinical_entry(asked.alice.id)
    with time_machine.travel(utcnow() + timedelta(days=400)):
        assert runner.invoke(args=["caseload", "rebuild"]).exit_code == 0
    with app.app_context():
        assert operations.last_clinical_entry(asked.alice.id) == before
