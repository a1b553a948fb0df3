"""One short date format per language, in the clinic's time zone, in <time> elements."""

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from flask import session

from app import dates

# 06:47 UTC is 07:47 in Copenhagen in December (the demo clinic's time zone).
MOMENT = datetime(2026, 12, 1, 6, 47, tzinfo=UTC)


def _shown(app, language: str, value, kind: dates.Kind = "datetime"):
    with app.test_request_context():
        session["lang"] = language
        return BeautifulSoup(str(dates.element(value, kind)), "html.parser").time


@pytest.fixture
def app(app):
    app.config["TIMEZONE"] = app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Copenhagen"
    return app


@pytest.mark.parametrize(("language", "kind", "expected"), [
    ("en", "datetime", "1 Dec 2026, 07:47"),
    ("da", "datetime", "1. dec. 2026 kl. 07.47"),
    ("en", "date", "1 Dec 2026"),
    ("da", "date", "1. dec. 2026"),
    ("en", "time", "07:47"),
    ("da", "time", "07.47"),
    ("en", "weekday", "Tuesday 1 Dec 2026, 07:47"),
    ("da", "weekday", "tirsdag 1. dec. 2026 kl. 07.47"),
])
def test_it_shows_one_short_format_per_language(app, language, kind, expected):
    assert _shown(app, language, MOMENT, kind).get_text() == expected


def test_it_keeps_the_exact_moment_in_the_datetime_attribute(app):
    assert _shown(app, "en", MOMENT)["datetime"] == "2026-12-01T07:47+01:00"


def test_it_gives_a_calendar_day_as_an_iso_date(app):
    assert _shown(app, "da", date(2026, 4, 1), "date")["datetime"] == "2026-04-01"


def test_it_takes_the_day_in_the_clinics_time_zone(app):
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 Dec, 00:30 in Copenhagen
    shown = _shown(app, "en", late_evening, "date")
    assert (shown.get_text(), shown["datetime"]) == ("1 Dec 2026", "2026-12-01")


def test_it_never_names_a_time_zone(app):
    for kind in ("datetime", "weekday", "time"):
        text = _shown(app, "en", MOMENT, kind).get_text()
        assert not any(zone in text for zone in ("CET", "UTC", "GMT", "Time", "+01"))


def test_it_shows_nothing_for_a_missing_value(app):
    with app.test_request_context():
        assert str(dates.element(None)) == "" and dates.text(None) == ""


def test_it_uses_the_format_in_pages(app, client, personas):
    from tests.helpers import sign_in

    sign_in(app, client, personas.alice)
    page = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    member_since = page.find("dt", string="Member since").find_next_sibling("dd").time
    assert member_since["datetime"][:4].isdigit()
    assert member_since.get_text().count(" ") == 2  # "1 Dec 2026"


def test_it_follows_summer_time(app):
    summer = datetime(2026, 7, 1, 6, 47, tzinfo=UTC)  # 08:47 in Copenhagen (CEST)
    shown = _shown(app, "da", summer)
    assert (shown.get_text(), shown["datetime"]) == ("1. jul. 2026 kl. 08.47",
                                                     "2026-07-01T08:47+02:00")


def test_it_reads_a_naive_moment_as_utc(app):
    naive = MOMENT.replace(tzinfo=None)
    assert _shown(app, "en", naive)["datetime"] == "2026-12-01T07:47+01:00"


def test_it_gives_a_calendar_day_without_a_time_whatever_the_kind(app):
    assert _shown(app, "en", date(2026, 4, 1), "weekday").get_text() == "1 Apr 2026"
