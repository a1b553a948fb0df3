"""Dates and times as people read them: one short format per language, everywhere.

"1 Dec 2026, 07:47" in English and "1. dec. 2026 kl. 07.47" in Danish, in the clinic's
time zone, never with a time-zone name. In pages each comes in a ``<time datetime>``
element, so that the exact moment stays machine-readable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel import dates
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from app.html import html

Kind = Literal["date", "datetime", "time", "weekday"]

# Each kind is a day part and a time-of-day part (Babel patterns, CLDR syntax; "" where a
# kind has none) with the plain text that joins them, so that both parts are formatted once
# and reused: a long page (the caseload, a record's measures) shows many moments on the
# same few days.
FORMATS: dict[str, dict[Kind, tuple[str, str, str]]] = {
    "en": {"date": ("d MMM y", "", ""), "datetime": ("d MMM y", ", ", "HH:mm"),
           "time": ("", "", "HH:mm"), "weekday": ("EEEE d MMM y", ", ", "HH:mm")},
    "da": {"date": ("d. MMM y", "", ""), "datetime": ("d. MMM y", " kl. ", "HH.mm"),
           "time": ("", "", "HH.mm"), "weekday": ("EEEE d. MMM y", " kl. ", "HH.mm")},
}


def _parts(language: str, kind: Kind) -> tuple[str, str, str]:
    return FORMATS.get(language, FORMATS["en"])[kind]


@lru_cache(maxsize=16)
def _pattern(pattern: str) -> dates.DateTimePattern:
    # Parsing a pattern costs more than applying it: each is parsed once.
    return dates.parse_pattern(pattern)


@lru_cache(maxsize=4096)
def _day_text(day: date, language: str, pattern: str) -> str:
    return _pattern(pattern).apply(day, language)


@lru_cache(maxsize=4096)
def _time_text(hour: int, minute: int, language: str, pattern: str) -> str:
    return _pattern(pattern).apply(datetime(2000, 1, 1, hour, minute), language)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local(value: datetime) -> datetime:
    """The moment in the clinic's (or the user's) time zone; naive values are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(str(get_timezone())))


def _text(value: date | datetime, kind: Kind, language: str) -> str:
    if not isinstance(value, datetime):  # a day has no time of day, whatever the kind
        return _day_text(value, language, _parts(language, "date")[0])
    day_pattern, joiner, time_pattern = _parts(language, kind)
    day = _day_text(value.date(), language, day_pattern) if day_pattern else ""
    time = _time_text(value.hour, value.minute, language, time_pattern) if time_pattern else ""
    return f"{day}{joiner}{time}"


def text(value: date | datetime | None, kind: Kind = "datetime") -> str:
    """Plain text, for flash messages and other places that take no markup."""
    if value is None:
        return ""
    local = _local(value) if isinstance(value, datetime) else value
    return _text(local, kind, str(get_locale()))


def _machine_readable(local: date | datetime, kind: Kind) -> str:
    if isinstance(local, datetime):
        return local.date().isoformat() if kind == "date" else local.isoformat(
            timespec="minutes")
    return local.isoformat()


def element(value: date | datetime | None, kind: Kind = "datetime") -> Markup:
    """``<time datetime="2026-12-01T07:47+01:00">1 Dec 2026, 07:47</time>``."""
    if value is None:
        return Markup("")
    local = _local(value) if isinstance(value, datetime) else value
    return html('<time datetime="%s">%s</time>', _machine_readable(local, kind),
                _text(local, kind, str(get_locale())))
