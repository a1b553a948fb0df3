"""Back after sending, and Back after a page with errors (issue 19): no 404, no resend."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, expect

from tests.conftest import INTAKE, complete_screening, gad7_page, phq9_page, wsas_page
from tests.helpers import post_form, sign_in
from tests.test_browser_kept_drafts import _sign_in

EARLIER = {"phq9": phq9_page(), "gad7": gad7_page(), "wsas": wsas_page()}
TYPED = "I wake at four every night and cannot sleep again."


def _answer(client, page_id: str, answers: dict):
    return post_form(client, f"/screening/questions/{page_id}",
                     {k: str(v) for k, v in answers.items()})


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_it_tells_a_patient_on_the_confirm_page_that_the_answers_were_sent(app, client,
                                                                           personas):
    with app.app_context():
        complete_screening(personas.alice.id)
    sign_in(app, client, personas.alice)
    response = client.get("/screening/confirm")
    assert response.status_code == 200
    soup = _soup(response)
    assert soup.h1.get_text(strip=True) == "Your answers are sent"
    assert soup.find("a", href="/screening/result") is not None
    assert soup.find("form", action="/screening/submit") is None


def test_it_sends_a_patient_without_a_screening_from_confirm_to_the_start(app, client,
                                                                          personas):
    sign_in(app, client, personas.alice)
    response = client.get("/screening/confirm")
    assert response.status_code == 302 and response.location.endswith("/screening")


def test_it_redirects_a_page_with_errors_and_shows_what_was_typed(app, client, personas):
    sign_in(app, client, personas.alice)
    post_form(client, "/screening/start", token_from="/screening")
    for page_id, answers in EARLIER.items():
        _answer(client, page_id, answers)
    partial = {**INTAKE, "presenting_problem": TYPED}
    del partial["goals"]
    response = _answer(client, "intake", partial)
    assert response.status_code == 303
    assert response.location.endswith("/screening/questions/intake")
    soup = _soup(client.get(response.location))
    assert soup.find("textarea", id="presenting_problem").get_text() == TYPED
    assert soup.find(id="goals-error").get_text(strip=True) == "Please answer this question."
    assert soup.find("input", attrs={"name": "bipolar", "value": "no"}).has_attr("checked")


def test_it_forgets_the_typed_values_once_the_page_is_saved(app, client, personas):
    sign_in(app, client, personas.alice)
    post_form(client, "/screening/start", token_from="/screening")
    _answer(client, "phq9", {"phq9_1": "2"})
    assert _answer(client, "phq9", EARLIER["phq9"]).location.endswith("/questions/gad7")
    soup = _soup(client.get("/screening/questions/phq9"))
    assert soup.find(class_="error-summary") is None
    assert soup.find("input", attrs={"name": "phq9_9", "value": "0"}).has_attr("checked")


@pytest.mark.browser
def test_it_goes_back_after_sending_to_a_page_that_says_they_were_sent(app, live_server,
                                                                       browser: Browser,
                                                                       personas):
    page = browser.new_page()
    _sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/screening")
    page.locator("form[action$='/screening/start'] button").click()
    for page_id, answers in {**EARLIER, "intake": INTAKE}.items():
        page.wait_for_url(f"**/screening/questions/{page_id}")
        for name, value in answers.items():
            field = page.locator(f'textarea[name="{name}"]')
            if field.count():
                field.fill(value)
            else:
                page.locator(f'input[name="{name}"][value="{value}"]').check()
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/screening/result")
    response = page.go_back()
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="Your answers are sent")).to_be_visible()
    page.get_by_role("link", name="See what your answers mean").click()
    page.wait_for_url("**/screening/result")
    page.close()


@pytest.mark.browser
def test_it_goes_back_to_a_page_with_errors_without_resending(app, live_server,
                                                             browser: Browser, personas):
    with app.app_context():
        complete_screening(personas.alice.id, submit=False)
    page = browser.new_page()
    _sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/screening/questions/intake")
    page.locator("#presenting_problem").fill(TYPED)
    page.locator("#goals").fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#goals-error")).to_be_visible()
    page.get_by_role("link", name="Back to the previous questionnaire").click()
    page.wait_for_url("**/screening/questions/wsas")
    response = page.go_back()
    # Without Post/Redirect/Get Chromium shows "Confirm form resubmission" here.
    assert response is not None and response.status == 200
    assert response.request.method == "GET"
    expect(page.locator("#presenting_problem")).to_have_value(TYPED)
    expect(page.locator("#goals-error")).to_be_visible()
    page.close()
