"""A new domain is added by creating its package and listing it in ``create_app``.

``tests/example_domain`` is such a package: with no edit to the core's code or templates
it adds a page, a menu entry with a badge, a panel on the patient's home page, and a fact
with its own column on the caseload. Apps made without it never show any of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app import PACKAGES
from app.config import from_environment
from tests.conftest import close, make_app
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parents[1]
WITH_GARDEN = (*PACKAGES, "tests.example_domain")


@pytest.fixture
def app(migrated_database, tmp_path):
    """The usual app, with the example domain listed after the others."""
    app = make_app(migrated_database, tmp_path, WITH_GARDEN)
    yield app
    close(app)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_it_serves_the_new_domains_page_with_its_own_setting(app, client, personas):
    sign_in(app, client, personas.alice)
    assert page(client, "/garden").find(id="garden").get_text() == "Welcome to the garden"


def test_it_reads_the_new_domains_setting_from_the_environment():
    settings = from_environment({"STEPCARE_EXAMPLE_GREETING": "Velkommen i haven"})
    assert settings["EXAMPLE_GREETING"] == "Velkommen i haven"


def test_it_adds_the_menu_entry_with_its_badge_in_order(app, client, personas):
    sign_in(app, client, personas.alice)
    links = page(client, "/home").select("nav.main-nav a")
    names = [a.get_text(" ", strip=True) for a in links]
    assert names[:5] == ["Home", "Programmes", "Diary", "Garden 2", "Messages"]
    assert links[3]["href"] == "/garden"


def test_it_adds_a_panel_to_the_patients_home(app, client, personas):
    sign_in(app, client, personas.alice)
    panel = page(client, "/home").find(id="garden-panel")
    assert panel is not None and "3 plants" in panel.get_text()


def test_it_adds_a_fact_and_its_column_to_the_caseload(app, client, personas):
    sign_in(app, client, personas.theo)
    soup = page(client, "/caseload")
    headers = [th.get_text(strip=True) for th in soup.select("table.caseload thead th")]
    assert headers.index("Garden") == headers.index("GAD-7") + 1
    alice = next(tr for tr in soup.select("table.caseload tbody tr")
                 if "Alice" in tr.th.get_text())
    watered = personas.alice.id % 7
    assert alice.select_one(".garden-cell").get_text() == f"{watered} plants"


def test_it_keeps_the_new_domain_out_of_an_app_made_without_it(
        app, migrated_database, tmp_path, personas):
    plain = make_app(migrated_database, tmp_path, PACKAGES, empty=False)
    client = plain.test_client()
    sign_in(plain, client, personas.theo)
    assert client.get("/garden").status_code == 404
    soup = page(client, "/caseload")
    assert "Garden" not in [th.get_text(strip=True) for th in soup.select("thead th")]
    assert soup.select(".garden-cell") == []


def test_it_needed_no_edit_to_the_core():
    core = [*(ROOT / "app").rglob("*.py"), *(ROOT / "app").rglob("*.html")]
    assert not [p for p in core if "example_domain" in p.read_text(encoding="utf-8")]
