"""Response headers, role guards and the one-commit-per-request rule."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, abort, current_app, g
from flask_login import current_user, login_required

from app.accounts.models import Role
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
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

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


def patient_data(view):
    """Marks a page that shows patient data: browsers and proxies must not keep it."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.patient_data = True
        return view(*args, **kwargs)

    return wrapped


def media_allowed(view):
    """Grants camera and microphone to this page only (the video pages)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        g.media_allowed = True
        return view(*args, **kwargs)

    return wrapped


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = WITH_MEDIA if g.get("media_allowed") else NO_MEDIA
    # Look only at a user already loaded: static files must not touch the database.
    user = g.get("_login_user")
    if g.get("patient_data") or (user is not None and user.is_authenticated):
        # Anything seen while signed in may be personal: never cache it.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def _commit_once(response):
    """Writes go through operations that flush; the request commits once, here.

    A failed request (4xx/5xx) commits nothing, so nothing is left half-written.
    """
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
    app.after_request(_commit_once)  # registered last, so it runs first
