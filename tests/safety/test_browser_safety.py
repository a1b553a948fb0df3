"""In Chromium, at 320px and on a desktop: a patient at risk opens her safety plan from the
home page and from the crisis box; her therapist logs a reached call and acknowledges."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.db import db
from safety import operations
from screening.models import RiskAlert
from tests.browser_pages import document_width
from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET

pytestmark = pytest.mark.browser

PLAN = {"warning_signs": ["I stop answering my phone"], "coping": ["Walk round the lake"],
        "reasons": ["My nephew Oscar"]}


@pytest.fixture
def alice_has_a_plan(app, screened):
    with app.app_context():
        operations.save_version(db.session.get(User, screened.alice.id), PLAN,
                                by=db.session.get(User, screened.theo.id))
        db.session.commit()
    return screened


def sign_in(page: Page, live_server: str, user: User, *, mfa: bool = False) -> None:
    page.goto(live_server + "/login")
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PERSONA_PASSWORD)
    page.locator("main form button[type=submit]").click()
    if mfa:
        page.locator("#code").fill(pyotp.TOTP(PERSONA_TOTP_SECRET).now())
        page.locator("main form button[type=submit]").click()


@pytest.mark.hazard("H-010")
@pytest.mark.parametrize("width", [320, 1280])
def test_it_lets_a_patient_open_her_plan_from_home_and_the_crisis_box(
        live_server, page: Page, alice_has_a_plan, width):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, alice_has_a_plan.alice)
    page.locator("#safety-plan-panel").get_by_role("link", name="Open my safety plan").click()
    expect(page.get_by_role("heading", name="My safety plan", exact=True)).to_be_visible()
    expect(page.get_by_text("Walk round the lake")).to_be_visible()
    assert document_width(page) <= width

    page.goto(live_server + "/support")
    page.locator(".crisis-panel").get_by_role("link", name="Open my safety plan").click()
    expect(page.get_by_text("My nephew Oscar")).to_be_visible()
    page.get_by_label("Where in your plan").select_option("help_people")
    page.get_by_label("What you want to add").fill("My sister: 22 45 67 89")
    page.get_by_role("button", name="Add to my plan").click()
    expect(page.get_by_text("It is added to your safety plan.")).to_be_visible()
    expect(page.locator("#section-help_people")).to_contain_text("My sister: 22 45 67 89")


@pytest.mark.hazard("H-005")
@pytest.mark.parametrize("width", [320, 1280])
def test_it_lets_the_therapist_log_a_reached_call_and_acknowledge(
        app, live_server, page: Page, alice_has_a_plan, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, alice_has_a_plan.theo, mfa=True)
    page.goto(live_server + f"/alerts/{alice_has_a_plan.alice_alert}")
    expect(page.locator("#safety-plan-status")).to_contain_text("Version 1")
    expect(page.get_by_text("No contact attempt is logged yet.")).to_be_visible()
    note = "Called Alice; no plan or intent; safety plan reviewed."
    page.locator("#note").fill(note)
    page.get_by_role("button", name="Acknowledge the alert").click()
    expect(page.get_by_text("Nobody has reached the patient yet.").first).to_be_visible()
    expect(page.locator("#note")).to_have_value(note)

    page.get_by_label("Phone").check()
    page.get_by_label("Reached").check()
    page.locator("#contact_note").fill("Spoke for 20 minutes. No plan; went through her plan.")
    page.get_by_role("button", name="Log the attempt").click()
    expect(page.get_by_text("The contact attempt is logged.")).to_be_visible()
    expect(page.locator("ol.contact-log")).to_contain_text("Reached")
    assert document_width(page) <= width

    page.locator("#note").fill(note)
    page.get_by_role("button", name="Acknowledge the alert").click()
    expect(page.get_by_text("The alert is acknowledged.")).to_be_visible()
    with app.app_context():
        alert = db.session.get(RiskAlert, alice_has_a_plan.alice_alert)
        assert alert.acknowledged_by_id == alice_has_a_plan.theo.id and alert.reached


def test_it_prints_a_full_plan_on_one_page(app, live_server, page: Page, screened):
    from safety.sections import MAX_ITEMS, SECTION_IDS

    full = {section: [f"A line of the plan that a patient might write, number {n}"
                      for n in range(1, MAX_ITEMS + 1)] for section in SECTION_IDS}
    with app.app_context():
        operations.save_version(db.session.get(User, screened.alice.id), full,
                                by=db.session.get(User, screened.theo.id))
        db.session.commit()
    sign_in(page, live_server, screened.alice)
    page.goto(live_server + "/safety-plan/print")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
