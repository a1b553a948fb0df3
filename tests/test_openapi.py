"""The OpenAPI document at /api/openapi.json: valid, public, and complete.

Complete means: every route whose view answers JSON (calls ``jsonify``, or reads a JSON
body, itself or through a helper of its own module) is in the document, so a new JSON
endpoint fails here until it declares its ``@operation``.
"""

from __future__ import annotations

import types

from openapi_spec_validator import validate

from app.openapi import declared
from video import schemas

JSON_NAMES = {"jsonify", "get_json"}


def _names(function, depth: int = 3) -> set[str]:
    """The global names a function uses, and those of its own module's functions it calls."""
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    code = getattr(function, "__code__", None)
    if code is None:
        return set()
    names = set(code.co_names)
    if depth:
        for name in list(names):
            helper = function.__globals__.get(name)
            if (isinstance(helper, types.FunctionType)
                    and helper.__module__ == function.__module__):
                names |= _names(helper, depth - 1)
    return names


def _json_endpoints(app) -> set[str]:
    return {endpoint for endpoint, view in app.view_functions.items()
            if JSON_NAMES & _names(view) or declared(view) is not None}


def test_it_serves_a_valid_openapi_3_1_document_without_signing_in(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_it_documents_every_json_route(app, client):
    document = client.get("/api/openapi.json").json
    documented = {op["operationId"] for path in document["paths"].values()
                  for op in path.values()}
    missing = _json_endpoints(app) - documented
    assert not missing, f"declare @operation on these JSON routes: {sorted(missing)}"


def test_it_finds_the_json_routes_it_checks(app):
    # The detection itself: the call API, autosave and the health check are JSON routes.
    found = _json_endpoints(app)
    assert {"video.signal", "video.echo", "video.leave", "video.ice_servers",
            "programmes.save_answer", "main.healthz"} <= found
    assert "video.call" not in found


def test_it_describes_request_bodies_by_their_models(client):
    document = client.get("/api/openapi.json").json
    body = document["paths"]["/video/{room_id}/poll"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["required"] == ["session", "after", "version"]
    assert schema["properties"]["session"]["maxLength"] == schemas.TOKEN_MAX


def test_it_declares_the_session_cookie_and_csrf_header(client):
    document = client.get("/api/openapi.json").json
    schemes = document["components"]["securitySchemes"]
    assert schemes["csrf"] == {**schemes["csrf"], "in": "header", "name": "X-CSRFToken"}
    assert document["paths"]["/video/{room_id}/join"]["post"]["security"] == [
        {"session": [], "csrf": []}]
    assert document["paths"]["/api/openapi.json"]["get"]["security"] == []


def test_it_keeps_the_call_apis_error_messages(app):
    # The models speak as the hand-written checks did: the page and the tests read them.
    from app.openapi import BodyError, parse_body

    for body, detail in (({"after": 0, "version": 0}, "session must be a short string"),
                         ({"session": "t", "after": -1, "version": 0},
                          "after must be a whole number"),
                         ({"session": "t", "after": 0, "version": 0, "wait": "x"},
                          "wait must be a number")):
        try:
            parse_body(schemas.PollBody, body)
        except BodyError as exc:
            assert str(exc) == detail
        else:
            raise AssertionError(body)
