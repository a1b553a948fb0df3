"""The mood diary chart: the last 30 days, 0-10."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.charts import Chart, Series
from programmes.models import MoodEntry

DAYS = 30


def mood_chart(entries: list[MoodEntry], today: date) -> Markup:
    start = today - timedelta(days=DAYS - 1)
    points = [((e.day - start).days, e.mood) for e in entries if e.day >= start]
    chart = Chart(
        x_range=(0, DAYS - 1), y_range=(0, 10), y_ticks=[0, 5, 10],
        x_ticks=[(0, format_date(start, "d MMM")), (DAYS - 1, format_date(today, "d MMM"))],
        series=[Series(_("Mood"), "series-mood", points)],
        title=_("Your mood over the last 30 days, from 0 (very low) to 10 (very good)"),
    )
    return Markup(chart.svg())  # noqa: S704 - built from numbers and escaped labels
