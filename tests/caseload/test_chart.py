import re
from datetime import UTC, date, datetime, timedelta

from bs4 import BeautifulSoup

from app.charts import Chart, Series
from programmes.charts import mood_chart
from screening.charts import change_markers, outcome_chart, points
from screening.instruments import load_instrument
from tests.helpers import SHIPPED_CONTENT

PHQ9, GAD7 = (load_instrument(i, SHIPPED_CONTENT) for i in ("phq9", "gad7"))

START = datetime(2026, 9, 1, tzinfo=UTC)
SERIES = [(START + timedelta(weeks=w), total) for w, total in ((0, 16), (2, 12), (4, 9),
                                                               (6, 22))]


def circles(svg: str, css_class: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(
        rf'<circle class="{css_class}" cx="([\d.]+)" cy="([\d.]+)"', svg)]


def test_it_places_each_measure_at_its_week_and_score(app):
    with app.test_request_context():
        svg = str(outcome_chart(PHQ9, SERIES, "en"))
    chart = Chart(x_range=(0, 6), y_range=(0, 27))
    expected = [(chart.sx(x), chart.sy(y)) for x, y in points(SERIES)]
    assert circles(svg, "series-phq9") == expected


def test_it_draws_the_caseness_line_and_severity_bands(app):
    with app.test_request_context():
        svg = str(outcome_chart(PHQ9, SERIES, "en"))
    chart = Chart(x_range=(0, 6), y_range=(0, 27))
    assert f'class="caseness" x1="{chart.sx(0)}" x2="{chart.sx(6)}" y1="{chart.sy(10)}"' in svg
    for band in ("minimal", "mild", "moderate", "moderately_severe", "severe"):
        assert BeautifulSoup(svg, "html.parser").select_one(f"rect.band-{band}")


def test_it_marks_reliable_change_from_the_first_measure():
    assert change_markers("phq9", SERIES) == [None, None, "improved", "deteriorated"]
    assert change_markers("gad7", [(START, 10), (START, 6), (START, 14)]) == [
        None, "improved", "deteriorated"]


def test_it_marks_reliable_change_on_the_chart(app):
    with app.test_request_context():
        svg = str(outcome_chart(PHQ9, SERIES, "en"))
    assert len(circles(svg, "marker-improved")) == 1
    assert len(circles(svg, "marker-deteriorated")) == 1


def test_it_escapes_labels():
    svg = Chart(series=[Series("<b>", "s", [(0, 1)])], title="a & b").svg()
    assert "<b>" not in svg and "a &amp; b" in svg


# The record's chart column on a 320 px phone: 320 - 2 x 16 (page) - 2 x 17 (card) px.
PHONE_COLUMN_PX = 254


def label_sizes_on_a_phone(svg: str) -> list[float]:
    """Each label's size on screen, in px, when the SVG is scaled to the phone's column."""
    root = BeautifulSoup(svg, "html.parser").find("svg")
    _x, _y, view_width, _h = (float(n) for n in root["viewbox"].split())
    return [float(text["font-size"]) * PHONE_COLUMN_PX / view_width
            for text in root.find_all("text")]


def test_it_keeps_outcome_chart_labels_at_least_12px_on_a_phone(app):
    with app.test_request_context():
        svg = str(outcome_chart(GAD7, SERIES, "en"))
    sizes = label_sizes_on_a_phone(svg)
    assert len(sizes) >= 5 and min(sizes) >= 12, sizes


def test_it_keeps_mood_chart_labels_at_least_12px_on_a_phone(app):
    with app.test_request_context():
        svg = str(mood_chart([], date(2026, 12, 1)))
    sizes = label_sizes_on_a_phone(svg)
    assert len(sizes) >= 5 and min(sizes) >= 12, sizes


def tick_labels(svg: str) -> list[list[str]]:
    """Each x tick's rows (the y ticks are single numbers, so they are left out)."""
    root = BeautifulSoup(svg, "html.parser")
    return [[row.get_text() for row in text.find_all("tspan")] or [text.get_text()]
            for text in root.select("text.tick") if not text.get_text().isdigit()]


def test_it_labels_whole_weeks_with_their_dates(app):
    with app.test_request_context():
        svg = str(outcome_chart(PHQ9, SERIES, "en"))
    assert tick_labels(svg) == [["week 0", "1 Sep"], ["week 2", "15 Sep"],
                                ["week 4", "29 Sep"], ["week 6", "13 Oct"]]


def test_it_spaces_week_ticks_out_on_a_long_course(app):
    long_course = [(START, 18), (START + timedelta(weeks=15), 8)]
    with app.test_request_context():
        svg = str(outcome_chart(PHQ9, long_course, "en"))
    assert [rows[0] for rows in tick_labels(svg)] == ["week 0", "week 4", "week 8", "week 12"]


def test_it_names_the_severity_bands_in_the_patients_language(app):
    with app.test_request_context():
        english = BeautifulSoup(str(outcome_chart(PHQ9, SERIES, "en")),
                                "html.parser")
        danish = BeautifulSoup(str(outcome_chart(PHQ9, SERIES, "da")),
                               "html.parser")
    phq9 = PHQ9
    assert [t.get_text() for t in english.select("text.band-label")] == [
        band.label.en for band in phq9.bands]
    assert [t.get_text() for t in danish.select("text.band-label")] == [
        band.label.da for band in phq9.bands]


def test_it_leaves_a_band_too_thin_for_its_label_unnamed():
    from app.charts import Band

    svg = Chart(y_range=(0, 100), bands=[Band(0, 2, "band-thin", "Thin"),
                                        Band(2, 100, "band-wide", "Wide")]).svg()
    labels = [t.get_text() for t in BeautifulSoup(svg, "html.parser").select("text.band-label")]
    assert labels == ["Wide"]


def test_it_dates_the_mood_chart_every_ten_days(app):
    with app.test_request_context():
        svg = str(mood_chart([], date(2026, 12, 1)))
    assert [rows[0] for rows in tick_labels(svg)] == [
        "2 Nov", "12 Nov", "22 Nov", "1 Dec"]
