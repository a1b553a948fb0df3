"""The whole safety loop in Chromium: Alice writes a risky message and at once sees the crisis
box with her safety plan; Theo opens the alert from the email he was sent, calls her, logs
that he reached her, updates her plan and acknowledges the alert."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from app.db import db
from screening.models import RiskAlert
from tests.browser_pages import document_width
from tests.safety.test_browser_safety import alice_has_a_plan, sign_in  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def rules_only(monkeypatch):
    import textmodel

    monkeypatch.setattr(textmodel, "mode", lambda: "rules")
    monkeypatch.setattr(textmodel.get_encoder(), "available", lambda: False)


def _alice_writes_a_risky_message(page: Page, live_server: str, alice) -> None:
    sign_in(page, live_server, alice)
    page.goto(live_server + "/messages")
    page.get_by_role("textbox", name="Message").fill("I cut my arms again last night.")
    page.get_by_role("button", name="Send").click()
    box = page.locator("#crisis-now")
    expect(box).to_be_visible()
    expect(box.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    box.get_by_role("link", name="Open my safety plan").click()
    expect(page.get_by_text("Walk round the lake")).to_be_visible()


def _emailed_alert_link(inbox, live_server: str) -> str:
    """The link in the one email Theo got since the message (the screening's came before)."""
    [link] = [link for m in inbox if m["To"] == "theo@example.com"
              for link in re.findall(re.escape(live_server) + r"/alerts/\d+", m.get_payload())]
    return link


@pytest.mark.hazard("H-002", "H-004", "H-005")
@pytest.mark.parametrize("width", [320, 1280])
def test_it_closes_the_loop_from_a_risky_message_to_an_acknowledged_alert(
        app, live_server, browser: Browser, inbox, alice_has_a_plan, width):  # noqa: F811
    app.config["BASE_URL"] = live_server
    personas = alice_has_a_plan
    viewport = {"width": width, "height": 900}
    _alice_writes_a_risky_message(browser.new_page(viewport=viewport), live_server,
                                  personas.alice)

    theo = browser.new_page(viewport=viewport)
    sign_in(theo, live_server, personas.theo, mfa=True)
    theo.goto(_emailed_alert_link(inbox, live_server))
    expect(theo.locator("blockquote.excerpt")).to_contain_text("I cut my arms again last night.")
    expect(theo.locator("a[href^='tel:']").first).to_be_visible()

    theo.get_by_label("Phone").check()
    theo.get_by_label("Reached").check()
    theo.locator("#contact_note").fill("Spoke for 25 minutes; cuts are superficial; no plan.")
    theo.get_by_role("button", name="Log the attempt").click()
    expect(theo.get_by_text("The contact attempt is logged.")).to_be_visible()

    theo.locator("#safety-plan-status").get_by_role("link", name="Open the safety plan").click()
    theo.goto(theo.url + "/edit")
    theo.locator("textarea[name='coping']").fill("Walk round the lake\nHold ice cubes")
    theo.get_by_role("button", name="Save as a new version").click()
    expect(theo.get_by_text("Hold ice cubes")).to_be_visible()

    theo.goto(_emailed_alert_link(inbox, live_server))
    theo.locator("#note").fill("Reached by phone; plan updated with her; review on Friday.")
    theo.get_by_role("button", name="Acknowledge the alert").click()
    expect(theo.get_by_text("The alert is acknowledged.")).to_be_visible()
    assert document_width(theo) <= width
    with app.app_context():
        alert = db.session.execute(
            db.select(RiskAlert).where(RiskAlert.source == "language")).scalar_one()
        assert alert.acknowledged_by_id == personas.theo.id and alert.reached
