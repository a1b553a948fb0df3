"""What every template can use."""

from __future__ import annotations

from functools import partial

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from app import crisis, dates, navigation, signals
from app.accounts import phones
from app.i18n import LANGUAGE_NAMES
from app.signals import flattened


def init_app(app: Flask) -> None:
    @app.context_processor
    def shared():
        return {
            "current_language": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
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

    app.jinja_env.filters["date"] = partial(dates.element, kind="date")
    app.jinja_env.filters["datetime"] = partial(dates.element, kind="datetime")
    app.jinja_env.filters["time"] = partial(dates.element, kind="time")
    app.jinja_env.filters["weekday"] = partial(dates.element, kind="weekday")
    app.jinja_env.filters["phone"] = phones.display
