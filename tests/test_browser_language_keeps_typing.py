"""In Chromium: switching language keeps what was typed and not yet saved (issue 19)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import switch_language
from tests.conftest import PERSONA_PASSWORD
from tests.test_browser_kept_drafts import _sign_in

pytestmark = pytest.mark.browser

WORDS = "Jeg sov dårligt i nat, men morgenen var bedre end i går."


def test_it_keeps_phq9_answers_in_progress_through_a_language_switch(app, live_server,
                                                                     browser: Browser,
                                                                     personas):
    page = browser.new_page()
    _sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/screening")
    page.locator("form[action$='/screening/start'] button").click()
    page.wait_for_url("**/screening/questions/phq9")
    page.locator('input[name="phq9_1"][value="2"]').check()
    page.locator('input[name="phq9_4"][value="3"]').check()
    switch_language(page, "da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator('input[name="phq9_1"][value="2"]')).to_be_checked()
    expect(page.locator('input[name="phq9_4"][value="3"]')).to_be_checked()
    expect(page.locator('input[name="phq9_2"]:checked')).to_have_count(0)
    page.close()


def test_it_keeps_a_message_draft_through_a_language_switch(app, live_server,
                                                             browser: Browser, personas):
    page = browser.new_page()
    _sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/messages")
    page.locator("textarea[name=body]").fill(WORDS)
    switch_language(page, "da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("textarea[name=body]")).to_have_value(WORDS)
    page.reload()  # the copy is used once: a later visit shows the page as the server has it
    expect(page.locator("textarea[name=body]")).to_have_value("")
    page.close()


def test_it_keeps_the_registration_form_but_not_the_password(live_server, browser: Browser):
    page = browser.new_page()
    page.goto(live_server + "/register")
    page.locator("#name").fill("Nora Nielsen")
    page.locator("#email").fill("nora@example.com")
    page.locator("#password").fill(PERSONA_PASSWORD)
    page.locator("#phone").fill("20 11 22 33")
    switch_language(page, "da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("#name")).to_have_value("Nora Nielsen")
    expect(page.locator("#email")).to_have_value("nora@example.com")
    expect(page.locator("#phone")).to_have_value("20 11 22 33")
    expect(page.locator("#password")).to_have_value("")
    stored = page.evaluate("JSON.stringify(Object.entries(sessionStorage))")
    assert PERSONA_PASSWORD not in stored and "nora@example.com" not in stored
    page.close()
