"""Wording that must not say what did not happen: /support after item 9 answered 0, and
"up to date" on the weekly page for a patient who never had weekly questionnaires."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import phq9_page
from tests.helpers import post_form, sign_in
from tests.screening.test_weekly import put_in_step, weekly_form

CLAIM = "You told us that you have had thoughts of being better off dead"


def main_text(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").find("main").get_text()


def test_it_does_not_tell_a_patient_who_answered_0_that_they_reported_thoughts(
        app, client, personas):
    put_in_step(app, personas.alice.id, 2)
    sign_in(app, client, personas.alice)
    post_form(client, "/measures/weekly", weekly_form(phq9=phq9_page((1,) * 8 + (0,))))
    page = main_text(client.get("/support"))
    assert CLAIM not in page and "Your therapist has been told" not in page
    assert "70 201 201" in page  # the crisis help is there all the same


def test_it_does_not_claim_thoughts_before_any_questionnaire(app, client, personas):
    sign_in(app, client, personas.bob)
    assert CLAIM not in main_text(client.get("/support"))


def test_it_thanks_a_patient_who_answered_item_9_for_telling_us(app, client, personas):
    put_in_step(app, personas.alice.id, 2)
    sign_in(app, client, personas.alice)
    post_form(client, "/measures/weekly", weekly_form(phq9=phq9_page((0,) * 8 + (2,))))
    page = main_text(client.get("/support"))
    assert CLAIM in page and "Your therapist has been told" in page


def _flash(client) -> str:
    response = client.get("/measures/weekly", follow_redirects=True)
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup.select_one(".flashes").get_text(" ", strip=True)


def test_it_does_not_say_up_to_date_when_measures_were_never_due(app, client, personas):
    put_in_step(app, personas.alice.id, 1)
    sign_in(app, client, personas.alice)
    flash = _flash(client)
    assert "up to date" not in flash and "You have no weekly questionnaires" in flash


def test_it_says_up_to_date_after_this_weeks_answers(app, client, personas):
    put_in_step(app, personas.alice.id, 2)
    sign_in(app, client, personas.alice)
    post_form(client, "/measures/weekly", weekly_form())
    assert "Your weekly questionnaires are up to date." in _flash(client)
