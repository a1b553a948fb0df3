import re

import pytest

from tests.helpers import sign_in

PAGES_BY_ROLE = {
    None: ["/", "/login", "/register", "/terms"],
    "alice": ["/home", "/account", "/account/access-log"],
    "theo": ["/caseload", "/account"],
    "ada": ["/admin/patients", "/admin/users", "/admin/users/new"],
}


def test_it_sends_a_strict_content_security_policy(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_it_sends_the_other_security_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "microphone=()" in headers["Permissions-Policy"]


@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_it_renders_no_inline_script_or_style(app, client, personas, role):
    if role:
        sign_in(app, client, getattr(personas, role))
    for url in PAGES_BY_ROLE[role]:
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=", page), url  # no inline event handlers
        assert " style=" not in page and "<style" not in page, url


def test_it_forbids_caching_pages_with_patient_data(app, client, personas):
    sign_in(app, client, personas.theo)
    response = client.get(f"/patients/{personas.alice.id}")
    assert response.headers["Cache-Control"] == "no-store"


def test_it_forbids_caching_anything_seen_while_signed_in(app, client, personas):
    sign_in(app, client, personas.alice)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_it_lets_public_pages_be_cached_normally(client):
    assert "no-store" not in client.get("/terms").headers.get("Cache-Control", "")


def test_it_sets_a_httponly_samesite_session_cookie(client, personas):
    from tests.conftest import PERSONA_PASSWORD
    from tests.helpers import login

    response = login(client, personas.alice, PERSONA_PASSWORD)
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("stepcare=")][-1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_it_puts_no_personal_data_in_urls(app, client, personas):
    sign_in(app, client, personas.ada)
    page = client.get("/admin/patients").get_data(as_text=True)
    for href in re.findall(r'href="([^"]+)"', page):
        assert "@" not in href and "Alice" not in href
