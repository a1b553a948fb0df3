"""The installable web app: manifest, service worker and offline page, as served."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from tests.helpers import parsed

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_it_serves_a_manifest_whose_icons_exist_in_their_sizes(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["short_name"] == "Stepcare"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/img/icons/")
        width, height = _png_size(STATIC / icon["src"].removeprefix("/static/"))
        assert icon["sizes"] == f"{width}x{height}"
        assert client.get(icon["src"]).status_code == 200
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_it_names_the_app_in_the_visitors_language(client):
    english = client.get("/manifest.webmanifest", headers={"Accept-Language": "en"})
    danish = client.get("/manifest.webmanifest", headers={"Accept-Language": "da"})
    assert english.get_json(force=True)["lang"] == "en"
    assert danish.get_json(force=True)["lang"] == "da"
    assert english.get_json(force=True)["name"] != danish.get_json(force=True)["name"]


def test_it_links_the_manifest_and_the_worker_from_every_page(client):
    page = parsed(client.get("/login"))
    assert page.find("link", rel="manifest")["href"] == "/manifest.webmanifest"
    assert page.find("meta", attrs={"name": "theme-color"})["content"].startswith("#")
    scripts = [s["src"] for s in page.find_all("script")]
    assert "/static/js/register-sw.js" in scripts


def test_it_serves_the_worker_from_the_root_unstored(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] in {"no-cache", "no-store"}
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp


def test_it_keeps_only_shell_files_that_exist(client):
    """Every URL the worker fetches at install is /static/ or the offline page, and loads."""
    source = (STATIC / "js" / "sw.js").read_text()
    shell = re.search(r"const SHELL = \[(.*?)\];", source, re.S).group(1)
    urls = re.findall(r'"(/[^"]+)"', shell)
    assert urls
    for url in urls:
        assert url.startswith("/static/") or url == "/offline"
        assert client.get(url).status_code == 200, url


def test_it_shows_an_offline_page_that_names_nobody(client, personas):
    client.post("/login", data={"email": personas.alice.email, "password": "x"})
    page = parsed(client.get("/offline"))
    text = page.get_text()
    assert "No connection" in text and "Ingen forbindelse" in text
    assert page.find("nav") is None and page.find("form") is None
