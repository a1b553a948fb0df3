"""Code systems, extension URLs and the stable ids of Stepcare's FHIR resources."""

from __future__ import annotations

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SCORE_UNIT = "{score}"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LANGUAGE = "urn:ietf:bcp:47"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
NETWORK_TYPE_IP = "2"  # AuditEvent.agent.network.type: an IP address
CPR = "urn:oid:1.2.208.176.1.2"  # HL7 DK Core's dk-core-cpr-identifier
DK_CORE_PATIENT = "http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient"

# Stepcare's own code systems, for what LOINC does not name (WSAS answers, severity bands,
# steps of care). URNs, so that no deployment's host name is baked into stored resources.
STEPCARE = "urn:stepcare"
ANSWER_SYSTEM = f"{STEPCARE}:answer"  # + ":<instrument id>"
BAND_SYSTEM = f"{STEPCARE}:band"  # + ":<instrument id>"
SCORE_SYSTEM = f"{STEPCARE}:score"
STEP_SYSTEM = f"{STEPCARE}:step"
ROLE_SYSTEM = f"{STEPCARE}:role"
RESOURCE_SYSTEM = f"{STEPCARE}:resource"  # + ":<audit resource type>"


def questionnaire_url(instrument_id: str) -> str:
    """The canonical URL of an instrument's Questionnaire (versioned with ``|<version>``)."""
    return f"{STEPCARE}:questionnaire:{instrument_id}"


def patient_id(user_id: int) -> str:
    return f"patient-{user_id}"


def practitioner_id(user_id: int) -> str:
    return f"practitioner-{user_id}"


def response_id(response_id_: int) -> str:
    return f"qr-{response_id_}"


def observation_id(response_id_: int) -> str:
    return f"obs-{response_id_}-total"


def episode_id(first_step_id: int) -> str:
    return f"eoc-{first_step_id}"


def communication_id(message_id: int) -> str:
    return f"msg-{message_id}"


def appointment_id(appointment_id_: int) -> str:
    return f"appt-{appointment_id_}"


def audit_event_id(event_id: int) -> str:
    return f"audit-{event_id}"


DIARY_SYSTEM = f"{STEPCARE}:diary"


def exercise_url(module_slug: str, block_id: str) -> str:
    """The canonical URL of a module's exercise block, as a questionnaire."""
    return f"{STEPCARE}:exercise:{module_slug}:{block_id}"


def mood_id(entry_id: int) -> str:
    return f"mood-{entry_id}"


def exercise_id(answer_id: int) -> str:
    return f"ex-{answer_id}"
