"""The therapist sees the patient's mood diary in the record as a chart and a table."""

from datetime import timedelta

from bs4 import BeautifulSoup

from app.db import db
from programmes.diary import save_mood
from tests.conftest import enrol
from tests.helpers import sign_in


def _programmes_panel(client, patient_id: int) -> BeautifulSoup:
    page = BeautifulSoup(client.get(f"/patients/{patient_id}").get_data(as_text=True),
                         "html.parser")
    return next(card for card in page.select("section.card")
                if card.h2 and card.h2.get_text(strip=True) == "Programmes")


def _diary(app, personas, days_ago_and_moods) -> None:
    with app.test_request_context():
        enrol(personas.alice.id, "depression", personas.theo.id)
        from programmes.diary import clinic_today

        today = clinic_today()
        for days_ago, mood in days_ago_and_moods:
            save_mood(personas.alice, today - timedelta(days=days_ago), mood, None)
        db.session.commit()


def test_it_draws_the_patients_mood_diary_for_the_therapist(app, client, personas):
    _diary(app, personas, [(0, 7), (3, 4), (10, 2)])
    sign_in(app, client, personas.theo)
    panel = _programmes_panel(client, personas.alice.id)
    svg = panel.select_one("figure.chart-figure svg.chart")
    assert svg is not None
    assert len(svg.select("circle.series-mood")) == 3
    assert "Alice Andersen" in svg.title.get_text()
    moods = [row.select("td")[1].get_text() for row in panel.select("table.data-table tbody tr")]
    assert moods == ["7", "4", "2"]  # newest first, as the patient's own table


def test_it_leaves_out_diary_days_older_than_30_days(app, client, personas):
    _diary(app, personas, [(0, 5), (40, 1)])
    sign_in(app, client, personas.theo)
    panel = _programmes_panel(client, personas.alice.id)
    assert len(panel.select("svg.chart circle.series-mood")) == 1


def test_it_says_when_there_is_no_recent_diary(app, client, personas):
    _diary(app, personas, [])
    sign_in(app, client, personas.theo)
    panel = _programmes_panel(client, personas.alice.id)
    assert panel.select_one("svg.chart") is None
    assert "No diary entries in the last 30 days." in panel.get_text()
