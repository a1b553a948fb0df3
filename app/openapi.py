"""The JSON API's OpenAPI 3.1 document, built from the routes that declare themselves.

A JSON endpoint is documented where it is declared: ``@operation(...)`` under its
``@bp.route`` names the pydantic models of its request body and its answers, and
:func:`document` walks ``app.url_map`` for them. Request bodies are validated by the same
models (:func:`parse_body`), so the document and the checks cannot drift apart.

The document is public: it describes shapes, never data (``/api/openapi.json``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel, ConfigDict, ValidationError

bp = Blueprint("openapi", __name__)

Model = TypeVar("Model", bound=BaseModel)
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class Problem(BaseModel):
    """An error answer of the call API: a short machine-readable reason, maybe a detail."""

    model_config = ConfigDict(extra="allow")
    error: str
    detail: str | None = None


class Refusal(BaseModel):
    """A request refused before its view ran: ``message`` is a sentence for the person
    (a NUL character, an expired CSRF token); the call API's own refusals say ``error``."""

    model_config = ConfigDict(extra="allow")
    message: str | None = None
    error: str | None = None
    detail: str | None = None


#: The error answers every documented operation may give, besides its own.
COMMON_ERRORS: dict[int, tuple[type[BaseModel] | None, str]] = {
    400: (Refusal, "A NUL character in the body (PostgreSQL cannot store it), or a body "
                   "its schema refuses."),
}

AUTH_ERRORS: dict[int, tuple[type[BaseModel] | None, str]] = {
    302: (None, "Not signed in: sent to the login page."),
    400: (Refusal, "The CSRF token is missing or wrong, or the body is malformed."),
    404: (None, "Not the user's record, or no such record (never 403: that would confirm "
               "that it exists)."),
}


@dataclass(frozen=True)
class Operation:
    """What ``@operation`` records about one route."""

    summary: str
    responses: dict[int, tuple[type[BaseModel] | None, str]]
    body: type[BaseModel] | None = None
    body_type: str | tuple[str, ...] = JSON
    body_required: bool = True
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    # A system's API rather than the browser's: its own query model, security scheme,
    # media type and path values.
    query: type[BaseModel] | None = None
    security: str | None = None
    media_type: str = JSON
    path_values: dict[str, tuple[str, ...]] = field(default_factory=dict)


def operation(summary: str, *, responses: dict[int, tuple[type[BaseModel] | None, str]],
              body: type[BaseModel] | None = None, body_type: str | tuple[str, ...] = JSON,
              body_required: bool = True, public: bool = False,
              tags: tuple[str, ...] = (), **system_api: Any) -> Callable:
    """Declare a view a documented JSON operation (put it right under ``@bp.route``).

    ``system_api`` takes ``query``, ``security`` (a scheme in SECURITY_SCHEMES, in place
    of the browser's session and CSRF token), ``media_type`` and ``path_values``.
    """
    declared = Operation(summary, responses, body, body_type, body_required, public, tags,
                         **system_api)

    def decorate(view: Callable) -> Callable:
        view.openapi = declared  # type: ignore[attr-defined]
        return view

    return decorate


def declared(view: Callable) -> Operation | None:
    """The operation a view declared, looking through the decorators that wrap it."""
    while view is not None:
        found = getattr(view, "openapi", None)
        if isinstance(found, Operation):
            return found
        view = getattr(view, "__wrapped__", None)
    return None


class BodyError(ValueError):
    """A body that its model refuses: the first problem, in the validator's own words.

    ``error`` is the exception a validator raised, so a caller can answer a domain's own
    error (a signalling message's ``SignalError``) as it always has.
    """

    def __init__(self, message: str, error: Exception | None = None) -> None:
        super().__init__(message)
        self.error = error


def parse_body(model: type[Model], data: object) -> Model:
    """``data`` validated by ``model``; :class:`BodyError` with the first problem otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raised = (error.get("ctx") or {}).get("error")
        if isinstance(raised, Exception):
            raise BodyError(str(raised), raised) from None
        where = ".".join(str(part) for part in error["loc"])
        raise BodyError(f"{where}: {error['msg']}" if where else error["msg"]) from None


# --- the document ---------------------------------------------------------------------------

_PARAM_RE = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    """Flask's ``/video/<room_id>`` as OpenAPI's ``/video/{room_id}``, with its parameters."""
    parameters = []
    for match in _PARAM_RE.finditer(rule):
        kind = "integer" if match["converter"] == "int" else "string"
        parameters.append({"name": match["name"], "in": "path", "required": True,
                           "schema": {"type": kind}})
    return _PARAM_RE.sub(r"{\g<name>}", rule), parameters


def _schema(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _responses(declared_: Operation, components: dict) -> dict:
    browser = not declared_.public and declared_.security is None
    answers = {**COMMON_ERRORS, **(AUTH_ERRORS if browser else {}), **declared_.responses}
    out = {}
    for status, (model, description) in sorted(answers.items()):
        entry: dict[str, Any] = {"description": description}
        if model is not None:
            entry["content"] = {declared_.media_type: {"schema": _schema(model, components)}}
        out[str(status)] = entry
    return out


def _operation(endpoint: str, method: str, declared_: Operation, parameters: list[dict],
               components: dict) -> dict:
    entry: dict[str, Any] = {
        "operationId": endpoint,
        "summary": declared_.summary,
        "tags": list(declared_.tags) or [endpoint.split(".")[0]],
        "responses": _responses(declared_, components),
    }
    parameters = [_with_values(p, declared_.path_values) for p in parameters]
    if declared_.query is not None:
        parameters += _query_parameters(declared_.query)
    if parameters:
        entry["parameters"] = parameters
    if declared_.body is not None and method != "get":
        types = declared_.body_type
        schema = _schema(declared_.body, components)
        entry["requestBody"] = {"required": declared_.body_required, "content": {
            kind: {"schema": schema} for kind in ((types,) if isinstance(types, str) else types)}}
    if declared_.security is not None:
        entry["security"] = [{declared_.security: []}]
    else:
        entry["security"] = [] if declared_.public else [{"session": [], "csrf": []}]
    return entry


def _with_values(parameter: dict, values: dict[str, tuple[str, ...]]) -> dict:
    if parameter["name"] not in values:
        return parameter
    return {**parameter, "schema": {"type": "string", "enum": list(values[parameter["name"]])}}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    return [{"name": name, "in": "query", "required": name in required,
             "description": prop.get("description", ""), "schema": _not_null(prop)}
            for name, prop in schema["properties"].items()]


def _not_null(prop: dict) -> dict:
    """An optional parameter's schema without pydantic's ``null`` branch: a query string
    leaves a parameter out, it never sends null."""
    kept = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
    branches = [b for b in kept.pop("anyOf", []) if b.get("type") != "null"]
    return {**kept, **branches[0]} if len(branches) == 1 else kept


SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The signed-in browser session (Flask's session cookie)."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
             "description": "The page's CSRF token (the call page's data-csrf attribute); "
                            "required on every POST."},
    "fhirBearer": {"type": "http", "scheme": "bearer",
                   "description": "A FHIR API token from POST /fhir/auth/token "
                                  "(SMART Backend Services; docs/fhir.md)."},
}


def document(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every route that declared an ``@operation``."""
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        declared_ = declared(app.view_functions[rule.endpoint])
        if declared_ is None:
            continue
        path, parameters = _path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, method.lower(), declared_, parameters, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Stepcare JSON API", "version": "1",
                 "description": "The JSON endpoints behind Stepcare's pages (the video "
                                "call's signalling, the pre-call test, autosave), which "
                                "answer the signed-in browser, and the FHIR API for a "
                                "region's systems (tag fhir; docs/fhir.md)."},
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": SECURITY_SCHEMES},
    }


@bp.route("/api/openapi.json")
@operation("This document.", public=True, responses={200: (None, "The OpenAPI document.")})
def openapi_json():
    """Public: it describes the shapes of requests and answers, never anyone's data."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = document(current_app)
    response = jsonify(current_app.extensions["openapi"])
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
