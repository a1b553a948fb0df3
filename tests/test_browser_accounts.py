"""In a real Chromium: register, sign in (with MFA for staff), switch to Danish, sign out."""

from __future__ import annotations

import pyotp
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from tests.test_i18n import CATALOGUE

pytestmark = pytest.mark.browser


@pytest.fixture
def danish():
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    return lambda english: catalogue[english].string


@pytest.fixture
def csp_violations(page: Page):
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return seen


def test_it_lets_a_patient_register_sign_in_switch_to_danish_and_sign_out(
    live_server, page: Page, danish, csp_violations
):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Get started").first.click()
    page.get_by_label("Full name").fill("Nora Nielsen")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password").fill("a quiet morning by the harbour")
    page.get_by_label("Date of birth").fill("1991-02-03")
    page.get_by_label("Mobile number").fill("20 11 22 33")
    page.get_by_label("English").check()
    page.locator("details.terms summary").click()
    expect(page.get_by_text("not an emergency service")).to_be_visible()
    page.get_by_label("I have read the treatment terms").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("We have sent you an email.")).to_be_visible()
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password").fill("a quiet morning by the harbour")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="How have you been feeling?")).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Hello, Nora Nielsen")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password").fill("a quiet morning by the harbour")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Nora Nielsen")).to_be_visible()

    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", name=danish("Hello, %(name)s") % {"name": "Nora Nielsen"}))\
        .to_be_visible()
    page.get_by_role("button", name=danish("Sign out")).click()
    expect(page.get_by_text(danish("You are signed out."))).to_be_visible()
    assert csp_violations == []


def test_it_shows_field_errors_and_keeps_what_was_typed(live_server, page: Page):
    page.goto(live_server + "/register")
    page.get_by_label("Full name").fill("Nora Nielsen")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password").fill("password123")
    page.get_by_label("Date of birth").fill("1991-02-03")
    page.get_by_label("I have read the treatment terms").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("too common")
    expect(page.get_by_label("Full name")).to_have_value("Nora Nielsen")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def test_it_signs_a_therapist_in_with_two_step_login_and_shows_the_ui_in_danish(
    live_server, page: Page, personas, danish, csp_violations
):
    page.goto(live_server + "/login")
    page.get_by_label("Email").fill(personas.theo.email)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-step login")).to_be_visible()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(PERSONA_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(page.get_by_role("link", name="Alice Andersen")).to_be_visible()

    page.get_by_role("button", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    for english in ("Your caseload", "Caseload", "Account", "Sign out", "Treatment terms"):
        expect(page.get_by_text(danish(english), exact=True).first).to_be_visible()
    # Staff see the clinic's footer (patients see the crisis lines instead).
    phone_label = danish("Phone: %(phone)s").split("%")[0]
    expect(page.locator(".staff-footer")).to_contain_text(phone_label)
    for column in ("Patient", "Last activity"):
        expect(page.get_by_role("columnheader", name=danish(column), exact=True)).to_be_visible()
    body = page.locator("main").inner_text()
    for english in ("Your caseload", "Last activity", "Waiting"):
        assert english not in body
    page.get_by_role("link", name="Alice Andersen").first.click()
    expect(page.get_by_role("heading", name=danish("Details"))).to_be_visible()
    assert csp_violations == []
