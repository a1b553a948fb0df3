import re
from datetime import UTC, datetime, timedelta

from app.charts import Chart, Series
from screening.charts import change_markers, outcome_chart, points
from screening.instruments import load_instrument

START = datetime(2026, 9, 1, tzinfo=UTC)
SERIES = [(START + timedelta(weeks=w), total) for w, total in ((0, 16), (2, 12), (4, 9),
                                                               (6, 22))]


def circles(svg: str, css_class: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(
        rf'<circle class="{css_class}" cx="([\d.]+)" cy="([\d.]+)"', svg)]


def test_it_places_each_measure_at_its_week_and_score(app):
    with app.test_request_context():
        svg = str(outcome_chart(load_instrument("phq9"), SERIES, "en"))
    chart = Chart(x_range=(0, 6), y_range=(0, 27))
    expected = [(chart.sx(x), chart.sy(y)) for x, y in points(SERIES)]
    assert circles(svg, "series-phq9") == expected


def test_it_draws_the_caseness_line_and_severity_bands(app):
    with app.test_request_context():
        svg = str(outcome_chart(load_instrument("phq9"), SERIES, "en"))
    chart = Chart(x_range=(0, 6), y_range=(0, 27))
    assert f'class="caseness" x1="{chart.sx(0)}" x2="{chart.sx(6)}" y1="{chart.sy(10)}"' in svg
    for band in ("minimal", "mild", "moderate", "moderately_severe", "severe"):
        assert f'class="band-{band}"' in svg


def test_it_marks_reliable_change_from_the_first_measure():
    assert change_markers("phq9", SERIES) == [None, None, "improved", "deteriorated"]
    assert change_markers("gad7", [(START, 10), (START, 6), (START, 14)]) == [
        None, "improved", "deteriorated"]


def test_it_marks_reliable_change_on_the_chart(app):
    with app.test_request_context():
        svg = str(outcome_chart(load_instrument("phq9"), SERIES, "en"))
    assert len(circles(svg, "marker-improved")) == 1
    assert len(circles(svg, "marker-deteriorated")) == 1


def test_it_escapes_labels():
    svg = Chart(series=[Series("<b>", "s", [(0, 1)])], title="a & b").svg()
    assert "<b>" not in svg and "a &amp; b" in svg
