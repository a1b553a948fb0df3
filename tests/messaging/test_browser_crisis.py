"""In a real Chromium at 320px: a patient writes a risky message and sees crisis help."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser_pages import document_width
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def rules_only(monkeypatch):
    import textmodel

    monkeypatch.setattr(textmodel, "mode", lambda: "rules")
    monkeypatch.setattr(textmodel.get_encoder(), "available", lambda: False)


@pytest.mark.hazard("H-002")
def test_it_shows_crisis_help_at_320px_after_a_risky_message(app, client, live_server,
                                                             personas, page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(app, client, personas.alice)
    name = app.config["SESSION_COOKIE_NAME"]
    page.context.add_cookies([{"name": name, "value": client.get_cookie(name).value,
                               "url": live_server}])
    page.goto(live_server + "/messages")
    page.get_by_role("textbox", name="Message").fill("Bad day. I want to end my life.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your message is sent.")).to_be_visible()
    box = page.locator("#crisis-now")
    expect(box).to_be_visible()
    expect(box.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    width = document_width(page)
    assert width <= 320  # nothing pushes the page sideways on a small phone


@pytest.mark.hazard("H-005")
def test_it_asks_for_a_missing_phone_at_320px_and_goes_on(app, client, live_server, personas,
                                                          page: Page):
    from app.accounts.models import User
    from app.db import db

    with app.app_context():
        db.session.get(User, personas.bob.id).phone = None
        db.session.commit()
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(app, client, personas.bob)
    name = app.config["SESSION_COOKIE_NAME"]
    page.context.add_cookies([{"name": name, "value": client.get_cookie(name).value,
                               "url": live_server}])
    page.goto(live_server + "/messages")
    expect(page.get_by_role("heading", name="Your phone number")).to_be_visible()
    page.get_by_label("Mobile number").fill("12 34")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#phone-error")).to_contain_text("+45")
    expect(page.get_by_label("Mobile number")).to_have_value("12 34")
    assert document_width(page) <= 320
    page.get_by_label("Mobile number").fill("40 77 88 99")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Messages with your therapist")).to_be_visible()
