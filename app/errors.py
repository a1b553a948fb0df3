"""Friendly error pages: every failure says what happened and what to do next.

A server error or a database outage is answered by a page that renders without the
database (no signed-in user, no menu), in the reader's language, with the crisis lines:
when the database is down, the ordinary page would fail too and leave a bare
"Internal Server Error". An outage answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app import crisis
from app.accounts.models import LANGUAGES
from app.db import db

RETRY_AFTER_SECONDS = 30


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
        503: (_("Stepcare is briefly unavailable"),
              _("We could not reach our database, so what you just did was not saved. "
                "The service will be back shortly: please try again in a minute.")),
    }


def _render(code: int, detail: str | None = None):
    title, hint = _messages().get(code, _messages()[500])
    try:
        return render_template("errors/error.html", code=code, title=title,
                               hint=detail or hint), code
    except SQLAlchemyError:  # the page's menu needs the database, which has just failed
        _discard_transaction()
        return _render_without_database(code)


def _language_without_database() -> str:
    """The switcher's choice, a user already loaded, the browser's, then the default."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    user = g.get("_login_user")  # set only if this request already loaded the user
    if user is not None and getattr(user, "language", None) in LANGUAGES:
        return user.language
    return request.accept_languages.best_match(LANGUAGES) or current_app.config[
        "DEFAULT_LANGUAGE"
    ]


def _render_without_database(code: int):
    language = _language_without_database()
    with force_locale(language):
        title, hint = _messages()[code]
        page = current_app.jinja_env.get_template("errors/standalone.html").render(
            language=language, title=title, hint=hint,
            crisis_lines=crisis.lines_for(current_app.config["CRISIS_REGION"]),
        )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == 503 else {}
    return page, code, headers


def _discard_transaction() -> None:
    # The connection may be gone: rolling back can fail too, and must not hide the page.
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()


def _is_outage(error: BaseException | None) -> bool:
    """The database could not be reached or written, as opposed to a bug in a query."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


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

    @app.errorhandler(SQLAlchemyError)
    def database_error(error: SQLAlchemyError):
        app.logger.exception("database error")
        _discard_transaction()
        return _render_without_database(503 if _is_outage(error) else 500)

    @app.errorhandler(500)
    def server_error(error):
        _discard_transaction()
        # An exception raised while committing (after the view) arrives wrapped.
        cause = getattr(error, "original_exception", None)
        return _render_without_database(503 if _is_outage(cause) else 500)
