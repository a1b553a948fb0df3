"""In Chromium: the signed-in menu folds behind a "Menu" button on a 320 px phone, and shows
without one on a 1280 px desktop; no word in the header breaks across lines at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import WIDTHS, sign_in, switch_language

pytestmark = pytest.mark.browser

PHONE, DESKTOP = WIDTHS

# Words of the header's text drawn on more than one line (a word broken inside).
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('.site-header'),
                                           NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const m of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                                       .map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


def _signed_in(browser: Browser, base: str, personas, viewport, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    sign_in(page, base, personas.ada.email, clinician=True)
    return context, page


def test_it_hides_the_menu_at_320px_until_the_button_is_pressed(live_server, browser, personas):
    context, page = _signed_in(browser, live_server, personas, PHONE)
    button = page.get_by_role("button", name="Menu")
    staff = page.locator("#main-menu").get_by_role("link", name="Staff")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(staff).to_be_hidden()
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(staff).to_be_visible()
    staff.click()
    expect(page).to_have_url(live_server + "/admin/users")
    context.close()


def test_it_opens_and_closes_the_menu_from_the_keyboard(live_server, browser, personas):
    context, page = _signed_in(browser, live_server, personas, PHONE)
    button = page.get_by_role("button", name="Menu")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-menu").get_by_role("link", name="Staff")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#main-menu a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    context.close()


def test_it_shows_the_menu_without_a_button_at_1280px(live_server, browser, personas):
    context, page = _signed_in(browser, live_server, personas, DESKTOP)
    expect(page.locator("#main-menu").get_by_role("link", name="Staff")).to_be_visible()
    expect(page.locator(".menu-button")).to_be_hidden()
    context.close()


def test_it_shows_the_menu_at_320px_without_script(live_server, browser, personas):
    context, page = _signed_in(browser, live_server, personas, PHONE, java_script_enabled=False)
    expect(page.locator("#main-menu").get_by_role("link", name="Staff")).to_be_visible()
    expect(page.locator(".menu-button")).to_be_hidden()
    context.close()


def test_it_breaks_no_header_word_at_320px(live_server, browser: Browser, personas):
    broken = {}
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/")
    for language in ("en", "da"):
        switch_language(page, language)
        broken["signed out", language] = page.evaluate(BROKEN_WORDS)
    sign_in(page, live_server, personas.ada.email, clinician=True)
    page.get_by_role("button", name="Menu").click()
    for language in ("en", "da"):
        switch_language(page, language)
        page.locator(".menu-button").click()
        broken["menu open", language] = page.evaluate(BROKEN_WORDS)
    context.close()
    assert not any(broken.values()), broken
