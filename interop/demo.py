"""The FHIR API in the demo: a region's record system registered, and its reads on the log.

A patient who opens "Who has seen my data" finds the region's system reading her scores,
as it would after fetching her PHQ-9 history over the API.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.audit.models import SYSTEM_CLIENT_ROLE, Action, Outcome
from app.audit.operations import append_as
from app.db import db, utcnow
from app.signals import DemoClinic, DemoHook
from interop.api.models import FhirClient
from screening.models import QuestionnaireResponse

SCOPES = ("system/Patient.read system/Observation.read system/QuestionnaireResponse.read "
          "system/EpisodeOfCare.read")


def _public_pem() -> str:
    # The demo keeps no private key: nobody can sign in as this client, it only shows.
    private = ec.generate_private_key(ec.SECP384R1())
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def populate(clinic: DemoClinic, rng: random.Random) -> None:
    client = FhirClient(name="Region Midtjylland EPJ", client_id="region-midt-epj-demo",
                        public_key=_public_pem(), scopes=SCOPES)
    db.session.add(client)
    db.session.flush()
    rows = []
    for patient in clinic.story.values():
        responses = db.session.execute(db.select(QuestionnaireResponse).where(
            QuestionnaireResponse.patient_id == patient.id,
            QuestionnaireResponse.instrument_id == "phq9",
            QuestionnaireResponse.total.is_not(None))).scalars().all()
        at = utcnow() - timedelta(days=2, hours=rng.randint(1, 9))
        rows += [{"at": at, "actor_id": client.id, "actor_role": SYSTEM_CLIENT_ROLE,
                  "patient_id": patient.id, "action": str(Action.READ),
                  "resource_type": "questionnaire_response", "resource_id": str(r.id),
                  "outcome": str(Outcome.ALLOWED), "ip": "10.20.0.7"} for r in responses]
    append_as(sorted(rows, key=lambda row: row["at"]))


def hook(sender: Any) -> DemoHook:
    """After screening's (order 20), whose responses the region's system reads."""
    return DemoHook(order=50, populate=populate)
