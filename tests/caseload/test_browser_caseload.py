"""In Chromium: a therapist's day. Sign in with MFA, open the caseload in triage order,
review homework, reply to a message, and step a patient up."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.caseload.models import StepAssignment
from app.caseload.operations import set_step
from app.db import db
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET

pytestmark = pytest.mark.browser


def test_it_supports_a_therapists_day(app, live_server, page: Page, screened):
    with app.app_context():
        set_step(db.session.get(User, screened.alice.id), 2, by=None)
        db.session.commit()
    page.goto(live_server + "/login")
    page.locator("#email").fill(screened.theo.email)
    page.locator("#password").fill(PERSONA_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#code").fill(pyotp.TOTP(PERSONA_TOTP_SECRET).now())
    page.locator("main form button[type=submit]").click()

    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    first_row = page.locator("table.caseload tbody tr").first
    expect(first_row).to_contain_text("Alice Andersen")
    expect(first_row).to_contain_text("Risk alert")

    first_row.get_by_role("link", name="1 homework").click()
    page.get_by_role("link", name="Alice Andersen").click()
    expect(page.get_by_text("My first homework.")).to_be_visible()
    page.locator("#feedback").fill("Thank you. What helped most this week?")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Your feedback is sent to the patient.")).to_be_visible()

    page.get_by_role("link", name="Messages", exact=True).click()
    page.get_by_role("link", name="Alice Andersen").click()
    expect(page.get_by_text("Is it normal to feel worse?")).to_be_visible()
    page.locator("#body").fill("Yes, it can happen early on. Let us talk about it on Thursday.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your message is sent.")).to_be_visible()

    page.get_by_role("link", name="Alice Andersen").first.click()
    expect(page.locator("svg.chart").first).to_be_visible()
    page.locator("#action").select_option("3")
    page.locator("#reason").fill("Risk answer and little change: step up to video sessions.")
    page.get_by_role("button", name="Change the step").click()
    expect(page.get_by_text("The patient is now in step 3.")).to_be_visible()
    with app.app_context():
        current = db.session.execute(
            db.select(StepAssignment.step).where(StepAssignment.patient_id == screened.alice.id,
                                                 StepAssignment.ended_at.is_(None))
        ).scalar_one()
    assert current == 3
