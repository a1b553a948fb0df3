"""Response headers, role guards and the one-commit-per-request rule."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import IntegerConverter

from app.accounts.models import Role
from app.audit.operations import rollback_keeping_reads
from app.db import db

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline script anywhere: every script is a static file
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "worker-src 'self'",  # the service worker, /sw.js
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Motion sensors and WebXR only where a page asks for them (the VR exposure scenes).
NO_MOTION = "accelerometer=(), gyroscope=(), magnetometer=(), xr-spatial-tracking=()"
WITH_MOTION = ("accelerometer=(self), gyroscope=(self), magnetometer=(self), "
               "xr-spatial-tracking=(self)")
NO_MEDIA = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
WITH_MEDIA = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"


def roles_required(*roles: Role) -> Callable:
    """Signed-in users of these roles only; any other role gets 404, like any out-of-scope URL."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _flagged(view, flag: str):
    """The view, setting ``g.<flag>`` first; the response headers read it."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        setattr(g, flag, True)
        return view(*args, **kwargs)

    return wrapped


def patient_data(view):
    """Marks a page that shows patient data: browsers and proxies must not keep it."""
    return _flagged(view, "patient_data")


def patient_page(bp: Blueprint, rule: str, *roles: Role, **options: Any) -> Callable:
    """A route showing patient data to ``roles``: ``bp.route``, ``roles_required`` and
    ``patient_data`` in the order every such page stacks them."""

    def register(view):
        return bp.route(rule, **options)(roles_required(*roles)(patient_data(view)))

    return register


def media_allowed(view):
    """Grants camera and microphone to this page only (the video pages)."""
    return _flagged(view, "media_allowed")


def motion_allowed(view):
    """Grants motion sensors and WebXR to this page only (the VR exposure scene)."""
    return _flagged(view, "motion_allowed")


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    motion = WITH_MOTION if g.get("motion_allowed") else NO_MOTION
    media = WITH_MEDIA if g.get("media_allowed") else NO_MEDIA
    headers["Permissions-Policy"] = f"{media}, {motion}"
    # Look only at a user already loaded: static files must not touch the database. And
    # not at its columns: this runs after the commit, which expired them, so reading one
    # would open a transaction and reload the row. ``is_anonymous`` is a class constant.
    user = g.get("_login_user")
    if g.get("patient_data") or (user is not None and not user.is_anonymous):
        # Anything seen while signed in may be personal: never cache it.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def _commit_once(response):
    """Writes go through operations that flush; the request commits once, here.

    A failed request (4xx/5xx) commits nothing, so nothing is left half-written,
    except the audit rows of what it read: those are written again after the rollback.
    """
    if response.status_code < 400:
        db.session.commit()
        return response
    try:
        rollback_keeping_reads()
    except SQLAlchemyError:
        # The database itself failed: the response already says so; don't make it worse.
        current_app.logger.exception("could not keep the audit rows of a failed request")
        db.session.rollback()
    return response


# Integer primary keys are 32-bit on PostgreSQL; SQLite's are 64-bit but overflow beyond
# that. One bound for both keeps a URL's meaning the same on either database.
MAX_DB_INT = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only ids the database can hold: larger ones are a 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def _has_nul() -> bool:
    """A NUL character anywhere in the query, form or JSON body (PostgreSQL refuses them)."""
    if any("\x00" in value
           for multi in (request.args, request.form)
           for key, values in multi.lists() for value in [key, *values]):
        return True
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\x00" in raw or b"\\u0000" in raw
    return False


def _refuse_nul():
    if request.method == "GET" and not request.args:
        return None
    if not _has_nul():
        return None
    message = _("The text contains an invisible NUL character, which Stepcare cannot store. "
                "Remove it (retyping the text usually does) and try again.")
    if request.is_json:
        return jsonify(message=message), 400
    return render_template("errors/error.html", code=400,
                           title=_("Something in the request was not right"), hint=message), 400


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON whose nesting is too deep to decode is bad input, not a crash.

    The decoder recurses; a body nested some thousands deep raises RecursionError, which
    ``request.get_json`` does not catch (it catches ValueError, and answers 400 for it).
    """

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    # Before any blueprint adds its rules, which bind their converters when added.
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_nul)
    app.after_request(_set_headers)
    app.after_request(_commit_once)  # registered last, so it runs first
