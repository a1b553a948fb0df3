"""Language and time zone selection."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from app.accounts.models import LANGUAGES

LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def select_locale() -> str:
    """The switcher's choice, then the user's preference, then the browser's, then the default."""
    if not has_request_context():  # command-line tools speak the default language
        return current_app.config["DEFAULT_LANGUAGE"]
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["DEFAULT_LANGUAGE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
