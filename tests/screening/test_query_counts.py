"""List pages must not issue a query per row (no N+1)."""

import pytest

from app.accounts.models import User
from app.caseload.models import CareAssignment
from app.db import db
from tests.conftest import complete_screening
from tests.helpers import queries_for, sign_in


def add_screened_patients(app, therapist_id: int, count: int, start: int) -> None:
    with app.app_context():
        for n in range(start, start + count):
            patient = User(email=f"p{n}@example.com", name=f"Patient {n}", role="patient",
                           password_hash="x", language="en")
            db.session.add(patient)
            db.session.flush()
            db.session.add(CareAssignment(patient_id=patient.id, therapist_id=therapist_id))
            db.session.commit()
            complete_screening(patient.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 1))


@pytest.mark.parametrize("url", ["/screening/reviews", "/alerts", "/caseload"])
def test_it_keeps_the_query_count_flat_as_the_list_grows(app, client, personas, url):
    sign_in(app, client, personas.theo)
    add_screened_patients(app, personas.theo.id, 2, start=0)
    few = queries_for(app, client, url)
    add_screened_patients(app, personas.theo.id, 8, start=2)
    many = queries_for(app, client, url)
    assert many == few
