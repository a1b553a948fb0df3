from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent
from app.audit.operations import verify_chain
from app.db import db
from tests.helpers import audited_patients, sign_in


def events(app, **where):
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return rows


def test_it_writes_a_row_when_a_therapist_reads_a_patient(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    [row] = events(app, resource_type="patient")
    assert (row.actor_id, row.actor_role, row.patient_id) == (personas.theo.id, "therapist",
                                                              personas.alice.id)
    assert (row.action, row.outcome, row.ip) == ("R", "allowed", "127.0.0.1")
    assert row.at.tzinfo is not None


def test_it_writes_a_denied_row_for_an_out_of_scope_read(app, client, personas):
    sign_in(app, client, personas.una)
    assert client.get(f"/patients/{personas.alice.id}").status_code == 404
    [row] = events(app, resource_type="patient")
    assert (row.actor_id, row.outcome, row.patient_id) == (personas.una.id, "denied",
                                                           personas.alice.id)


def test_it_audits_every_admin_read(app, client, personas):
    sign_in(app, client, personas.ada)
    client.get(f"/patients/{personas.bob.id}")
    assert events(app, actor_id=personas.ada.id, patient_id=personas.bob.id)


def test_it_names_each_patient_on_the_caseload(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get("/caseload")
    with app.app_context():
        assert audited_patients("caseload_row") == [personas.alice.id]


def test_it_refuses_to_update_an_audit_row(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    with app.app_context(), pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET outcome = 'denied'"))
        db.session.commit()


def test_it_refuses_to_delete_an_audit_row(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    with app.app_context(), pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
        db.session.commit()


def test_it_chains_rows_so_that_verify_passes(app, client, personas):
    sign_in(app, client, personas.theo)
    for _ in range(3):
        client.get(f"/patients/{personas.alice.id}")
    client.get("/caseload")
    with app.app_context():
        count, broken = verify_chain()
    assert count == 4 and broken is None


@contextmanager
def triggers_dropped():
    """What someone with direct database access could do; restored afterwards,
    because on PostgreSQL the schema outlives the test."""
    postgres = db.engine.dialect.name == "postgresql"
    suffix = " ON audit_event" if postgres else ""
    for verb in ("update", "delete"):
        db.session.execute(text(f"DROP TRIGGER audit_event_no_{verb}{suffix}"))
    try:
        yield
    finally:
        db.session.rollback()
        for verb in ("update", "delete"):
            if postgres:
                body = "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
            else:
                body = "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            db.session.execute(text(f"DROP TRIGGER IF EXISTS audit_event_no_{verb}{suffix}"))
            db.session.execute(text(
                f"CREATE TRIGGER audit_event_no_{verb} BEFORE {verb.upper()} ON audit_event {body}"
            ))
        db.session.commit()


def test_it_names_the_first_changed_row(app, client, personas):
    sign_in(app, client, personas.theo)
    for _ in range(3):
        client.get(f"/patients/{personas.alice.id}")
    second = events(app)[1].id
    with app.app_context(), triggers_dropped():
        db.session.execute(text("UPDATE audit_event SET actor_id = 999 WHERE id = :id"),
                           {"id": second})
        db.session.commit()
        assert verify_chain()[1] == (second, "its contents do not match its hash (the row was "
                                             "changed)")


def test_it_names_the_row_after_a_removed_one(app, client, personas, runner):
    sign_in(app, client, personas.theo)
    for _ in range(3):
        client.get(f"/patients/{personas.alice.id}")
    rows = events(app)
    with app.app_context(), triggers_dropped():
        db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": rows[1].id})
        db.session.commit()
        result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"broken at row {rows[2].id}" in result.output


def test_it_reports_an_intact_trail_from_the_command_line(app, client, personas, runner):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 1 rows" in result.output


def test_it_shows_a_patient_who_looked_at_their_data(app, client, personas):
    therapist = app.test_client()
    sign_in(app, therapist, personas.theo)
    therapist.get(f"/patients/{personas.alice.id}")
    sign_in(app, client, personas.alice)
    page = client.get("/account/access-log").get_data(as_text=True)
    assert "Theo Thomsen" in page and "viewed" in page


def test_it_shows_a_patient_only_their_own_log(app, client, personas):
    therapist = app.test_client()
    sign_in(app, therapist, personas.una)
    therapist.get(f"/patients/{personas.bob.id}")
    sign_in(app, client, personas.alice)
    assert "Una Ulriksen" not in client.get("/account/access-log").get_data(as_text=True)


def test_it_keeps_no_answer_text_in_audit_rows():
    columns = {c.name for c in AuditEvent.__table__.columns}
    assert columns == {"id", "at", "actor_id", "actor_role", "patient_id", "action",
                       "resource_type", "resource_id", "outcome", "ip", "key_id", "prev_hash",
                       "hash"}
