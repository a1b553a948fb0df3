"""POSTing a message Bundle to a receiver, and reading its answer."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Delivery:
    """What came of a send: the HTTP status (None: no answer) and the receiver's words."""

    delivered: bool
    status: int | None
    outcome: str


def _outcome_text(body: str) -> str:
    """The issues of an OperationOutcome answer, one per line; empty if it is none."""
    try:
        outcome = OperationOutcome.model_validate_json(body)
    except (ValidationError, ValueError):
        return ""
    lines = []
    for issue in outcome.issue or []:
        text = issue.diagnostics or (issue.details.text if issue.details else None) or ""
        lines.append(f"{issue.severity}: {issue.code}" + (f": {text}" if text else ""))
    return "\n".join(lines)


def post(endpoint: str, body: str, timeout: float) -> Delivery:
    """POST ``body`` (a message Bundle as JSON) and report the answer; never raises for
    the network: a timeout or a refused connection is a Delivery that was not delivered."""
    try:
        answer = requests.post(endpoint, data=body.encode(), timeout=timeout,
                               headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON},
                               allow_redirects=False)
    except requests.Timeout:
        return Delivery(False, None, f"No answer within {timeout:g} s (timed out).")
    except requests.RequestException as exc:
        return Delivery(False, None, f"Could not connect: {type(exc).__name__}.")
    text = _outcome_text(answer.text[:100_000])
    if not text and not answer.ok:
        text = f"HTTP {answer.status_code} {answer.reason or ''}".strip()
    return Delivery(200 <= answer.status_code < 300, answer.status_code, text)
