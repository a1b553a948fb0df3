"""Dates and times as people read them: one short format per language, everywhere.

"1 Dec 2026, 07:47" in English and "1. dec. 2026 kl. 07.47" in Danish, in the clinic's
time zone, never with a time-zone name. In pages each comes in a ``<time datetime>``
element, so that the exact moment stays machine-readable.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from babel import dates
from flask_babel import get_locale, to_user_timezone
from markupsafe import Markup, escape

Kind = Literal["date", "datetime", "time", "weekday"]

# Babel patterns (CLDR syntax); quoted text is literal.
FORMATS: dict[str, dict[Kind, str]] = {
    "en": {"date": "d MMM y", "datetime": "d MMM y, HH:mm", "time": "HH:mm",
           "weekday": "EEEE d MMM y, HH:mm"},
    "da": {"date": "d. MMM y", "datetime": "d. MMM y 'kl.' HH.mm", "time": "HH.mm",
           "weekday": "EEEE d. MMM y 'kl.' HH.mm"},
}


@lru_cache(maxsize=16)
def _pattern(language: str, kind: Kind) -> dates.DateTimePattern:
    # Parsing a pattern costs more than applying it: each is parsed once.
    return dates.parse_pattern(FORMATS.get(language, FORMATS["en"])[kind])


@lru_cache(maxsize=4096)
def _day_text(day: date, language: str) -> str:
    # Long lists (the caseload) show many dates that fall on the same few days.
    return _pattern(language, "date").apply(day, language)


def text(value: date | datetime | None, kind: Kind = "datetime") -> str:
    """Plain text, for flash messages and other places that take no markup."""
    if value is None:
        return ""
    language = str(get_locale())
    if isinstance(value, datetime):
        local = to_user_timezone(value)
        if kind == "date":
            return _day_text(local.date(), language)
        return _pattern(language, kind).apply(local, language)
    return _day_text(value, language)


def _machine_readable(value: date | datetime, kind: Kind) -> str:
    if isinstance(value, datetime):
        local = to_user_timezone(value)
        return local.date().isoformat() if kind == "date" else local.isoformat(
            timespec="minutes")
    return value.isoformat()


def element(value: date | datetime | None, kind: Kind = "datetime") -> Markup:
    """``<time datetime="2026-12-01T07:47+01:00">1 Dec 2026, 07:47</time>``."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        _machine_readable(value, kind), escape(text(value, kind)))
