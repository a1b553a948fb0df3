"""In a real Chromium: the service worker turns a delivered push message into a
notification with the generic text it carries and a link that stays on this site. The
message is delivered through the DevTools protocol, as a push service would deliver it."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, BrowserContext

pytestmark = pytest.mark.browser

NOTIFICATIONS = """() => self.registration.getNotifications().then((shown) => shown.map(
  (n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url})))"""


def _deliver(context: BrowserContext, base: str, data: str) -> list[dict]:
    """Deliver one push message to the site's worker; the notifications it then shows."""
    page = context.pages[0]
    cdp = context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(
        r["registrationId"] for r in event["registrations"] if not r["isDeleted"]))
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(100):
        if registrations:
            break
        page.wait_for_timeout(50)
    worker = context.service_workers[0]
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": base, "registrationId": registrations[0], "data": data})
    for _ in range(100):
        shown = worker.evaluate(NOTIFICATIONS)
        if shown:
            return shown
        page.wait_for_timeout(50)
    return []


@pytest.fixture
def context(browser: Browser, live_server):
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=live_server)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    yield context
    context.close()


def test_it_shows_the_reminder_it_receives(context, live_server):
    message = {"title": "Stepcare", "body": "There is something new for you in Stepcare",
               "url": "/home"}
    [shown] = _deliver(context, live_server, json.dumps(message))
    assert shown == {"title": "Stepcare", "body": message["body"],
                     "tag": "stepcare-reminder", "url": live_server + "/home"}


def test_it_keeps_the_link_on_this_site(context, live_server):
    message = {"title": "Stepcare", "body": "x", "url": "https://example.org/phish"}
    [shown] = _deliver(context, live_server, json.dumps(message))
    assert shown["url"] == live_server + "/"


def test_it_shows_a_plain_reminder_for_a_message_it_cannot_read(context, live_server):
    [shown] = _deliver(context, live_server, "not json")
    assert (shown["title"], shown["body"], shown["url"]) == ("Stepcare", "", live_server + "/")
