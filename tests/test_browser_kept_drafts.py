"""In a real Chromium at 320 px: a message typed past the idle limit is kept and sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from app.accounts.models import UserSession
from app.db import db
from tests.browser_pages import document_width
from tests.conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
WORDS = "I slept better this week, but Sunday evening was hard again."


def _sign_in(page, live_server, email):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _stay_away_past_the_idle_limit(app):
    with app.app_context():
        for record in db.session.execute(db.select(UserSession)).scalars():
            record.last_seen_at -= timedelta(minutes=31)
        db.session.commit()


@pytest.mark.hazard("H-011")
def test_it_keeps_a_message_through_an_expired_session_at_320px(app, live_server,
                                                                  browser: Browser, personas):
    page = browser.new_page(viewport=NARROW)
    _sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/messages")
    page.get_by_role("textbox", name="Message").fill(WORDS)
    _stay_away_past_the_idle_limit(app)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_text("signed out because you were away")).to_be_visible()
    page.get_by_label("Email").fill(personas.alice.email)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="What you wrote was kept")).to_be_visible()
    expect(page.get_by_label("What you wrote")).to_have_value(WORDS)
    assert document_width(page) <= NARROW["width"]
    page.get_by_role("button", name="Send it now").click()
    expect(page.locator(".thread .message-body").get_by_text(WORDS)).to_be_visible()
    page.close()
