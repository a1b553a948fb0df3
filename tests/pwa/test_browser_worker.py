"""In a real Chromium: the service worker keeps only the app shell, shows the offline page
when a page cannot load, and is emptied at logout (security requirement 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser_pages import open_menu, sign_in

pytestmark = pytest.mark.browser

CACHED_URLS = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) found.push(new URL(request.url).pathname);
  }
  return found;
}"""


def _controlled(page: Page) -> None:
    """Wait for the worker, then reload so that it controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def _signed_in(browser: Browser, base: str, email: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, email)
    _controlled(page)
    return context, page


def test_it_keeps_no_patient_page_in_the_cache(live_server, browser: Browser, screened):
    context, page = _signed_in(browser, live_server, screened.alice.email)
    for path in ("/home", "/account", "/home"):
        page.goto(live_server + path)
    page.wait_for_function("caches.keys().then(names => names.length > 0)")
    cached = page.evaluate(CACHED_URLS)
    assert "/offline" in cached and "/static/css/stepcare.css" in cached
    assert all(p.startswith("/static/") or p == "/offline" for p in cached), cached
    context.close()


def test_it_shows_the_offline_page_when_a_page_cannot_load(live_server, browser: Browser,
                                                          personas):
    context, page = _signed_in(browser, live_server, personas.alice.email)
    page.wait_for_function("caches.has('stepcare-shell-v1')")
    context.set_offline(True)
    page.goto(live_server + "/account")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()
    context.set_offline(False)
    context.close()


def test_it_empties_the_caches_at_logout(live_server, browser: Browser, personas):
    """Logout's Clear-Site-Data empties Cache Storage. The login page then registers the
    worker afresh, which keeps the shell again; a cache made while signed in is gone."""
    context, page = _signed_in(browser, live_server, personas.alice.email)
    page.evaluate("""async () => {
      const cache = await caches.open("made-while-signed-in");
      await cache.put("/home", new Response("a page that must not outlive the session"));
    }""")
    assert "/home" in page.evaluate(CACHED_URLS)
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert "made-while-signed-in" not in page.evaluate("caches.keys()")
    cached = page.evaluate(CACHED_URLS)
    assert all(p.startswith("/static/") or p == "/offline" for p in cached), cached
    context.close()
