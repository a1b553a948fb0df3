# ruff: noqa: F811 (pytest fixtures imported from test_fhir_api are used as arguments)
"""The FHIR API's searches beyond one patient's scores: QuestionnaireResponse by
questionnaire and date, and EpisodeOfCare (a course of treatment) read and searched."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.accounts.models import OidcLink, User
from app.caseload import operations as caseload
from app.db import db, utcnow
from tests.helpers import QueryCounter, audited_lines
from tests.interop.test_fhir_api import (  # noqa: F401 (fixtures)
    ALL_SCOPES,
    _weekly_phq9s,
    bearer,
    region,
    register,
    rsa_key,
    scores,
    valid,
)

CARE_SCOPES = f"{ALL_SCOPES} system/EpisodeOfCare.read"
CPR = "urn:oid:1.2.208.176.1.2"
ALICE_CPR = "0101801234"
PHQ9 = "urn:stepcare:questionnaire:phq9"


@pytest.fixture
def care_region(app):
    private = rsa_key()
    return private, register(app, private, scopes=CARE_SCOPES)


@pytest.fixture
def two_courses(app, personas):
    """Alice: steps 2 then 3 with Theo, discharged; then a new course at step 1 with Una."""
    with app.app_context():
        alice, theo, una = (db.session.get(User, p.id)
                            for p in (personas.alice, personas.theo, personas.una))
        caseload.assign(alice, theo, by=theo)
        caseload.set_step(alice, 2, by=theo)
        caseload.set_step(alice, 3, by=theo)
        caseload.discharge(alice, by=theo, reason="Goals met", end_reason="completed")
        caseload.assign(alice, una, by=una)
        caseload.set_step(alice, 1, by=una)
        db.session.commit()
        return [step.id for step in caseload.step_history(alice)]


def _search(client, headers, query):
    return valid(client.get(f"/fhir/R4/{query}", headers=headers))


# --- QuestionnaireResponse ------------------------------------------------------------------


@pytest.mark.parametrize("questionnaire", [PHQ9, f"{PHQ9}|1", "Questionnaire/phq9"])
def test_it_searches_responses_by_questionnaire(client, region, personas, scores, questionnaire):
    bundle = _search(client, bearer(client, region),
                     f"QuestionnaireResponse?patient=patient-{personas.alice.id}"
                     f"&questionnaire={questionnaire}")
    assert bundle.total == 1
    assert bundle.entry[0].resource.questionnaire.startswith(PHQ9)


def test_it_searches_responses_by_date_authored(app, client, region, personas, scores):
    _weekly_phq9s(app, personas.alice.id, 4)
    since = (utcnow() - timedelta(days=15)).date().isoformat()
    bundle = _search(client, bearer(client, region),
                     f"QuestionnaireResponse?patient=patient-{personas.alice.id}"
                     f"&questionnaire={PHQ9}&authored=ge{since}")
    assert bundle.total == 3  # the screening's PHQ-9 and the last two weeks'


@pytest.mark.parametrize("query", [
    "QuestionnaireResponse?patient=patient-1&questionnaire=urn:stepcare:questionnaire:bdi",
    "QuestionnaireResponse?patient=patient-1&authored=last-week",
    "QuestionnaireResponse?patient=patient-1&code=44261-6",
    "EpisodeOfCare?patient=patient-1&status=planned",
    "EpisodeOfCare?status=active",
])
def test_it_answers_400_for_bad_search_parameters(client, care_region, query):
    response = client.get(f"/fhir/R4/{query}", headers=bearer(client, care_region, CARE_SCOPES))
    assert response.status_code == 400, query
    assert valid(response).issue[0].code == "invalid"


def _statements(app, client, url, headers) -> int:
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        assert client.get(url, headers=headers).status_code == 200
    return counter.count


@pytest.mark.parametrize("resource_type", ["QuestionnaireResponse", "Observation"])
def test_it_sends_as_many_statements_for_twenty_more_responses(
        app, client, region, personas, scores, resource_type):
    headers = bearer(client, region)
    url = f"/fhir/R4/{resource_type}?patient=patient-{personas.alice.id}&_count=100"
    few = _statements(app, client, url, headers)
    _weekly_phq9s(app, personas.alice.id, 20)
    assert _statements(app, client, url, headers) == few


def test_it_streams_a_search_and_reads_nothing_while_it_streams(
        app, client, region, personas, scores):
    _weekly_phq9s(app, personas.alice.id, 3)
    response = client.get(f"/fhir/R4/QuestionnaireResponse?patient=patient-{personas.alice.id}",
                          headers=bearer(client, region))
    assert response.is_streamed
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        body = response.get_data()
    assert counter.count == 0
    assert len(json.loads(body)["entry"]) == 6


# --- EpisodeOfCare --------------------------------------------------------------------------


def test_it_reads_a_course_of_treatment_by_the_id_of_its_first_step(
        client, care_region, personas, two_courses):
    episode = _search(client, bearer(client, care_region, CARE_SCOPES),
                      f"EpisodeOfCare/eoc-{two_courses[0]}")
    assert episode.status == "finished"
    assert [t.coding[0].code for t in episode.type] == ["2", "3"]
    assert episode.patient.reference == f"Patient/patient-{personas.alice.id}"


def test_it_names_the_therapist_of_each_course_as_its_care_manager(
        client, care_region, personas, two_courses):
    bundle = _search(client, bearer(client, care_region, CARE_SCOPES),
                     f"EpisodeOfCare?patient=patient-{personas.alice.id}")
    assert [e.resource.careManager.reference for e in bundle.entry] == [
        f"Practitioner/practitioner-{personas.theo.id}",
        f"Practitioner/practitioner-{personas.una.id}"]


@pytest.mark.parametrize(("status", "expected_steps"), [
    ("active", [["1"]]), ("finished", [["2", "3"]]), (None, [["2", "3"], ["1"]])])
def test_it_searches_a_patients_courses_by_status(
        client, care_region, personas, two_courses, status, expected_steps):
    query = f"EpisodeOfCare?patient=patient-{personas.alice.id}"
    bundle = _search(client, bearer(client, care_region, CARE_SCOPES),
                     query + (f"&status={status}" if status else ""))
    assert bundle.total == len(expected_steps)
    assert [[t.coding[0].code for t in e.resource.type] for e in bundle.entry] == expected_steps


def test_it_answers_404_for_a_step_that_does_not_begin_a_course(
        client, care_region, two_courses):
    response = client.get(f"/fhir/R4/EpisodeOfCare/eoc-{two_courses[1]}",
                          headers=bearer(client, care_region, CARE_SCOPES))
    assert response.status_code == 404
    assert valid(response).issue[0].code == "not-found"


def test_it_refuses_courses_to_a_token_without_their_scope(client, region, personas, two_courses):
    response = client.get(f"/fhir/R4/EpisodeOfCare?patient=patient-{personas.alice.id}",
                          headers=bearer(client, region))
    assert response.status_code == 403


def test_it_audits_each_course_read_on_the_patients_record(
        app, client, care_region, personas, two_courses):
    _search(client, bearer(client, care_region, CARE_SCOPES),
            f"EpisodeOfCare?patient=patient-{personas.alice.id}")
    with app.app_context():
        reads = audited_lines("care_episode")
    assert sorted(int(e.resource_id) for e in reads) == [two_courses[0], two_courses[2]]
    assert {e.patient_id for e in reads} == {personas.alice.id}


# --- Patient by national identifier -----------------------------------------------------------


@pytest.fixture
def alice_via_mitid(app, personas):
    """Alice linked her MitID login (through a broker that gives her CPR number)."""
    app.config["OIDC_PROVIDERS"] = {"mitid": {"id_system": CPR, "label": "MitID"},
                                    "nhs": {"id_system": "", "label": "NHS login"}}
    with app.app_context():
        db.session.add(OidcLink(user_id=personas.alice.id, provider="mitid",
                                subject="mitid-sub-1", national_id=ALICE_CPR))
        db.session.add(OidcLink(user_id=personas.bob.id, provider="nhs",
                                subject="nhs-sub-2", national_id="9434765919"))
        db.session.commit()


def test_it_sends_the_cpr_number_and_claims_dk_core(client, region, personas, alice_via_mitid):
    patient = _search(client, bearer(client, region), f"Patient/patient-{personas.alice.id}")
    assert [(i.system, i.value, i.use) for i in patient.identifier] == [
        (CPR, ALICE_CPR, "official")]
    assert patient.meta.profile == [
        "http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient"]


def test_it_sends_no_identifier_whose_system_is_not_configured(
        client, region, personas, alice_via_mitid):
    patient = _search(client, bearer(client, region), f"Patient/patient-{personas.bob.id}")
    assert patient.identifier is None and patient.meta is None


@pytest.mark.parametrize("identifier", [f"{CPR}|{ALICE_CPR}", ALICE_CPR, f"|{ALICE_CPR}"])
def test_it_finds_a_patient_by_national_identifier(
        client, region, personas, alice_via_mitid, identifier):
    bundle = _search(client, bearer(client, region), f"Patient?identifier={identifier}")
    assert bundle.total == 1
    assert bundle.entry[0].resource.id == f"patient-{personas.alice.id}"


@pytest.mark.parametrize("identifier", [
    f"{CPR}|0202801234", f"https://fhir.nhs.uk/Id/nhs-number|{ALICE_CPR}", "9434765919"])
def test_it_finds_nobody_for_an_unknown_or_unsent_identifier(
        client, region, alice_via_mitid, identifier):
    bundle = _search(client, bearer(client, region), f"Patient?identifier={identifier}")
    assert bundle.total == 0 and not bundle.entry


def test_it_audits_a_patient_found_by_identifier(app, client, region, personas, alice_via_mitid):
    _search(client, bearer(client, region), f"Patient?identifier={CPR}|{ALICE_CPR}")
    with app.app_context():
        reads = audited_lines("patient")
    assert [(e.patient_id, e.actor_role) for e in reads] == [(personas.alice.id, "fhir_client")]
