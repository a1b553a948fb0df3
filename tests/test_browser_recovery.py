"""In a real Chromium at 320 px: forgot the password, follow the emailed link, sign in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import document_width
from tests.test_recovery import NEW_PASSWORD, _link

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def _fits(page) -> bool:
    return document_width(page) <= NARROW["width"]


def test_it_resets_a_forgotten_password_at_320px(live_server, browser: Browser, personas,
                                                 inbox):
    page = browser.new_page(viewport=NARROW)
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(personas.alice.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert _fits(page)

    page.goto(live_server + _link(inbox, "reset"))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert page.url.endswith("/password/reset")  # the token left the address bar
    page.get_by_label("New password").fill("password123")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("too common").first).to_be_visible()
    assert _fits(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    page.get_by_label("Email").fill(personas.alice.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Alice Andersen")).to_be_visible()
    page.close()
