"""What every template can use."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, get_locale

from app import crisis
from app.accounts.forms import LanguageForm
from app.i18n import LANGUAGE_NAMES


def init_app(app: Flask) -> None:
    @app.context_processor
    def shared():
        return {
            "current_language": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            # Never bound to the request: an oversized POST must not read its body again here.
            "language_form": LanguageForm(formdata=None),
            "crisis_lines": crisis.lines_for(current_app.config["CRISIS_REGION"]),
            "current_path": request.path,
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
