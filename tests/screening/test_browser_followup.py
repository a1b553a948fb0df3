"""In a real Chromium at 320 px: a discharged patient answers her due follow-up."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from app.db import db
from screening.models import FollowUp
from tests.browser_pages import document_width, sign_in
from tests.conftest import gad7_page, phq9_page
from tests.screening.test_followup import discharge_alice

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def test_it_lets_the_patient_answer_a_due_follow_up_at_320px(app, live_server, browser: Browser,
                                                             personas):
    followup_id = discharge_alice(app, personas)  # discharged in March: due since June
    page = browser.new_page(viewport=NARROW)
    sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/home")
    page.get_by_role("link", name="Answer the follow-up questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How have you been since your treatment ended?")
    assert document_width(page) <= NARROW["width"]
    for prefix, answers in (("phq9", phq9_page((0, 1, 0, 1, 0, 0, 0, 0, 0), 0)),
                            ("gad7", gad7_page((0, 0, 1, 0, 0, 0, 0)))):
        for item, value in answers.items():
            page.locator(f'input[name="{prefix}-{item}"][value="{value}"]').check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your answers help us see how people are doing")).to_be_visible()
    expect(page.get_by_role("link", name="Answer the follow-up questions")).to_have_count(0)
    assert document_width(page) <= NARROW["width"]
    page.close()
    with app.app_context():
        followup = db.session.get(FollowUp, followup_id)
        assert (followup.phq9.total, followup.gad7.total) == (2, 1)
