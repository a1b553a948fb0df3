"""In a real Chromium: sign in with the OpenID provider's own pages, then see the link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from app.accounts.models import OidcLink
from app.db import db
from tests.oidc.conftest import BROWSER_CLIENT_ID

pytestmark = pytest.mark.browser


@pytest.fixture
def oidc_settings(oidc_provider) -> dict:
    return {"OIDC_PROVIDERS": {"test": oidc_provider.settings(BROWSER_CLIENT_ID)}}


def test_it_signs_in_through_the_providers_pages(app, live_server, browser: Browser, personas):
    with app.app_context():
        db.session.add(OidcLink(user_id=personas.alice.id, provider="test", subject="sub-alice"))
        db.session.commit()
    page = browser.new_page()
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Sign in with TestID").click()
    page.locator("input[name=login]").fill("sub-alice")
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()  # the provider's consent page
    page.wait_for_url(lambda url: url.startswith(live_server) and "/login" not in url)
    page.goto(live_server + "/account")
    expect(page.locator("#oidc-links li")).to_have_count(1)
    expect(page.locator("#oidc-links li")).to_contain_text("TestID")
