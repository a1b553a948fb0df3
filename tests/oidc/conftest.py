"""A real OpenID provider (panva's oidc-provider, run with Node.js) on a loopback port.

oidc-provider comes from npm into build/oidc (gitignored): `.ci/run` installs it, and this
fixture does too when it is missing. Without Node.js the end-to-end tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from app.accounts import oidc
from tests.conftest import close, make_app
from tests.helpers import parsed

ROOT = Path(__file__).parents[2]
PREFIX = ROOT / "build/oidc"
MODULE = PREFIX / "node_modules/oidc-provider/lib/index.js"
VERSION = "9.13.3"
CLIENT_ID, CLIENT_SECRET = "stepcare-test", "a-client-secret-for-tests-only"
# The browser test's app listens on a random loopback port: a native client's loopback
# redirect URI matches on any port (RFC 8252, section 7.3).
BROWSER_CLIENT_ID = "stepcare-browser"
APP_ORIGIN = "http://localhost"
# The people the provider knows: login name (= sub) -> claims.
ACCOUNTS = {
    "sub-alice": {"name": "Alice Andersen", "birthdate": "1990-04-01", "cpr": "0104901234"},
    "sub-nina": {"given_name": "Nina", "family_name": "Nielsen", "birthdate": "1988-02-29",
                 "cpr": "2902881234"},
    "sub-nobirth": {"name": "Otto Olsen"},
    "sub-theo": {"name": "Theo Thomsen", "birthdate": "1975-01-01"},
}


@dataclass
class RunningProvider:
    issuer: str

    def settings(self, client_id: str = CLIENT_ID) -> dict[str, str]:
        return {"issuer": self.issuer, "client_id": client_id, "client_secret": CLIENT_SECRET,
                "scopes": "openid profile cpr", "id_claim": "cpr", "label": "TestID"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _install() -> None:
    if MODULE.exists():
        return
    subprocess.run(["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund",
                    "--silent", f"oidc-provider@{VERSION}"], check=True, timeout=300)


def _wait_ready(process: subprocess.Popen, issuer: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"oidc-provider exited: {errors}")
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("oidc-provider did not start in 20 s")


@pytest.fixture(scope="session")
def oidc_provider():
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are needed to run the OpenID provider the tests use")
    _install()
    port = _free_port()
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
         "redirect_uris": [f"{APP_ORIGIN}/login/oidc/test/callback"]},
        {"client_id": BROWSER_CLIENT_ID, "client_secret": CLIENT_SECRET,
         "application_type": "native",
         "redirect_uris": ["http://127.0.0.1/login/oidc/test/callback"]},
    ]
    config = {"port": port, "clients": clients, "accounts": ACCOUNTS}
    env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config),
           "OIDC_PROVIDER_MODULE": str(MODULE)}
    process = subprocess.Popen(["node", str(Path(__file__).with_name("provider.mjs"))],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, issuer)
        yield RunningProvider(issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_settings(oidc_provider) -> dict:
    return {"OIDC_PROVIDERS": {"test": oidc_provider.settings()}}


@pytest.fixture
def app(migrated_database, tmp_path, oidc_settings):
    oidc.forget_cached()
    app = make_app(migrated_database, tmp_path, config=oidc_settings)
    yield app
    close(app)


def through_provider(client, start, login: str, *, cancel: bool = False):
    """Follow the app's redirect to the provider, sign in as `login` there (or cancel at
    the consent page), and hand the provider's redirect back to the app's test client."""
    response = client.get(start) if isinstance(start, str) else start
    assert response.status_code == 302, response.status_code
    browser, url = requests.Session(), response.location
    reply = browser.get(url, allow_redirects=False, timeout=10)
    for _step in range(12):
        if reply.is_redirect:
            url = urljoin(url, reply.headers["location"])
            if url.startswith(APP_ORIGIN + "/"):
                return client.get(url[len(APP_ORIGIN):])
            reply = browser.get(url, allow_redirects=False, timeout=10)
            continue
        page = parsed(reply.text)
        abort = page.find("a", href=lambda h: h and "abort" in h)
        if cancel and abort is not None:
            url = urljoin(url, abort["href"])
            reply = browser.get(url, allow_redirects=False, timeout=10)
            continue
        form = page.find("form")
        assert form is not None, reply.text[:500]
        data = {field["name"]: field.get("value", "") for field in form.find_all("input")
                if field.get("name")}
        if "login" in data:
            data.update(login=login, password="anything")
        url = urljoin(url, form["action"])
        reply = browser.post(url, data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")
