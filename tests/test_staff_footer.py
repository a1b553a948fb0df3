"""Patients see the crisis lines in the footer; staff see the clinic and safety reporting."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import sign_in


def _footer(client, url: str):
    return BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser").find("footer")


def test_it_gives_staff_the_clinic_footer_without_the_crisis_lines(app, client, personas):
    sign_in(app, client, personas.theo)
    footer = _footer(client, "/caseload")
    assert footer.select(".crisis") == []
    staff = footer.select_one(".staff-footer")
    assert staff.find("h2").get_text(strip=True) == app.config["CLINIC_NAME"]
    assert "safety incident" in staff.get_text()


def test_it_keeps_the_crisis_footer_for_patients(app, client, personas):
    sign_in(app, client, personas.alice)
    footer = _footer(client, "/home")
    assert footer.select_one(".crisis") is not None and footer.select(".staff-footer") == []
