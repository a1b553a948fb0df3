"""In real Chromium, in English and in Danish: a new patient registers, is screened, sees the
recommended step explained, and is enrolled once a therapist confirms it."""

from __future__ import annotations

import pyotp
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect

from app.accounts.models import User
from app.db import db
from screening.instruments import load_instrument
from tests.conftest import INTAKE, PERSONA_PASSWORD, PERSONA_TOTP_SECRET, gad7_page, wsas_page
from tests.helpers import SHIPPED_CONTENT
from tests.test_i18n import CATALOGUE

pytestmark = pytest.mark.browser

PAGES = [
    ("phq9", {**{f"phq9_{i}": 1 for i in range(1, 10)}, "phq9_9": 0, "phq9_1": 3,
              "phq9_2": 2, "phq9_difficulty": 1}),
    ("gad7", gad7_page()),
    ("wsas", wsas_page()),
    ("intake", INTAKE),
]


def translator(lang: str):
    if lang == "en":
        return lambda text: text
    with (CATALOGUE / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    return lambda text: catalogue[text].string


def register(page: Page, base: str, lang: str) -> None:
    page.goto(base + "/register")
    page.locator("#name").fill("Nora Nielsen")
    page.locator("#email").fill("nora@example.com")
    page.locator("#password").fill("a quiet morning by the harbour")
    page.locator("#date_of_birth").fill("1991-02-03")
    page.locator("#phone").fill("20 11 22 33")
    page.locator(f'input[name="language"][value="{lang}"]').check()
    page.locator("#consent").check()
    page.locator("main form button[type=submit]").click()
    # Registration answers alike for new and taken emails, so the patient signs in next.
    page.locator("#email").fill("nora@example.com")
    page.locator("#password").fill("a quiet morning by the harbour")
    page.locator("main form button[type=submit]").click()


def answer_screening(page: Page, t, lang: str) -> None:
    page.locator("form[action$='/screening/start'] button").click()
    for number, (page_id, answers) in enumerate(PAGES, start=1):
        title = load_instrument(page_id, SHIPPED_CONTENT).title.get(lang)
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.locator(".progress-label")).to_have_text(
            t("Questionnaire %(number)s of %(total)s") % {"number": number, "total": 4})
        for name, value in answers.items():
            field = page.locator(f'textarea[name="{name}"]')
            if field.count():
                field.fill(value)
            else:
                page.locator(f'input[name="{name}"][value="{value}"]').check()
        page.get_by_role("button", name=t("Save and continue")).click()
    page.get_by_role("button", name=t("Send my answers")).click()


def therapist_confirms(browser: Browser, base: str, theo_email: str, t) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("#email").fill(theo_email)
    page.locator("#password").fill(PERSONA_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#code").fill(pyotp.TOTP(PERSONA_TOTP_SECRET).now())
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name="New screenings").click()
    page.get_by_role("link", name="Nora Nielsen").click()
    expect(page.locator('input[name="step"][value="2"]')).to_be_checked()
    page.get_by_role("button", name="Confirm and enrol").click()
    expect(page.get_by_text("The step is confirmed and the patient is enrolled.")).to_be_visible()
    context.close()


@pytest.mark.parametrize("lang", ["en", "da"])
def test_it_screens_a_new_patient_and_enrols_them_once_a_therapist_confirms(
    app, live_server, page: Page, browser: Browser, personas, lang
):
    with app.app_context():
        db.session.get(User, personas.theo.id).on_duty = True
        db.session.commit()
    t = translator(lang)
    register(page, live_server, lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    answer_screening(page, t, lang)

    expect(page.get_by_role("heading", name=t("What your answers tell us"))).to_be_visible()
    step_name = t("Guided online programme")
    expect(page.get_by_role("heading", name=t("We suggest: %(name)s") % {"name": step_name}))\
        .to_be_visible()
    expect(page.locator(".scores").get_by_text(
        t("%(total)s out of %(max)s") % {"total": 11, "max": 27})).to_be_visible()

    therapist_confirms(page.context.browser, live_server, personas.theo.email, translator("en"))

    page.goto(live_server + "/home")
    expect(page.locator(".step-name")).to_contain_text(step_name)
