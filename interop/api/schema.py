"""The FHIR API's shapes for the OpenAPI document (/api/openapi.json, tag ``fhir``).

The answers themselves are ``fhir.resources`` models; these only describe them, so that a
client and schemathesis see which parameters each route takes and which answers it gives.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from interop.api import capability, resources

MEDIA_TYPE = "application/fhir+json"
SECURITY = "fhirBearer"
READABLE = tuple(resources.ID_PATTERNS)
SEARCHABLE = tuple(capability.SEARCH)
# A day with an optional comparison prefix; a well-formed but impossible day (2026-13-45)
# fits it and is refused with 400.
DAY = r"^(ge|gt|le|lt|eq)?[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class FhirResource(BaseModel):
    """A FHIR R4 (4.3.0) resource, valid against the R4B model its resourceType names; a
    search answers a Bundle of type searchset."""

    model_config = ConfigDict(extra="allow")
    resourceType: str  # noqa: N815 (FHIR's own name)
    id: str | None = None


class FhirOutcome(BaseModel):
    """An OperationOutcome: ``issue[0].code`` says what kind of error, ``diagnostics`` why."""

    model_config = ConfigDict(extra="allow")
    resourceType: str = "OperationOutcome"  # noqa: N815
    issue: list[dict]


class SearchQuery(BaseModel):
    """A search's parameters; which apply depends on the type (CapabilityStatement)."""

    patient: str | None = Field(None, description="Required in every search but Patient's: "
                                "patient-<id> or Patient/patient-<id>.",
                                pattern=r"^(Patient/)?(patient-)?[0-9]{1,12}$")
    identifier: str | None = Field(None, description="Patient (and required there): "
                                   "system|value, e.g. urn:oid:1.2.208.176.1.2|0101801234.",
                                   pattern=r"^([^|]+\|)?[0-9A-Za-z-]{1,64}$")
    code: str | None = Field(None, description="Observation: system|code or code, "
                                               "e.g. http://loinc.org|44261-6.",
                             pattern=r"^(http://loinc\.org\||urn:stepcare:score\|)?[0-9a-z-]+$")
    date: str | None = Field(None, description="Observation: [ge|gt|le|lt|eq]YYYY-MM-DD.",
                             pattern=DAY)
    questionnaire: str | None = Field(None, description="QuestionnaireResponse: the "
                                      "Questionnaire's canonical URL.",
                                      pattern=r"^urn:stepcare:questionnaire:[a-z0-9]+(\|.+)?$")
    authored: str | None = Field(None, description="QuestionnaireResponse: "
                                                   "[ge|gt|le|lt|eq]YYYY-MM-DD.", pattern=DAY)
    status: str | None = Field(None, description="EpisodeOfCare: active or finished.",
                               pattern="^(active|finished)$")
    count: int | None = Field(None, alias="_count", ge=1, le=resources.MAX_COUNT,
                              description="Page size.")
    offset: int | None = Field(None, alias="_offset", ge=0, description="Where the page "
                               "starts; the Bundle's next link carries it.")


READ_ANSWERS: dict[int, tuple[type[BaseModel] | None, str]] = {
    200: (FhirResource, "The resource."),
    401: (FhirOutcome, "No, an unknown or an expired token, or a revoked client."),
    403: (FhirOutcome, "The token's scopes do not include system/<Type>.read."),
    404: (FhirOutcome, "A type not served, or an unknown or malformed id."),
}
SEARCH_ANSWERS: dict[int, tuple[type[BaseModel] | None, str]] = {
    **READ_ANSWERS,
    200: (FhirResource, "A Bundle of type searchset: total, self and next links."),
    400: (FhirOutcome, "An unsupported, repeated or malformed parameter, or no patient."),
}


def documented(summary: str, answers: dict, **extra: object) -> dict:
    """``@operation`` keywords shared by the FHIR routes."""
    return {"summary": summary, "responses": answers, "tags": ("fhir",),
            "security": SECURITY, "media_type": MEDIA_TYPE, **extra}
