"""The pre-call test page, at a phone's width, when the echo's rate limit is reached."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_pages import document_width
from tests.helpers import csrf_token, sign_in
from tests.video.conftest import SDP_OFFER
from tests.video.test_browser_video import context_for
from video import media

pytestmark = pytest.mark.browser


def test_it_tells_the_user_to_wait_when_the_echo_is_limited_finding_7(
        media_browser: Browser, app, live_server, personas, monkeypatch):
    app.config["VIDEO_ECHO_LIMIT"] = "1 per hour"
    monkeypatch.setattr(media, "echo_answer", lambda request: "v=0\r\n")
    client = app.test_client()
    sign_in(app, client, personas.alice)
    spent = client.post("/video/test/echo", json={"type": "offer", "sdp": SDP_OFFER},
                        headers={"X-CSRFToken": csrf_token(client, "/account")})
    assert spent.status_code == 200

    context = context_for(media_browser, app, live_server, personas.alice)
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server}/video/test")
    page.get_by_role("button", name="Start the test").click()
    connection = page.locator("#check-connection")
    expect(connection).to_have_attribute("data-result", "failed", timeout=20_000)
    expect(connection).to_contain_text("wait a few minutes")
    assert document_width(page) <= 320
    context.close()
