"""What every template can use."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import dates
from flask import Flask, current_app, request
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_login import current_user

from app import crisis, navigation, signals
from app.accounts import phones
from app.accounts.forms import LanguageForm
from app.i18n import LANGUAGE_NAMES
from app.signals import flattened


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
            "crisis_now": crisis.take_offer(),
        }

    @app.context_processor
    def menu():
        # Computed here, before the template renders: badges are counted by queries.
        if not current_user.is_authenticated:
            return {"nav": [], "crisis_links": []}
        return {"nav": navigation.menu(current_user),
                "crisis_links": sorted(flattened(signals.crisis_links, current_user),
                                       key=lambda link: link.order)}

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["phone"] = phones.display


def _date(value, fmt: str = "medium") -> str:
    """A date in the reader's language and time zone.

    Long lists (the caseload) show many dates that fall on the same few days; Babel's
    formatting costs about 70 microseconds a call, so each day is formatted once.
    """
    if not value:
        return ""
    day = to_user_timezone(value).date() if isinstance(value, datetime) else value
    return _formatted_day(day, fmt, str(get_locale()))


@lru_cache(maxsize=4096)
def _formatted_day(day: date, fmt: str, locale: str) -> str:
    return dates.format_date(day, fmt, locale=locale)
