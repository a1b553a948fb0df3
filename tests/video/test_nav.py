"""Appointments in the main menu of the people who keep them."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.helpers import sign_in


def _menu(client, url: str) -> dict[str, str]:
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return {a.get_text(strip=True): a["href"] for a in soup.select("nav.main-nav a")}


@pytest.mark.parametrize(("persona", "url"), [("alice", "/home"), ("theo", "/caseload")])
def test_it_lists_appointments_in_the_menu(app, client, personas, persona, url):
    sign_in(app, client, getattr(personas, persona))
    assert _menu(client, url).get("Appointments") == "/appointments"


def test_it_leaves_appointments_out_of_the_admin_menu(app, client, personas):
    sign_in(app, client, personas.ada)
    assert "Appointments" not in _menu(client, "/admin/users")
