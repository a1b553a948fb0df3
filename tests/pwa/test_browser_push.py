"""In a real Chromium: the account page turns notifications on for this device. The
browser's push service is out of reach here, so ``pushManager.subscribe`` answers with a
subscription made in the test; everything else (permission, worker, the POST with its
CSRF header, the list) is the page's own."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from app.db import db
from app.push.models import PushSubscription
from tests.browser_pages import sign_in
from tests.pwa.test_push_account import subscription
from tests.test_browser_axe import AXE, _check

pytestmark = pytest.mark.browser


FAKE_SUBSCRIBE = """
PushManager.prototype.subscribe = async function (options) {
  if (!(options.applicationServerKey instanceof Uint8Array)
      || options.applicationServerKey.length !== 65) throw new Error("bad key");
  const body = BODY;
  return { toJSON: () => body };
};"""


def _fake_subscribe(body: dict) -> str:
    return FAKE_SUBSCRIBE.replace("BODY", json.dumps(body))


def test_it_turns_notifications_on_for_this_device(app, live_server, browser: Browser,
                                                   personas, vapid):
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=live_server)
    context.add_init_script(_fake_subscribe(subscription()))
    page = context.new_page()
    sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/account")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.locator("#push-devices")).to_contain_text("Chrome")
    with app.app_context():
        [row] = db.session.execute(db.select(PushSubscription)).scalars().all()
        assert row.user_id == personas.alice.id
    context.close()


def test_it_explains_blocked_notifications(live_server, browser: Browser, personas, vapid):
    context = browser.new_context()
    context.add_init_script("Notification.requestPermission = async () => 'denied';")
    page = context.new_page()
    sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/account")
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.locator("#push-status")).to_contain_text("blocked")
    context.close()


def test_it_finds_no_wcag_violation_on_the_push_panel(live_server, browser: Browser, personas,
                                                     vapid):
    axe_script = AXE / "axe.min.js"
    assert axe_script.is_file(), f"axe-core is not installed at {AXE} (see test_browser_axe)"
    context = browser.new_context()
    context.add_init_script(path=axe_script)  # outside the page's CSP, as test_browser_axe
    page = context.new_page()
    sign_in(page, live_server, personas.alice.email)
    page.goto(live_server + "/account")
    found: list[str] = []
    _check(page, found, "/account with push on")
    assert not found, "\n".join(found)
    context.close()
