"""FHIR answers: resources as ``application/fhir+json``, errors as OperationOutcome."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from fhir.resources.R4B.resource import Resource
from flask import Response

FHIR_JSON = "application/fhir+json"

# HTTP status -> the OperationOutcome issue code that says the same.
ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
               405: "not-supported", 500: "exception"}


class FhirError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def fhir_response(resource: Resource, status: int = 200) -> Response:
    return Response(resource.model_dump_json(exclude_none=True), status=status,
                    mimetype=FHIR_JSON)


def _bundle_chunks(envelope: Bundle, entries: Sequence[BundleEntry]) -> Iterator[str]:
    head = envelope.model_dump_json(exclude_none=True)
    if not entries:
        yield head
        return
    yield head[:-1] + ',"entry":['  # the envelope's object, opened again for its entries
    for index, entry in enumerate(entries):
        yield ("," if index else "") + entry.model_dump_json(exclude_none=True)
    yield "]}"


def fhir_stream(envelope: Bundle, entries: Sequence[BundleEntry]) -> Response:
    """A search's Bundle sent as it is serialised, an entry at a time.

    Serialising is most of a search's time (bench/fhir_search.py): the client gets the
    first bytes at once and the whole page is never one string in memory. The entries are
    validated models; only the envelope's brackets are joined here. The audit rows are
    committed before the first byte (``fhir_view``), and nothing reads the database while
    the body streams.
    """
    if envelope.entry:
        raise ValueError("the envelope carries no entries: they are streamed")
    return Response(_bundle_chunks(envelope, entries), mimetype=FHIR_JSON)


def outcome(status: int, message: str) -> Response:
    body = OperationOutcome(issue=[OperationOutcomeIssue(
        severity="error", code=ISSUE_CODES.get(status, "processing"), diagnostics=message)])
    response = fhir_response(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response
