"""In a real Chromium at 320 px: a patient asks for erasure and is signed out for good."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import UserSession
from app.db import db
from tests.browser_pages import document_width, sign_in
from tests.conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.browser


def test_it_lets_a_patient_ask_for_erasure_on_a_phone(app, live_server, personas, page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, personas.alice.email)
    with app.app_context():  # the sign-in was a while ago: the password is asked again
        db.session.execute(db.update(UserSession).values(reauthenticated_at=None))
        db.session.commit()
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Ask for erasure").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Ask for erasure")).to_be_visible()
    assert document_width(page) <= 320
    page.get_by_role("button", name="Ask for erasure and sign out").click()
    expect(page.get_by_text("We have your request for erasure.")).to_be_visible()

    page.locator("#email").fill(personas.alice.email)
    page.locator("#password").fill(PERSONA_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#password-error")).to_contain_text("we are handling your request")
    assert document_width(page) <= 320
