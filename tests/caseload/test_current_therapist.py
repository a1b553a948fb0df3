"""Issue 16: a patient's therapist is read once per transaction, and never stale after a write."""

from __future__ import annotations

from sqlalchemy import event

from app.accounts.models import User
from app.caseload import operations
from app.caseload.loaders import current_therapist_id
from app.caseload.models import CareAssignment
from app.db import db
from tests.helpers import sign_in


def _care_assignment_reads(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def statement(_conn, _cursor, sql, *_args):
        if " ".join(sql.split()).startswith("SELECT care_assignment."):
            seen.append(sql)

    event.listen(engine, "before_cursor_execute", statement)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    return len(seen)


def test_it_reads_the_patients_therapist_once_for_the_record(app, client, screened):
    sign_in(app, client, screened.theo)
    assert _care_assignment_reads(app, client, f"/patients/{screened.alice.id}") == 1


def test_it_forgets_the_therapist_when_the_patient_is_reassigned(app, personas):
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        assert current_therapist_id(alice.id) == personas.theo.id
        operations.assign(alice, db.session.get(User, personas.una.id), by=None)
        assert current_therapist_id(alice.id) == personas.una.id


def test_it_forgets_the_therapist_after_a_bulk_write(app, personas):
    with app.app_context():
        assert current_therapist_id(personas.alice.id) == personas.theo.id
        db.session.execute(db.update(CareAssignment).where(
            CareAssignment.patient_id == personas.alice.id).values(therapist_id=personas.una.id))
        assert current_therapist_id(personas.alice.id) == personas.una.id


def test_it_forgets_the_therapist_when_the_transaction_ends(app, personas):
    with app.app_context():
        assert current_therapist_id(personas.alice.id) == personas.theo.id
        db.session.rollback()
        with app.app_context():  # another request's session changes the assignment
            db.session.execute(db.update(CareAssignment).where(
                CareAssignment.patient_id == personas.alice.id)
                .values(therapist_id=personas.una.id))
            db.session.commit()
        assert current_therapist_id(personas.alice.id) == personas.una.id
