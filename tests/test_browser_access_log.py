"""In a real Chromium at 320 px: the patient reads who saw her data, and widens the filter."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from app.audit.models import Action
from tests.browser_pages import document_width
from tests.conftest import PERSONA_PASSWORD
from tests.test_access_log import write_rows

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def test_it_shows_the_access_log_at_320px(app, live_server, browser: Browser, personas):
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "caseload_row", 3)
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "video_ice_servers")
    page = browser.new_page(viewport=NARROW)
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(personas.alice.email)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/account/access-log")
    log = page.locator("#access-log")
    expect(log.get_by_text("connection details for a video call")).to_be_visible()
    expect(log.get_by_text("3 times that day")).to_be_visible()
    assert document_width(page) <= NARROW["width"]
    page.get_by_role("link", name="Everyone, me included").click()
    expect(page.get_by_role("link", name="Everyone, me included")).to_have_attribute(
        "aria-current", "page")
    expect(log.get_by_text("You", exact=True).first).to_be_visible()
    page.close()
