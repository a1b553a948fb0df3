"""Rate limits cost nothing on the routes that have none.

Only a few views (sign-in, registration, password reset...) carry ``@limiter.limit``, and
there are no default or application-wide limits. Without this filter, the limiter still
resolves and evaluates limits on every other request; with it, those requests are exempt
at once. Which endpoints have a limit is worked out once per app, on first use, from the
limiter's own registry, so a newly decorated view is limited without any change here.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter.util import get_qualified_name

from app.extensions import limiter

_CACHE = "stepcare_limited_endpoints"


def _has_limits(app: Flask, endpoint: str) -> bool:
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or manager.has_hints(endpoint):
        return True
    view = app.view_functions.get(endpoint)
    if view is None:
        return True  # let the limiter decide, as it would without this filter
    blueprint = endpoint.rpartition(".")[0]
    return bool(manager.decorated_limits(get_qualified_name(view))
                or (blueprint and manager.blueprint_limits(app, blueprint)))


@limiter.request_filter
def unlimited() -> bool:
    """True (exempt) when the request's endpoint has no limit at all."""
    endpoint = request.endpoint
    if endpoint is None:
        return False
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    known: dict[str, bool] = app.extensions.setdefault(_CACHE, {})
    if endpoint not in known:
        known[endpoint] = _has_limits(app, endpoint)
    return not known[endpoint]


def init_app(app: Flask) -> None:
    """After ``limiter.init_app``: the endpoints are looked up afresh for this app."""
    app.extensions[_CACHE] = {}


def limited_endpoints(app: Flask) -> set[str]:
    """Every endpoint the filter leaves to the limiter (for tests and checks)."""
    with app.test_request_context():
        return {endpoint for endpoint in app.view_functions if _has_limits(app, endpoint)}
