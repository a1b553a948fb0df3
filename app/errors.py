"""Friendly error pages: every failure says what happened and what to do next."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Something in the request was not right"),
              _("Go back, reload the page and try again.")),
        404: (_("Page not found"),
              _("The page does not exist, or you do not have access to it.")),
        405: (_("That did not work"), _("Go back and use the buttons on the page.")),
        413: (_("Too much text"),
              _("What you sent is larger than we accept. Shorten it and try again.")),
        429: (_("Too many attempts"),
              _("Please wait a few minutes before you try again.")),
        500: (_("Something went wrong on our side"),
              _("What you just did was not saved. Please try again in a moment.")),
    }


def _render(code: int, detail: str | None = None):
    title, hint = _messages().get(code, _messages()[500])
    return render_template("errors/error.html", code=code, title=title, hint=detail or hint), code


def _limit_message(error: HTTPException) -> str | None:
    """A limit with its own message (say, one account slowed down) explains itself."""
    limit = getattr(error, "limit", None)
    return error.description if limit is not None and limit.error_message else None


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.accept_mimetypes.best == "application/json":
            # A page open from before a new sign-in (say, in another tab) holds an old token.
            # Script on our own origin may fetch the current one and retry: no other site
            # can read this response.
            return jsonify(message=_("The page was out of date. Trying again…"),
                           csrf_token=generate_csrf()), 400
        return _render(
            400,
            _("The form had expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code not in _messages():
            return error
        return _render(error.code, _limit_message(error))

    @app.errorhandler(500)
    def server_error(error):
        return _render(500)
