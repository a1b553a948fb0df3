"""The CapabilityStatement: what this server really does, and nothing more."""

from __future__ import annotations

from fhir.resources.R4B.capabilitystatement import (
    CapabilityStatement,
    CapabilityStatementImplementation,
    CapabilityStatementRest,
    CapabilityStatementRestResource,
    CapabilityStatementRestResourceInteraction,
    CapabilityStatementRestResourceSearchParam,
    CapabilityStatementRestSecurity,
    CapabilityStatementSoftware,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding

from app.db import utcnow

SEARCH = {
    "Observation": [("patient", "reference"), ("code", "token"), ("date", "date")],
    "QuestionnaireResponse": [("patient", "reference"), ("questionnaire", "reference"),
                              ("authored", "date")],
    "EpisodeOfCare": [("patient", "reference"), ("status", "token")],
    "Patient": [("identifier", "token")],
}
SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def _resource(resource_type: str) -> CapabilityStatementRestResource:
    params = SEARCH.get(resource_type, [])
    interactions = ["read"] + (["search-type"] if params else [])
    return CapabilityStatementRestResource(
        type=resource_type,
        interaction=[CapabilityStatementRestResourceInteraction(code=code)
                     for code in interactions],
        searchParam=[CapabilityStatementRestResourceSearchParam(name=name, type=kind)
                     for name, kind in params] or None,
    )


def statement(url: str) -> CapabilityStatement:
    return CapabilityStatement(
        status="active", date=utcnow(), kind="instance", fhirVersion="4.3.0",
        format=["application/fhir+json"],
        software=CapabilityStatementSoftware(name="Stepcare"),
        implementation=CapabilityStatementImplementation(
            description="Stepcare FHIR API", url=url.removesuffix("/metadata")),
        rest=[CapabilityStatementRest(
            mode="server",
            security=CapabilityStatementRestSecurity(
                service=[CodeableConcept(coding=[Coding(system=SERVICE_SYSTEM,
                                                        code="SMART-on-FHIR")])],
                description="OAuth 2.0 client credentials with a JWT client assertion "
                            "(SMART Backend Services, RS384 or ES384) at /fhir/auth/token; "
                            "scopes system/<Type>.read. A search needs patient=, "
                            "a Patient search identifier=."),
            resource=[_resource(t) for t in ("Patient", "QuestionnaireResponse",
                                             "Observation", "EpisodeOfCare")],
        )],
    )
