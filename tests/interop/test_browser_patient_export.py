"""In a real Chromium at 320 px: a patient downloads her own data from the account page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import sign_in
from tests.conftest import PERSONA_PASSWORD

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def test_it_downloads_the_fhir_export_at_320px(app, live_server, browser: Browser, screened):
    page = browser.new_page(viewport=NARROW, accept_downloads=True)
    sign_in(page, live_server, screened.alice.email)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Download your data").click()
    # The click returns before the next page has loaded; measuring then reads a
    # document that is not there yet (this raced once in CI).
    page.wait_for_url("**/account/export")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    page.get_by_label("A file for other health systems and apps (FHIR R4, JSON)").check()
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Download").click()
    expect(page.get_by_text("That password is not right.").first).to_be_visible()
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith(".fhir.json")
    bundle = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["name"][0]["text"] == screened.alice.name
    page.close()
