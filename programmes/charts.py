"""The mood diary chart: the last 30 days, 0-10."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.charts import Chart, Series
from programmes.models import MoodEntry

DAYS = 30


def mood_chart(entries: list[MoodEntry], today: date, title: str | None = None) -> Markup:
    """``title`` says whose mood it is; the patient's own page says "your mood"."""
    start = today - timedelta(days=DAYS - 1)
    points = [((e.day - start).days, e.mood) for e in entries if e.day >= start]
    chart = Chart(
        x_range=(0, DAYS - 1), y_range=(0, 10), y_ticks=[0, 5, 10],
        # Four dates fit side by side in a phone's chart, in Danish too ("22. nov.").
        x_ticks=[(day, format_date(start + timedelta(days=day), "d MMM"))
                 for day in (0, 10, 20, DAYS - 1)],
        series=[Series(_("Mood"), "series-mood", points)],
        title=title or _("Your mood over the last 30 days, from 0 (very low) to 10 "
                         "(very good)"),
    )
    return Markup(chart.svg())  # noqa: S704 - built from numbers and escaped labels
