"""The patient's records as one FHIR R4 ``collection`` Bundle, built by ``interop.fhir``."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.resource import Resource

from app.db import utcnow
from interop import fhir
from interop.export.records import PatientRecords
from interop.fhir import codes


def _responses(records: PatientRecords, language: str) -> list[Resource]:
    resources: list[Resource] = []
    for response in records.responses:
        instrument = records.instruments[response.instrument_id]
        resources.append(fhir.questionnaire_response(response, instrument, language))
        if response.total is not None and instrument.is_scored:
            resources.append(fhir.score_observation(response, instrument, language))
    return resources


def resources(records: PatientRecords) -> list[Resource]:
    """Every resource of the export, the Patient first."""
    language = records.patient.language
    return [
        fhir.patient(records.patient, records.identifiers),
        *_responses(records, language),
        *[fhir.episode_of_care(episode) for episode in fhir.split_episodes(records.steps)],
        *[fhir.communication(message, records.patient) for message in records.messages],
        *[fhir.mood_observation(entry) for entry in records.moods],
        *[fhir.exercise_response(answer) for answer in records.exercises],
        *[fhir.appointment(row) for row in records.appointments],
        *[fhir.audit_event(row) for row in records.access_log],
    ]


def bundle(records: PatientRecords, base: str) -> Bundle:
    """A ``collection``: the records as they stand now, with no claim of a document.

    ``base`` is the FHIR API's base URL: each entry's ``fullUrl`` is ``<base>/<Type>/<id>``,
    against which the resources' relative references resolve.
    """
    now = utcnow()
    return Bundle(
        identifier=Identifier(system=f"{codes.STEPCARE}:export",
                              value=f"{records.patient.id}-{now:%Y%m%dT%H%M%S}"),
        type="collection",
        timestamp=now,
        entry=[BundleEntry(fullUrl=f"{base.rstrip('/')}/{r.get_resource_type()}/{r.id}",
                           resource=r)
               for r in resources(records)],
    )
