"""The caseload's cells, rendered in Python by each package's ``CaseloadColumn.cell``."""

from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from app.caseload import columns
from app.caseload.facts import batches, merged
from app.caseload.triage import Category, Facts, Row
from app.html import html
from tests.helpers import parsed


def test_it_escapes_each_value_of_a_piece_of_html():
    assert html('<a title="%s">%s</a>', 'say "hi"', "<b>&</b>") == (
        '<a title="say &#34;hi&#34;">&lt;b&gt;&amp;&lt;/b&gt;</a>')


def test_it_keeps_a_value_that_is_already_html():
    assert html("<td>%s</td>", Markup("<span>1</span>")) == "<td><span>1</span></td>"


def _cells(app, language: str = "en", **facts) -> dict[str, object]:
    """Patient 7's cells, with every package's default facts and ``facts`` over them."""
    with app.test_request_context(headers={"Accept-Language": language}):
        defaults = vars(merged([batch.kind() for batch in batches(None, [])]))
        row = Row(7, "Ann", Facts({**defaults, **facts}), Category.OTHER)
        html_cells = columns.table(None).cells(row)
    return {td["data-label"]: td
            for td in parsed(f"<table><tr>{html_cells}</tr></table>").select("td")}


def test_it_gives_every_column_one_cell_labelled_with_its_header(app):
    with app.test_request_context():
        headers = [column.header for column in columns.table(None).columns]
    assert list(_cells(app)) == headers


def test_it_escapes_what_a_package_wrote_into_a_cell(app):
    cell = _cells(app, programme="CBT", module="<script>alert(1)</script>")["Programme"]
    assert cell.select("script") == []
    assert cell.select_one(".muted").get_text() == "<script>alert(1)</script>"


def test_it_shows_a_dash_where_there_is_no_value_yet(app):
    cells = _cells(app, step=None, weeks_in_treatment=None, phq9_latest=None)
    assert [cells[name].get_text() for name in ("Step", "Weeks", "PHQ-9")] == ["–"] * 3


@pytest.mark.parametrize(("change", "shown"), [(-6, "-6"), (0, "+0"), (4, "+4")])
def test_it_signs_the_change_of_a_score(app, change, shown):
    cell = _cells(app, phq9_latest=12, phq9_band="moderate", phq9_change=change)["PHQ-9"]
    assert cell.select_one(".badge.band-moderate").get_text() == "12"
    assert cell.select_one(".change").get_text() == shown


def test_it_links_risk_alerts_messages_and_the_safety_plan(app):
    cells = _cells(app, open_risk_alerts=2, unread_messages=1, messages_overdue=True,
                             risk_unreached_since=datetime(2026, 1, 1, tzinfo=UTC),
                     risk_unreached_hours=3)
    needs = cells["Needs"]
    assert needs.select_one("a.badge-danger").get_text() == "2 risk alerts"
    assert needs.select_one(".risk-unreached").get_text() == "Not yet reached · 3 hours"
    assert needs.select_one("a.safety-no-plan")["href"] == "/patients/7/safety-plan"
    waiting = cells["Waiting"]
    assert waiting.select_one("a")["href"] == "/patients/7/messages"
    assert waiting.select_one(".badge-danger").get_text() == "Overdue"


def test_it_writes_the_cells_in_the_readers_language(app):
    cells = _cells(app, "da", open_risk_alerts=1, clinical_alerts=2)
    assert cells["Behov"].select_one("a.badge-danger").get_text() == "1 risikoadvarsel"
