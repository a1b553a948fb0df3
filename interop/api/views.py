"""The FHIR API's routes: the token endpoint, ``metadata``, read by id and search."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntrySearch, BundleLink
from flask import Blueprint, g, jsonify, request, url_for
from pydantic import BaseModel, Field

from app.audit.models import SYSTEM_CLIENT_ROLE
from app.audit.operations import record_denied
from app.db import db
from app.extensions import csrf
from app.openapi import FORM, operation
from interop.api import capability, resources, schema, tokens
from interop.api.outcomes import FhirError, fhir_response, fhir_stream, outcome

bp = Blueprint("fhir", __name__, url_prefix="/fhir")


class TokenRequest(BaseModel):
    """The token request's form (SMART Backend Services, RFC 7523)."""

    grant_type: str = Field(description="client_credentials")
    client_assertion_type: str = Field(description=tokens.ASSERTION_TYPE)
    client_assertion: str = Field(description="A JWT signed RS384 or ES384 by the client: "
                                  "iss = sub = client_id, aud = this URL, exp <= 5 min, "
                                  "a jti used once.")
    scope: str = Field(description="e.g. system/Observation.read system/Patient.read")


class TokenAnswer(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthError(BaseModel):
    error: str
    error_description: str

READABLE = tuple(resources.ID_PATTERNS)
SEARCH_PARAMS = {"Observation": {"patient", "code", "date"},
                 "QuestionnaireResponse": {"patient", "questionnaire", "authored"},
                 "EpisodeOfCare": {"patient", "status"},
                 "Patient": {"identifier"}}
PAGING_PARAMS = {"_count", "_offset", "_format"}


def token_url() -> str:
    return url_for("fhir.token", _external=True)


@bp.route("/auth/token", methods=["POST"])
@csrf.exempt  # a system's OAuth token request, not a browser form: no session, no cookie
@operation("A FHIR API bearer token for a registered system (docs/fhir.md).", public=True,
           body=TokenRequest, body_type=FORM, tags=("fhir",), responses={
               200: (TokenAnswer, "An opaque bearer token for 5 minutes, with its scopes."),
               400: (OAuthError, "invalid_request, unsupported_grant_type or invalid_scope."),
               401: (OAuthError, "invalid_client: unknown or revoked client, bad signature, "
                                 "expired or too long-lived assertion, wrong aud, a used jti.")})
def token():
    try:
        bearer, grant = tokens.issue(request.form.to_dict(), token_url())
    except tokens.TokenError as error:
        db.session.rollback()
        response = jsonify(error=error.error, error_description=error.description)
        response.status_code = error.status
        response.headers["Cache-Control"] = "no-store"
        return response
    db.session.commit()
    response = jsonify(access_token=bearer, token_type="bearer",  # noqa: S106 (a type name)
                       expires_in=int(tokens.TOKEN_LIFETIME.total_seconds()),
                       scope=" ".join(sorted(grant.scopes)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorise(resource_type: str) -> None:
    """The bearer token must be valid (401) and grant reading this type (403)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    grant = tokens.grant_for(value.strip()) if scheme.lower() == "bearer" else None
    if grant is None:
        raise FhirError(401, "a valid bearer token is required (POST /fhir/auth/token)")
    g.audit_actor = (grant.client.id, SYSTEM_CLIENT_ROLE)
    if not {f"system/{resource_type}.read", "system/*.read"} & grant.scopes:
        raise FhirError(403, f"the token's scopes do not include system/{resource_type}.read")


def fhir_view(view):
    """Known types only; FhirError and any bad input become an OperationOutcome."""
    @wraps(view)
    def wrapper(resource_type: str, **kwargs):
        try:
            if resource_type not in READABLE:
                raise FhirError(404, f"{resource_type} is not a resource type served here")
            _authorise(resource_type)
            answer = view(resource_type, **kwargs)
        except FhirError as error:
            if error.status in (401, 403):
                # A refused token is kept in the trail (issue 15): who tried, and what.
                record_denied("fhir_api", request.path[:64], patient_id=None)
            else:
                db.session.rollback()
            return outcome(error.status, error.message)
        db.session.commit()
        return answer
    return wrapper


@bp.route("/R4/metadata")
@operation("The CapabilityStatement: what this server serves (no token needed).",
           public=True, tags=("fhir",), media_type=schema.MEDIA_TYPE,
           responses={200: (schema.FhirResource, "A CapabilityStatement.")})
def metadata():
    return fhir_response(capability.statement(url_for("fhir.metadata", _external=True)))


@bp.route("/R4/<resource_type>/<resource_id>")
@operation(**schema.documented("Read one resource by id (e.g. Observation/obs-12-total).",
                               schema.READ_ANSWERS,
                               path_values={"resource_type": schema.READABLE}))
@fhir_view
def read(resource_type: str, resource_id: str):
    return fhir_response(resources.read(resource_type, resource_id))


def _int_param(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, str(default))
    if not value.isdigit() or not low <= int(value) <= high:
        raise FhirError(400, f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _link(resource_type: str, params: dict[str, str], offset: int, count: int) -> str:
    query = urlencode({**params, "_count": count, "_offset": offset})
    return f"{url_for('fhir.search', resource_type=resource_type, _external=True)}?{query}"


@bp.route("/R4/<resource_type>")
@operation(**schema.documented("Search one patient's resources of a type, paged.",
                               schema.SEARCH_ANSWERS, query=schema.SearchQuery,
                               path_values={"resource_type": schema.SEARCHABLE}))
@fhir_view
def search(resource_type: str):
    allowed = SEARCH_PARAMS.get(resource_type, set())
    unknown = set(request.args) - allowed - PAGING_PARAMS
    if unknown:
        raise FhirError(400, "unsupported search parameters: " + ", ".join(sorted(unknown)))
    if any(len(request.args.getlist(name)) > 1 for name in request.args):
        raise FhirError(400, "give each search parameter once")
    if not allowed:
        raise FhirError(400, f"{resource_type} is read by id here, not searched")
    params = {name: request.args[name] for name in allowed if name in request.args}
    count = _int_param("_count", resources.DEFAULT_COUNT, 1, resources.MAX_COUNT)
    offset = _int_param("_offset", 0, 0, 10**9)
    page = resources.search(resource_type, params, offset, count)
    links = [BundleLink(relation="self", url=_link(resource_type, params, offset, count))]
    if offset + count < page.total:
        links.append(BundleLink(relation="next",
                                url=_link(resource_type, params, offset + count, count)))
    base = url_for("fhir.metadata", _external=True).removesuffix("metadata")
    entries = [BundleEntry(fullUrl=f"{base}{resource_type}/{item.id}", resource=item,
                           search=BundleEntrySearch(mode="match"))
               for item in page.resources]
    return fhir_stream(Bundle(type="searchset", total=page.total, link=links), entries)
