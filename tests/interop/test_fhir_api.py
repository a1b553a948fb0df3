"""The FHIR API (/fhir/R4/) and its SMART Backend Services token endpoint.

Keys are generated here with ``cryptography``; assertions are signed with joserfc, as a
region's system would sign them. Every resource the API returns is parsed with its own
``fhir.resources.R4B`` model, which validates it.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fhir.resources.R4B import get_fhir_model_class
from joserfc import jwt
from joserfc.jwk import JWKRegistry

from app.audit.models import AuditEvent
from app.audit.operations import append_as
from app.db import db, utcnow
from interop.api.models import FhirClient, FhirToken
from screening.models import QuestionnaireResponse
from tests.conftest import complete_screening
from tests.helpers import audited_lines, sign_in

TOKEN_URL = "http://localhost/fhir/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALL_SCOPES = "system/Patient.read system/Observation.read system/QuestionnaireResponse.read"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(private) -> str:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def private_jwk(private):
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return JWKRegistry.import_key(pem, "RSA" if isinstance(private, rsa.RSAPrivateKey) else "EC")


def register(app, private, scopes=ALL_SCOPES, name="Region Midt EPJ") -> str:
    with app.app_context():
        client = FhirClient(name=name, client_id=f"client-{uuid.uuid4().hex[:8]}",
                            public_key=public_pem(private), scopes=scopes)
        db.session.add(client)
        db.session.commit()
        return client.client_id


def assertion(private, client_id, *, alg="RS384", exp_in=240, jti=None, aud=TOKEN_URL) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "exp": now + exp_in,
              "iat": now, "jti": jti or uuid.uuid4().hex}
    return jwt.encode({"alg": alg}, claims, private_jwk(private), algorithms=[alg])


def ask_token(client, signed: str, scope=ALL_SCOPES):
    return client.post("/fhir/auth/token", data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed, "scope": scope})


@pytest.fixture
def region(app):
    private = rsa_key()
    return private, register(app, private)


def bearer(client, region, scope=ALL_SCOPES) -> dict:
    private, client_id = region
    response = ask_token(client, assertion(private, client_id), scope)
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def valid(response):
    """The body parsed by the fhir.resources model its resourceType names."""
    assert response.mimetype == "application/fhir+json"
    document = json.loads(response.data)
    return get_fhir_model_class(document["resourceType"]).model_validate(document)


@pytest.fixture
def scores(app, personas):
    with app.app_context():
        complete_screening(personas.alice.id)
        rows = db.session.execute(db.select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == personas.alice.id)
            .order_by(QuestionnaireResponse.id)).scalars().all()
        return {row.instrument_id: row.id for row in rows}


# --- the token endpoint ---------------------------------------------------------------------

def test_it_issues_a_short_lived_token_for_a_good_assertion(app, client, region):
    private, client_id = region
    response = ask_token(client, assertion(private, client_id), "system/Observation.read")
    assert response.status_code == 200
    assert response.json["token_type"] == "bearer"
    assert response.json["expires_in"] == 300
    assert response.json["scope"] == "system/Observation.read"
    with app.app_context():
        stored = db.session.execute(db.select(FhirToken)).scalar_one()
        assert stored.token_hash != response.json["access_token"]  # kept hashed only


def test_it_accepts_an_es384_assertion_from_a_jwk_key(app, client):
    private = ec.generate_private_key(ec.SECP384R1())
    jwk = json.dumps(JWKRegistry.import_key(public_pem(private), "EC").as_dict())
    with app.app_context():
        db.session.add(FhirClient(name="Kommune", client_id="ec-client", public_key=jwk,
                                  scopes="system/Patient.read"))
        db.session.commit()
    signed = assertion(private, "ec-client", alg="ES384")
    assert ask_token(client, signed, "system/Patient.read").status_code == 200


def test_it_refuses_an_assertion_signed_with_the_wrong_key(client, region):
    _private, client_id = region
    response = ask_token(client, assertion(rsa_key(), client_id))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_it_refuses_an_expired_assertion(client, region):
    private, client_id = region
    response = ask_token(client, assertion(private, client_id, exp_in=-10))
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_it_refuses_an_assertion_valid_for_more_than_five_minutes(client, region):
    private, client_id = region
    assert ask_token(client, assertion(private, client_id, exp_in=3600)).status_code == 401


def test_it_refuses_an_assertion_for_another_audience(client, region):
    private, client_id = region
    signed = assertion(private, client_id, aud="https://elsewhere.example/token")
    assert ask_token(client, signed).status_code == 401


def test_it_refuses_a_replayed_jti(client, region):
    private, client_id = region
    signed = assertion(private, client_id, jti="once-only")
    assert ask_token(client, signed).status_code == 200
    again = ask_token(client, signed)
    assert again.status_code == 401
    assert "jti" in again.json["error_description"]


def test_it_refuses_a_scope_the_client_was_not_given(app, client):
    private = rsa_key()
    client_id = register(app, private, scopes="system/Observation.read")
    response = ask_token(client, assertion(private, client_id),
                         "system/Observation.read system/Patient.read")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_it_refuses_a_request_without_a_scope(client, region):
    private, client_id = region
    response = ask_token(client, assertion(private, client_id), "")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_it_refuses_a_revoked_client(app, client, region):
    private, client_id = region
    with app.app_context():
        db.session.execute(db.update(FhirClient).values(revoked_at=utcnow()))
        db.session.commit()
    assert ask_token(client, assertion(private, client_id)).status_code == 401


def test_it_refuses_another_grant_type(client, region):
    private, client_id = region
    response = client.post("/fhir/auth/token", data={
        "grant_type": "password", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(private, client_id), "scope": ALL_SCOPES})
    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"


def test_it_refuses_garbage_as_an_assertion(client):
    assert ask_token(client, "not.a.jwt").status_code == 401


# --- metadata, read and search ----------------------------------------------------------------

def test_it_serves_a_capability_statement_that_lists_what_it_serves(client):
    statement = valid(client.get("/fhir/R4/metadata"))
    served = {r.type: r for r in statement.rest[0].resource}
    assert set(served) == {"Patient", "QuestionnaireResponse", "Observation", "EpisodeOfCare"}
    assert {p.name for p in served["Observation"].searchParam} == {"patient", "code", "date"}
    assert [i.code for i in served["Patient"].interaction] == ["read", "search-type"]
    assert [p.name for p in served["Patient"].searchParam] == ["identifier"]


def test_it_reads_a_patient_by_id(client, region, personas):
    response = client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}",
                          headers=bearer(client, region))
    assert response.status_code == 200
    assert valid(response).name[0].text == personas.alice.name


def test_it_reads_a_questionnaire_response_and_its_observation(client, region, scores):
    headers = bearer(client, region)
    qr = valid(client.get(f"/fhir/R4/QuestionnaireResponse/qr-{scores['phq9']}",
                          headers=headers))
    obs = valid(client.get(f"/fhir/R4/Observation/obs-{scores['phq9']}-total",
                           headers=headers))
    assert qr.status == "completed"
    assert obs.code.coding[0].code == "44261-6"
    assert obs.derivedFrom[0].reference == f"QuestionnaireResponse/qr-{scores['phq9']}"


def test_it_answers_404_with_an_operation_outcome_for_an_unknown_id(client, region, personas):
    headers = bearer(client, region)
    for path in ("/fhir/R4/Patient/patient-987654", "/fhir/R4/Patient/nonsense",
                 f"/fhir/R4/Patient/patient-{personas.theo.id}",  # staff are not Patients
                 "/fhir/R4/Observation/obs-987654-total"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert valid(response).issue[0].code == "not-found"


def test_it_answers_404_for_a_resource_type_it_does_not_serve(client, region):
    response = client.get("/fhir/R4/Encounter/1", headers=bearer(client, region))
    assert response.status_code == 404
    assert valid(response).get_resource_type() == "OperationOutcome"


def test_it_answers_401_without_a_token(client, personas):
    response = client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}")
    assert response.status_code == 401
    assert valid(response).issue[0].code == "login"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_it_answers_401_for_an_expired_token(app, client, region, personas):
    headers = bearer(client, region)
    with app.app_context():
        db.session.execute(db.update(FhirToken).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}", headers=headers)
    assert response.status_code == 401


def test_it_answers_403_when_the_token_lacks_the_types_scope(client, region, personas):
    headers = bearer(client, region, scope="system/Observation.read")
    response = client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}", headers=headers)
    assert response.status_code == 403
    assert valid(response).issue[0].code == "forbidden"


def _weekly_phq9s(app, patient_id, n):
    """n more PHQ-9 totals for the patient, one a week back from today."""
    with app.app_context():
        template = db.session.execute(db.select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient_id,
            QuestionnaireResponse.instrument_id == "phq9")).scalar_one()
        for week in range(1, n + 1):
            db.session.add(QuestionnaireResponse(
                patient_id=patient_id, instrument_id="phq9",
                instrument_version=template.instrument_version, context="weekly",
                submitted_at=utcnow() - timedelta(weeks=week), total=week, band="minimal",
                idempotency_key=f"weekly-{patient_id}-{week}"))
        db.session.commit()


def test_it_pages_an_observation_search_with_next_links(app, client, region, personas, scores):
    _weekly_phq9s(app, personas.alice.id, 4)
    headers = bearer(client, region)
    url = f"/fhir/R4/Observation?patient=patient-{personas.alice.id}&code=http://loinc.org|44261-6&_count=2"
    seen = []
    while url:
        bundle = valid(client.get(url, headers=headers))
        assert bundle.type == "searchset" and bundle.total == 5
        seen += [entry.resource.id for entry in bundle.entry]
        nxt = [link.url for link in bundle.link if link.relation == "next"]
        url = nxt[0].removeprefix("http://localhost") if nxt else None
    assert len(seen) == 5 == len(set(seen))


def test_it_filters_observations_by_date(app, client, region, personas, scores):
    _weekly_phq9s(app, personas.alice.id, 4)
    since = (utcnow() - timedelta(days=15)).date().isoformat()
    bundle = valid(client.get(
        f"/fhir/R4/Observation?patient=Patient/patient-{personas.alice.id}&code=44261-6"
        f"&date=ge{since}", headers=bearer(client, region)))
    assert bundle.total == 3  # today's screening and the last two weeks


def test_it_searches_a_patients_questionnaire_responses(client, region, personas, scores):
    bundle = valid(client.get(f"/fhir/R4/QuestionnaireResponse?patient=patient-{personas.alice.id}",
                              headers=bearer(client, region)))
    assert bundle.total == 3  # the screening's PHQ-9, GAD-7 and WSAS
    assert {e.resource.questionnaire.split("|")[0].rsplit(":", 1)[1]
            for e in bundle.entry} == {"phq9", "gad7", "wsas"}


@pytest.mark.parametrize("query", [
    "Observation?patient=patient-1&colour=red",
    "Observation?code=44261-6",
    "Observation?patient=patient-1&date=ge2026-13-45",
    "Observation?patient=patient-1&_count=0",
    "Observation?patient=patient-1&_count=abc",
    "Observation?patient=robert",
    "Observation?patient=patient-1&patient=patient-2",
    "Patient?name=alice",
    "Patient?identifier=",
    "Patient?patient=patient-1",
])
def test_it_answers_400_for_bad_search_parameters(client, region, query):
    response = client.get(f"/fhir/R4/{query}", headers=bearer(client, region))
    assert response.status_code == 400, query
    assert valid(response).issue[0].code == "invalid"


# --- audit ----------------------------------------------------------------------------------

def test_it_audits_each_read_with_the_client_as_actor(app, client, region, personas, scores):
    client.get(f"/fhir/R4/Observation?patient=patient-{personas.alice.id}",
               headers=bearer(client, region))
    with app.app_context():
        the_client = db.session.execute(db.select(FhirClient)).scalar_one()
        rows = [line for line in audited_lines("questionnaire_response")
                if line.actor_role == "fhir_client"]
    assert len(rows) == 3  # one per Observation returned
    assert {(r.actor_id, r.patient_id, r.action) for r in rows} == {
        (the_client.id, personas.alice.id, "R")}


def test_it_names_the_reading_system_on_the_patients_access_log(app, client, region,
                                                                 personas, scores):
    client.get(f"/fhir/R4/Observation/obs-{scores['phq9']}-total",
               headers=bearer(client, region))
    patient = app.test_client()
    sign_in(app, patient, personas.alice)
    page = BeautifulSoup(patient.get("/account/access-log").data, "html.parser")
    who = [row.find_all("td")[1].get_text(" ", strip=True)
           for row in page.select("#access-log tbody tr")]
    assert "Region Midt EPJ (a health record system)" in who


def test_it_audits_a_wrongly_scoped_request_as_denied_to_that_client(app, client, region,
                                                                      personas):
    headers = bearer(client, region, scope="system/Observation.read")
    client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}", headers=headers)
    client.get(f"/fhir/R4/Patient/patient-{personas.alice.id}")  # no token at all
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "fhir_api")).scalars().all()
    assert [(r.actor_role, r.outcome) for r in rows] == [
        ("fhir_client", "denied"), ("anonymous", "denied")]


def test_it_lists_a_system_whose_id_equals_the_patients_among_others(app, personas):
    # A client's id and a user's id come from different tables: Alice's id as a client's
    # must neither hide the row from "Others only" nor show Alice as the reader.
    with app.app_context():
        db.session.add(FhirClient(id=personas.alice.id, name="Kommunens omsorgssystem",
                                  client_id="same-id", public_key="-", scopes=ALL_SCOPES))
        append_as([{"at": utcnow(), "actor_id": personas.alice.id, "actor_role": "fhir_client",
                    "patient_id": personas.alice.id, "action": "R", "resource_type": "patient",
                    "resource_id": str(personas.alice.id), "outcome": "allowed", "ip": None}])
        db.session.commit()
    patient = app.test_client()
    sign_in(app, patient, personas.alice)
    page = BeautifulSoup(patient.get("/account/access-log").data, "html.parser")
    who = [row.find_all("td")[1].get_text(" ", strip=True)
           for row in page.select("#access-log tbody tr")]
    assert who == ["Kommunens omsorgssystem (a health record system)"]
