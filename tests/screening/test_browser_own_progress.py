"""In a real Chromium at 320 px: the patient sees her own progress, and the page fits."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import document_width
from tests.conftest import PERSONA_PASSWORD
from tests.screening.progress_data import add_measures

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def test_it_shows_the_progress_panel_at_320px(app, live_server, browser: Browser, personas):
    with app.app_context():
        add_measures(personas.alice.id, [(17, 12), (14, 10), (9, 9)])
    page = browser.new_page(viewport=NARROW)
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(personas.alice.email)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/home")
    panel = page.locator("#progress")
    expect(panel.get_by_role("heading", name="Your progress")).to_be_visible()
    expect(panel.get_by_text("Your depression score has fallen from 17 to 9: that is a "
                             "reliable improvement.")).to_be_visible()
    expect(panel.locator("svg.chart").first).to_be_visible()
    expect(panel.locator("table").first).to_be_visible()
    # Both charts fit the card, and neither the panel nor the page scrolls sideways.
    assert document_width(page) <= NARROW["width"]
    box = panel.bounding_box()
    assert box is not None and box["x"] + box["width"] <= NARROW["width"]
    page.close()
