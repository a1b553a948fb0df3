"""The patient's own progress on her home page: the sentence logic, the panel, the audit."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from app.accounts.models import User
from app.audit.models import Action, AuditEvent
from app.db import db
from screening.progress import Trend, sentence, trend
from tests.helpers import queries_for, sign_in
from tests.screening.progress_data import add_measures

# --- the pure logic: every case on both instruments (PHQ-9: 6 points, GAD-7: 4) -------------


@pytest.mark.parametrize(("instrument", "totals", "expected"), [
    ("phq9", [], Trend("none")),
    ("gad7", [], Trend("none")),
    ("phq9", [14], Trend("one", 14, 14)),
    ("gad7", [9], Trend("one", 9, 9)),
    ("phq9", [17, 12, 11], Trend("improved", 17, 11)),
    ("phq9", [17, 20, 9], Trend("improved", 17, 9)),
    ("gad7", [12, 8], Trend("improved", 12, 8)),
    ("phq9", [9, 15], Trend("deteriorated", 9, 15)),
    ("gad7", [6, 9, 10], Trend("deteriorated", 6, 10)),
    ("phq9", [17, 12], Trend("no_change", 17, 12)),
    ("phq9", [9, 14], Trend("no_change", 9, 14)),
    ("phq9", [10, 2, 10], Trend("no_change", 10, 10)),
    ("gad7", [12, 9], Trend("no_change", 12, 9)),
    ("gad7", [6, 9], Trend("no_change", 6, 9)),
])
def test_it_judges_the_trend_from_the_first_to_the_latest_total(instrument, totals, expected):
    assert trend(instrument, totals) == expected


@pytest.mark.parametrize(("instrument", "found", "english", "danish"), [
    ("phq9", Trend("improved", 17, 9),
     "Your depression score has fallen from 17 to 9: that is a reliable improvement.",
     "Din depressionsscore er faldet fra 17 til 9. Det er en tydelig forbedring."),
    ("gad7", Trend("deteriorated", 6, 11),
     "Your anxiety score has risen from 6 to 11: that is a reliable worsening.",
     "Din angstscore er steget fra 6 til 11. Det er en tydelig forværring."),
    ("phq9", Trend("no_change", 12, 9),
     "Your depression score has gone from 12 to 9. That is not a reliable change yet",
     "Din depressionsscore er gået fra 12 til 9. Det er endnu ikke en tydelig ændring"),
    ("gad7", Trend("one", 9, 9), "Your anxiety score is 9 out of 21: mild.",
     "Din angstscore er 9 ud af 21: let."),
    ("phq9", Trend("none"), "You have not answered this questionnaire yet.",
     "Du har ikke besvaret dette spørgeskema endnu."),
])
def test_it_says_the_trend_in_the_patients_language(app, instrument, found, english, danish):
    max_total = {"phq9": 27, "gad7": 21}[instrument]
    with app.test_request_context():
        for lang, expected, band in (("en", english, "Mild"), ("da", danish, "Let")):
            with force_locale(lang):
                said = sentence(instrument, found, score_max=max_total, band=band)
            assert said.startswith(expected)


# --- the home page ---------------------------------------------------------------------------


def _panel(client):
    soup = BeautifulSoup(client.get("/home").get_data(as_text=True), "html.parser")
    return soup.find(id="progress")


def test_it_says_what_comes_next_before_any_measure(app, client, personas):
    sign_in(app, client, personas.alice)
    panel = _panel(client)
    assert "Once you have answered the questionnaires" in panel.get_text()
    assert panel.find("table") is None and panel.find("svg") is None


def test_it_shows_one_measure_as_its_score_and_band_without_a_chart(app, client, personas):
    with app.app_context():
        add_measures(personas.alice.id, [(14, 9)])
    sign_in(app, client, personas.alice)
    panel = _panel(client)
    sentences = [p.get_text() for p in panel.select(".progress-sentence")]
    assert sentences[0].startswith("Your depression score is 14 out of 27: moderate.")
    assert sentences[1].startswith("Your anxiety score is 9 out of 21: mild.")
    assert panel.find("svg") is None
    assert [row.get_text(" ", strip=True).split()[-2:]
            for row in panel.select("table tbody tr")] == [["14", "Moderate"], ["9", "Mild"]]


def test_it_shows_the_charts_sentences_and_tables_for_several_measures(app, client, personas):
    with app.app_context():
        add_measures(personas.alice.id, [(17, 6), (13, 8), (9, 11)])
    sign_in(app, client, personas.alice)
    panel = _panel(client)
    sentences = [p.get_text() for p in panel.select(".progress-sentence")]
    assert sentences[0].startswith("Your depression score has fallen from 17 to 9: that is a "
                                   "reliable improvement.")
    assert sentences[1].startswith("Your anxiety score has risen from 6 to 11: that is a "
                                   "reliable worsening.")
    assert len(panel.select("svg.chart")) == 2
    phq9 = panel.select("table")[0]
    cells = [[td.get_text(strip=True) for td in tr.find_all("td")][1:]
             for tr in phq9.select("tbody tr")]
    assert cells == [["17", "Moderately severe", ""], ["13", "Moderate", ""],
                     ["9", "Mild", "Reliable improvement"]]


def test_it_says_no_reliable_change_in_danish(app, client, personas):
    with app.app_context():
        db.session.get(User, personas.alice.id).language = "da"
        db.session.commit()
        add_measures(personas.alice.id, [(12, 10), (9, 8)])
    sign_in(app, client, personas.alice)
    panel = _panel(client)
    assert panel.h2.get_text() == "Dine fremskridt"
    assert panel.select(".progress-sentence")[0].get_text().startswith(
        "Din depressionsscore er gået fra 12 til 9. Det er endnu ikke en tydelig ændring")


def test_it_audits_the_patients_read_of_her_own_measures(app, client, personas):
    with app.app_context():
        add_measures(personas.alice.id, [(12, 10), (9, 8)])
    sign_in(app, client, personas.alice)
    client.get("/home")
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "measure_series")).scalars().all()
    assert [(r.actor_id, r.patient_id, r.action) for r in rows] == [
        (personas.alice.id, personas.alice.id, str(Action.READ))]


def test_it_keeps_the_home_pages_query_count_flat_as_measures_grow(app, client, personas):
    with app.app_context():
        add_measures(personas.alice.id, [(12, 10), (9, 8)])
    sign_in(app, client, personas.alice)
    few = queries_for(app, client, "/home")
    with app.app_context():
        add_measures(personas.alice.id, [(11, 9)] * 8, batch="more")
    assert queries_for(app, client, "/home") == few
