"""The admin's two FHIR pages, record systems and receivers, share one menu entry; each page
links to both, and both addresses keep working."""

from __future__ import annotations

from tests.helpers import parsed, sign_in

CLIENTS, RECEIVERS = "/admin/record-systems/", "/admin/fhir-receivers"


def test_it_gives_the_admin_one_menu_entry_for_both_fhir_pages(app, client, personas):
    sign_in(app, client, personas.ada)
    menu = parsed(client.get("/account")).select("#main-menu a")
    fhir = [a for a in menu if a["href"] in (CLIENTS, RECEIVERS)]
    assert [(a["href"], a.get_text(strip=True)) for a in fhir] == [(CLIENTS, "FHIR connections")]


def test_it_links_each_fhir_page_to_both(app, client, personas):
    sign_in(app, client, personas.ada)
    for url in (CLIENTS, RECEIVERS):
        page = client.get(url)
        assert page.status_code == 200
        links = parsed(page).select('main nav[aria-label="FHIR connections"] a')
        assert [a["href"] for a in links] == [CLIENTS, RECEIVERS]
        assert [a["href"] for a in links if a.get("aria-current") == "page"] == [url]


def test_it_shows_the_entry_to_admins_only(app, client, personas):
    for who in (personas.theo, personas.alice):
        sign_in(app, client, who)
        assert "FHIR connections" not in parsed(client.get("/account")).select_one(
            "#main-menu").get_text()
