"""The pages a browser test visits, and signing in to them: shared by the reflow, axe and
menu tests.

Every GET page of the access matrix without an object id, for every persona allowed in,
plus the pages with an object id whose content grows with the clinic.
"""

from __future__ import annotations

import pyotp
from flask import url_for
from playwright.sync_api import Page

from tests.conftest import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from tests.test_access_matrix import JSON_BODIES, OBJECT_PAGES, PATIENTS, ROLE_PAGES

WIDTHS = ({"width": 320, "height": 640}, {"width": 1280, "height": 800})
# Pages with an object id worth measuring: the ones whose content grows with the clinic.
RECORD_PAGES = ("caseload.patient", "programmes.module", "screening.alert",
                "screening.followup_page")
# Not pages: a fragment that the caseload polls, and a JSON endpoint.
NOT_PAGES = {"video.today_panel", *JSON_BODIES}
# What a visitor sees before signing in.
SIGNED_OUT_PAGES = ("main.index", "main.terms", "accounts.login", "accounts.register",
                    "accounts.forgot_password")


def urls(app, personas, name: str) -> list[str]:
    """The paths persona ``name`` may open, in a stable order."""
    get = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    with app.test_request_context():
        found = [url_for(endpoint) for endpoint, allowed in sorted(ROLE_PAGES.items())
                 if name in allowed and endpoint in get and endpoint not in NOT_PAGES]
        for endpoint in RECORD_PAGES:
            make_args, allowed = OBJECT_PAGES[endpoint]
            if name in allowed:
                found.append(url_for(endpoint, **make_args(personas)))
    return found


def signed_out_urls(app) -> list[str]:
    with app.test_request_context():
        return [url_for(endpoint) for endpoint in SIGNED_OUT_PAGES]


def is_clinician(name: str) -> bool:
    return name not in PATIENTS


def sign_in(page: Page, base: str, email: str, clinician: bool = False) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PERSONA_PASSWORD)
    page.locator("main form button[type=submit]").click()
    if clinician:
        page.locator("#code").fill(pyotp.TOTP(PERSONA_TOTP_SECRET).now())
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def switch_language(page: Page, code: str) -> None:
    """Press the header's language button, as a user does (it also saves a signed-in
    user's preference)."""
    button = page.locator(f".lang-switch button[value={code}]")
    if button.get_attribute("aria-pressed") != "true":
        button.click()
        page.wait_for_load_state()


def open_menu(page: Page) -> None:
    """On a phone the signed-in menu is folded behind its Menu button: open it, as a
    person would, before reaching for an entry (on a desktop there is no button)."""
    page.wait_for_load_state()  # menu.js shows the button (and folds the menu) when it runs
    button = page.locator(".menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()


def document_width(page: Page) -> int:
    """The page's width in CSS pixels, once its stylesheets have loaded.

    Text can be visible, and so pass an ``expect``, while a stylesheet is still on its way;
    measured then, an unstyled table is far wider than the styled page.
    """
    page.wait_for_load_state("load")
    return int(page.evaluate("document.documentElement.scrollWidth"))
