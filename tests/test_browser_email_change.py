"""In a real Chromium at 320 px: change the email address and follow the emailed link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import document_width, sign_in
from tests.test_browser_axe import AXE, _check
from tests.test_email_change import NEW_EMAIL, _change_link, _to, _wait_for

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def _fits(page) -> bool:
    return document_width(page) <= NARROW["width"]


def test_it_changes_the_email_address_at_320px(live_server, browser: Browser, personas, inbox):
    page = browser.new_page(viewport=NARROW)
    sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Change email address").click()
    expect(page.get_by_role("heading", name="Change email address")).to_be_visible()
    page.get_by_label("New email address").fill("not an address")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("Enter a valid email address").first).to_be_visible()
    expect(page.get_by_label("New email address")).to_have_value("not an address")
    assert _fits(page)
    page.get_by_label("New email address").fill(NEW_EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("We have sent a link to your new email address")).to_be_visible()
    expect(page.locator("#pending-email")).to_contain_text(NEW_EMAIL)
    expect(page.get_by_role("button", name="Cancel the change")).to_be_visible()
    assert _fits(page)

    _wait_for(inbox, 2)
    page.goto(live_server + _change_link(_to(inbox, NEW_EMAIL)[0]))
    expect(page.get_by_role("heading", name="Confirm your new email address")).to_be_visible()
    assert page.url.endswith("/email/change")  # the token left the address bar
    assert _fits(page)
    page.get_by_role("button", name="Yes, change my email address").click()
    expect(page.get_by_text("Your email address is changed")).to_be_visible()
    page.goto(live_server + "/account")
    expect(page.locator("main dl.facts")).to_contain_text(NEW_EMAIL)
    expect(page.locator("#pending-email")).to_have_count(0)
    assert _fits(page)
    page.close()


def test_it_finds_no_wcag_violation_on_the_change_pages(live_server, browser: Browser, personas,
                                                        inbox):
    axe_script = AXE / "axe.min.js"
    assert axe_script.is_file(), f"axe-core is not installed at {AXE} (see test_browser_axe)"
    context = browser.new_context(viewport=NARROW)
    context.add_init_script(path=axe_script)  # outside the page's CSP, as test_browser_axe does
    page = context.new_page()
    sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/account/email")
    page.get_by_label("New email address").fill(NEW_EMAIL)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#pending-email")).to_be_visible()
    found: list[str] = []
    _check(page, found, "account with a pending change")
    _wait_for(inbox, 2)
    page.goto(live_server + _change_link(_to(inbox, NEW_EMAIL)[0]))
    _check(page, found, "confirm the new address")
    page.goto(live_server + "/email/change/" + "x" * 43)
    _check(page, found, "a link that does not work")
    assert found == []
    context.close()
