"""Schemathesis against the FHIR API's part of /api/openapi.json (tag ``fhir``), through
the app (WSGI, no network), as a registered region's system holding a token with every
read scope, over a clinic where Alice has screening scores and a course of treatment.

Generated ids, parameters and token requests may be refused, with an OperationOutcome or
an OAuth error; none may answer 5xx.
"""

# ruff: noqa: F811 (pytest fixtures imported from test_fhir_api are used as arguments)
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app import create_app
from app.accounts.models import User
from app.caseload import operations as caseload
from app.db import db
from tests.interop.test_fhir_api import bearer, register, rsa_key, scores  # noqa: F401

schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json",
    create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}),
).include(tag="fhir")

EXAMPLES = 25
EVERY_SCOPE = ("system/Patient.read system/Observation.read "
               "system/QuestionnaireResponse.read system/EpisodeOfCare.read")


@pytest.fixture
def system(app, client, personas, scores):
    """A token for every read scope, with Alice's record behind it."""
    with app.app_context():
        alice = db.session.get(User, personas.alice.id)
        caseload.set_step(alice, 2, by=db.session.get(User, personas.theo.id))
        db.session.commit()
    private = rsa_key()
    region = private, register(app, private, scopes=EVERY_SCOPE)
    return bearer(client, region, EVERY_SCOPE)


def _aim(case, alice_id: int) -> None:
    """Half of the generated searches are about Alice, so they reach the queries."""
    query = case.query or {}
    if "patient" in query and len(repr(query)) % 2:
        query["patient"] = f"patient-{alice_id}"
    case.cookies = {}


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_it_answers_generated_requests_without_a_server_error(case, app, client, personas,
                                                              system):
    _aim(case, personas.alice.id)
    case.call_and_validate(session=client, app=app, headers=system,
                           checks=[not_a_server_error])
