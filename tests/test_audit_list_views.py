"""A list view is one audit event, with the patients it showed in audit_event_patient."""

import pytest
from flask_login import login_user
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.audit.models import Action, AuditEvent, AuditEventPatient
from app.audit.operations import record_many, rollback_keeping_reads, verify_chain
from app.audit.queries import patient_access_log
from app.caseload.models import CareAssignment
from app.db import db
from tests.helpers import QueryCounter, audited_patients, sign_in
from tests.test_access_log import log_rows


def _events(app, resource_type):
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == resource_type)).scalars().all()
        db.session.expunge_all()
        return rows


def _members(app):
    with app.app_context():
        return [tuple(r) for r in db.session.execute(db.select(
            AuditEventPatient.event_id, AuditEventPatient.patient_id,
            AuditEventPatient.resource_id).order_by(AuditEventPatient.id))]


@pytest.fixture
def both_on_theos_list(app, personas):
    """Bob moves to Theo, so Theo's caseload shows Alice and Bob."""
    with app.app_context():
        db.session.execute(db.delete(CareAssignment).where(
            CareAssignment.patient_id == personas.bob.id))
        db.session.add(CareAssignment(patient_id=personas.bob.id, therapist_id=personas.theo.id))
        db.session.commit()
    return personas


def test_it_writes_one_event_for_a_caseload_page(app, client, both_on_theos_list):
    people = both_on_theos_list
    sign_in(app, client, people.theo)
    client.get("/caseload")
    [event] = _events(app, "caseload_row")
    assert (event.actor_id, event.patient_id, event.resource_id) == (people.theo.id, None, None)
    assert sorted(_members(app)) == sorted([(event.id, people.alice.id, str(people.alice.id)),
                                            (event.id, people.bob.id, str(people.bob.id))])


def test_it_costs_the_same_statements_for_3_or_30_patients(app, personas):
    def statements(patients):
        with app.test_request_context():
            login_user(db.session.get(type(personas.theo), personas.theo.id))
            with QueryCounter(db.engine) as counter:
                record_many(Action.READ, "caseload_row", [(p, p) for p in patients])
            db.session.rollback()
        return counter.count

    assert statements(range(3)) == statements(range(30))


def test_it_shows_the_view_in_each_listed_patients_access_log(app, client, both_on_theos_list):
    people = both_on_theos_list
    sign_in(app, client, people.theo)
    client.get("/caseload")
    client.get("/caseload")
    for patient in (people.alice, people.bob):
        sign_in(app, client, patient)
        [row], _soup = log_rows(client)
        assert row[1] == "Theo Thomsen (therapist)" and "2 times that day" in row[2]
        assert row[3] == "the therapist's list of patients"


def test_it_leaves_the_view_out_of_an_unlisted_patients_log(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get("/caseload")  # Alice only: Bob is Una's
    with app.app_context():
        assert patient_access_log(personas.bob.id) == []
        [access] = patient_access_log(personas.alice.id)
    assert (access.resource_type, access.resource_ids) == ("caseload_row",
                                                           (str(personas.alice.id),))


def test_it_verifies_a_trail_with_list_views(app, client, both_on_theos_list):
    sign_in(app, client, both_on_theos_list.theo)
    client.get("/caseload")
    client.get(f"/patients/{both_on_theos_list.alice.id}")
    with app.app_context():
        count, broken = verify_chain()
    assert (count, broken) == (2, None)  # the caseload's one event and the record's


def test_it_breaks_the_chain_when_a_patient_is_added_to_a_list_view(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get("/caseload")
    client.get(f"/patients/{personas.alice.id}")
    [event] = _events(app, "caseload_row")
    with app.app_context():
        db.session.add(AuditEventPatient(event_id=event.id, patient_id=personas.bob.id,
                                         resource_id=str(personas.bob.id)))
        db.session.commit()
        _count, broken = verify_chain()
    assert broken is not None and broken[0] == event.id


def test_it_breaks_the_chain_when_a_list_views_members_are_lost(app, client, personas):
    sign_in(app, client, personas.theo)
    client.get("/caseload")
    [event] = _events(app, "caseload_row")
    with app.app_context():
        # What an owner could do by dropping the guard: the chain still tells.
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            db.session.execute(text("DROP TRIGGER audit_event_patient_no_delete"))
        db.session.execute(text("DELETE FROM audit_event_patient"))
        db.session.commit()
        _count, broken = verify_chain()
    assert broken is not None and broken[0] == event.id


@pytest.mark.parametrize("statement", ["UPDATE audit_event_patient SET patient_id = 1",
                                       "DELETE FROM audit_event_patient"])
def test_it_refuses_to_change_a_list_views_patients(app, client, personas, statement):
    sign_in(app, client, personas.theo)
    client.get("/caseload")
    with app.app_context(), pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.commit()


def test_it_keeps_a_list_view_when_the_request_fails(app, personas):
    with app.test_request_context():
        login_user(db.session.get(type(personas.theo), personas.theo.id))
        record_many(Action.READ, "caseload_row", [(personas.alice.id, personas.alice.id)])
        rollback_keeping_reads()
        assert audited_patients("caseload_row") == [personas.alice.id]
        assert verify_chain()[1] is None



def test_it_writes_a_long_lists_lines_in_chunks_and_keeps_the_chain(app, personas, monkeypatch):
    from app.audit import operations

    def statements(chunk):
        monkeypatch.setattr(operations, "_LINES_PER_INSERT", chunk)
        with app.test_request_context():
            login_user(db.session.get(type(personas.theo), personas.theo.id))
            with QueryCounter(db.engine) as counter:
                record_many(Action.READ, "caseload_row", [(p, p) for p in range(1, 6)])
            db.session.commit()
            assert verify_chain()[1] is None
        return counter.count

    assert statements(2) == statements(1000) + 2  # 3 INSERTs of lines (2 + 2 + 1), not 1
    lines = [patient for _event, patient, _resource in _members(app)]
    assert sorted(lines) == sorted([1, 2, 3, 4, 5] * 2)
