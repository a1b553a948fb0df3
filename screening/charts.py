"""Outcome charts for the patient record: PHQ-9 or GAD-7 over time, as server-side SVG."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from app.charts import Band, Chart, Series
from screening import scoring
from screening.instruments import Instrument

CASENESS = {"phq9": scoring.PHQ9_CASENESS_THRESHOLD, "gad7": scoring.GAD7_CASENESS_THRESHOLD}
RELIABLE = {"phq9": scoring.PHQ9_RELIABLE_CHANGE, "gad7": scoring.GAD7_RELIABLE_CHANGE}


def points(series: list[tuple[datetime, int]]) -> list[tuple[float, float]]:
    """(weeks since the first measure, total)."""
    if not series:
        return []
    start = series[0][0]
    return [(round((when - start).total_seconds() / 604800, 2), total) for when, total in series]


def change_markers(instrument_id: str, series: list[tuple[datetime, int]]) -> list[str | None]:
    """Per measure: 'improved', 'deteriorated' (reliable change from the first) or None."""
    if not series:
        return []
    first = series[0][1]
    threshold = RELIABLE[instrument_id]
    return ["improved" if first - total >= threshold else
            "deteriorated" if total - first >= threshold else None for _when, total in series]


# At most this many week ticks fit a phone's chart with a week and a date under each.
MAX_WEEK_TICKS = 4
TICK_STEPS = (1, 2, 4, 6, 8, 13, 26, 52)


def week_ticks(start: datetime, last_week: float) -> list[tuple[float, str]]:
    """Ticks at whole weeks from the first measure: "week 4" over that week's date."""
    step = next((s for s in TICK_STEPS if last_week / s < MAX_WEEK_TICKS), TICK_STEPS[-1])
    weeks = range(0, int(last_week) + 1, step)
    return [(week, _("week %(n)s", n=week) + "\n"
             + format_date(start + timedelta(weeks=week), "d MMM")) for week in weeks]


def outcome_chart(instrument: Instrument, series: list[tuple[datetime, int]], lang: str) -> Markup:
    pts = points(series)
    last_week = max([x for x, _y in pts] + [1])
    markers = [
        (x, y, f"marker-{kind}", _("Reliable improvement") if kind == "improved"
         else _("Reliable deterioration"))
        for (x, y), kind in zip(pts, change_markers(instrument.id, series), strict=True) if kind
    ]
    chart = Chart(
        height=272, pad=(14, 12, 58, 40),  # room for two rows of x labels: week, date
        x_range=(0, last_week), y_range=(0, instrument.score_max),
        bands=[Band(b.min, b.max + 1 if b.max < instrument.score_max else b.max,
                    f"band-{b.name}", b.label.get(lang)) for b in instrument.bands],
        lines=[(CASENESS[instrument.id], "caseness", _("Clinical cut-off"))],
        y_ticks=[0, CASENESS[instrument.id], instrument.score_max],
        x_ticks=week_ticks(series[0][0], last_week) if series else [],
        series=[Series(instrument.title.get(lang), f"series-{instrument.id}", pts)],
        markers=markers,
        title=_("%(name)s over time, by week of treatment. Higher is worse; the shaded bands "
                "are the severity ranges and the dashed line is the clinical cut-off.",
                name=instrument.title.get(lang)),
    )
    return Markup(chart.svg())  # noqa: S704 - numbers and escaped labels only
