"""Audit findings 9 and 11: reads stay audited on failed requests; a keyed, anchored trail."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent
from app.audit.operations import verify_chain
from app.caseload.models import ClinicianNote
from app.config import from_environment
from app.db import db
from tests.helpers import post_form, sign_in
from tests.test_audit import events, triggers_dropped

KEY = "an-audit-key-that-only-the-clinic-knows-0123456789"


def failed_note(app, client, personas):
    """Theo posts an empty note: the record comes back with 422. Returns the rows it left."""
    sign_in(app, client, personas.theo)
    url = f"/patients/{personas.alice.id}"
    token_page_rows = len(events(app))
    response = post_form(client, f"{url}/notes", {"body": ""}, token_from=url)
    assert response.status_code == 422
    return events(app)[token_page_rows + 1:]


def test_it_keeps_the_read_row_of_a_422(app, client, personas):
    rows = failed_note(app, client, personas)
    reads = [(r.action, r.resource_type, r.patient_id) for r in rows if r.action == "R"]
    assert ("R", "patient", personas.alice.id) in reads


def test_it_keeps_no_write_row_of_a_422(app, client, personas):
    rows = failed_note(app, client, personas)
    assert all(r.action == "R" for r in rows)


def test_it_writes_no_note_on_a_422(app, client, personas):
    failed_note(app, client, personas)
    with app.app_context():
        assert db.session.execute(db.select(ClinicianNote)).first() is None


def test_it_chains_the_kept_rows_of_a_422(app, client, personas):
    failed_note(app, client, personas)
    with app.app_context():
        assert verify_chain()[1] is None


def test_it_marks_rows_with_the_key_that_chained_them(app, client, personas):
    app.config["AUDIT_KEY"] = KEY
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    [row] = events(app, resource_type="patient")
    assert row.key_id and len(row.key_id) == 12 and row.key_id not in KEY


def test_it_verifies_a_trail_keyed_after_unkeyed_rows(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    app.config["AUDIT_KEY"] = KEY
    client.get(f"/patients/{personas.alice.id}")
    rows = events(app, resource_type="patient")
    assert [r.key_id is None for r in rows] == [True, False]
    with app.app_context():
        assert verify_chain() == (2, None)


def test_it_cannot_verify_keyed_rows_without_the_key(app, client, personas):
    app.config["AUDIT_KEY"] = KEY
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    app.config["AUDIT_KEY"] = "another-key-another-key-another-key"
    with app.app_context():
        row_id, why = verify_chain()[1]
    assert "not configured" in why


def test_it_refuses_an_unkeyed_row_after_a_keyed_one(app, client, personas):
    """Someone without the key rewrites a row with a plain SHA-256 link."""
    from app.audit.chain import link_hash

    app.config["AUDIT_KEY"] = KEY
    sign_in(app, client, personas.theo)
    for _ in range(2):
        client.get(f"/patients/{personas.alice.id}")
    first, second = events(app)
    fields = {**second.__dict__, "key_id": None}
    forged = link_hash(first.hash, fields)
    with app.app_context(), triggers_dropped():
        db.session.execute(text("UPDATE audit_event SET key_id = NULL, hash = :h WHERE id = :id"),
                           {"h": forged, "id": second.id})
        db.session.commit()
        assert verify_chain()[1][0] == second.id


def test_it_reads_the_audit_key_from_a_file(tmp_path):
    secret = tmp_path / "audit_key"
    secret.write_text(KEY + "\n")
    settings = from_environment({"STEPCARE_AUDIT_KEY_FILE": str(secret)})
    assert settings["AUDIT_KEY"] == KEY


def test_it_prints_the_head_as_an_anchor(app, client, personas, runner):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    last = events(app)[-1]
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 0
    assert result.output.strip() == f"{len(events(app))}:{last.hash}"


def test_it_verifies_a_trail_that_holds_its_anchor(app, client, personas, runner):
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    anchor = runner.invoke(args=["audit", "anchor"]).output.strip()
    client.get(f"/patients/{personas.alice.id}")
    result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 0 and "still holds the anchor" in result.output


def test_it_fails_an_anchor_when_the_tail_was_removed(app, client, personas, runner):
    sign_in(app, client, personas.theo)
    for _ in range(3):
        client.get(f"/patients/{personas.alice.id}")
    anchor = runner.invoke(args=["audit", "anchor"]).output.strip()
    last = events(app)[-1]
    with app.app_context(), triggers_dropped():
        db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last.id})
        db.session.commit()
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone holds
        result = runner.invoke(args=["audit", "verify", "--anchor", anchor])
    assert result.exit_code != 0 and "cut short" in result.output


def test_it_refuses_a_malformed_anchor(app, runner):
    result = runner.invoke(args=["audit", "verify", "--anchor", "12:nothex"])
    assert result.exit_code != 0 and "COUNT:HASH" in result.output


@pytest.mark.parametrize("statement", ["TRUNCATE audit_event CASCADE",
                                       "TRUNCATE audit_event_patient"])
def test_it_refuses_to_truncate_the_audit_tables(app, client, personas, statement):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TRUNCATE")
    sign_in(app, client, personas.theo)
    client.get(f"/patients/{personas.alice.id}")
    client.get("/caseload")
    with app.app_context(), pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.commit()
    with app.app_context():
        db.session.rollback()
        assert db.session.execute(db.select(AuditEvent)).first() is not None
