"""In a real Chromium at 320 px: registering answers alike for every email, and an account
slowed by someone else's guesses still lets its owner in from a browser she used before."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_pages import document_width, open_menu
from tests.conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def _fits(page: Page) -> None:
    width = document_width(page)
    assert width <= NARROW["width"], f"the page scrolls sideways at 320 px ({width} px)"


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_it_registers_then_signs_in_at_320px(live_server, browser: Browser):
    page = browser.new_page(viewport=NARROW)
    page.goto(live_server + "/register")
    page.get_by_label("Full name").fill("Nora Nielsen")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password").fill("a quiet morning by the harbour")
    page.get_by_label("Date of birth").fill("1991-02-03")
    page.get_by_label("Mobile number").fill("20 11 22 33")
    page.get_by_label("English").check()
    page.get_by_label("I have read the treatment terms").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("We have sent you an email.")).to_be_visible()
    _fits(page)
    _sign_in(page, "nora@example.com", "a quiet morning by the harbour")
    expect(page.get_by_role("heading", name="How have you been feeling?")).to_be_visible()
    page.close()


def test_it_explains_a_slowed_account_and_lets_a_known_browser_in_at_320px(
    app, live_server, browser: Browser, personas
):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ALL"] = "2 per 15 minutes"
    owner = browser.new_context(viewport=NARROW)
    mine = owner.new_page()
    mine.goto(live_server + "/login")
    _sign_in(mine, personas.alice.email, PERSONA_PASSWORD)
    open_menu(mine)
    mine.get_by_role("button", name="Sign out").click()

    stranger = browser.new_page(viewport=NARROW)
    stranger.goto(live_server + "/login")
    for _ in range(3):
        _sign_in(stranger, personas.alice.email, "a wrong guess")
    expect(stranger.get_by_text("many failed sign-ins to this account")).to_be_visible()
    _fits(stranger)

    _sign_in(mine, personas.alice.email, PERSONA_PASSWORD)
    expect(mine).to_have_url(live_server + "/home")
    owner.close()
    stranger.close()
