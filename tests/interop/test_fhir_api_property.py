"""Every resource the FHIR API returns is valid FHIR, over random clinics (hypothesis).

Each example adds to Alice's and Bob's records (weekly questionnaires with random answers,
courses of treatment with random steps and discharges), then reads everything the API
serves about them, by search and by id, and parses each answer with the fhir.resources R4B
model its resourceType names (``valid``): a mapping that made invalid FHIR fails here.
"""

# ruff: noqa: F811 (pytest fixtures imported from test_fhir_api are used as arguments)
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import User
from app.caseload import operations as caseload
from app.db import db
from tests.interop.test_fhir_api import bearer, register, rsa_key, valid
from tests.interop.test_fhir_mapping import weekly

EVERY_SCOPE = ("system/Patient.read system/Observation.read "
               "system/QuestionnaireResponse.read system/EpisodeOfCare.read")
WEEK = st.tuples(st.lists(st.integers(0, 3), min_size=9, max_size=9),
                 st.lists(st.integers(0, 3), min_size=7, max_size=7))
# A step of care, and whether the course ends (a discharge) after it.
STEP = st.tuples(st.integers(1, 4), st.booleans())
RECORD = st.fixed_dictionaries({"weeks": st.lists(WEEK, max_size=4),
                                "steps": st.lists(STEP, max_size=4)})
CLINIC = st.fixed_dictionaries({"alice": RECORD, "bob": RECORD})


@pytest.fixture
def system(app, client):
    private = rsa_key()
    return private, register(app, private, scopes=EVERY_SCOPE)


def _add(personas, who: str, record: dict) -> int:
    patient = db.session.get(User, getattr(personas, who).id)
    theo = db.session.get(User, personas.theo.id)
    for phq9, gad7 in record["weeks"]:
        weekly(patient.id, tuple(phq9), tuple(gad7))
    for step, discharged in record["steps"]:
        caseload.set_step(patient, step, by=theo)
        if discharged:
            caseload.discharge(patient, by=theo, reason="Course ended", end_reason="completed")
    db.session.commit()
    return patient.id


def _everything(client, headers, patient_id: int) -> list:
    """Every resource the API serves about one patient: searched, then read by id."""
    found = [valid(client.get(f"/fhir/R4/Patient/patient-{patient_id}", headers=headers))]
    for resource_type in ("QuestionnaireResponse", "Observation", "EpisodeOfCare"):
        bundle = valid(client.get(f"/fhir/R4/{resource_type}?patient=patient-{patient_id}"
                                  "&_count=100", headers=headers))
        assert bundle.total == len(bundle.entry or [])
        for entry in bundle.entry or []:
            found.append(entry.resource)
            found.append(valid(client.get(f"/fhir/R4/{resource_type}/{entry.resource.id}",
                                          headers=headers)))
    return found


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clinic=CLINIC)
def test_it_answers_only_valid_fhir_for_random_clinics(app, client, personas, system, clinic):
    headers = bearer(client, system, EVERY_SCOPE)
    for who, record in clinic.items():
        with app.app_context():
            patient_id = _add(personas, who, record)
        for resource in _everything(client, headers, patient_id):
            subject = getattr(resource, "subject", None) or getattr(resource, "patient", None)
            if subject is not None:  # nothing of another patient's in this patient's answers
                assert subject.reference == f"Patient/patient-{patient_id}"
