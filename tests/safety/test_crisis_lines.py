"""H-009: the crisis numbers a patient sees are the right ones for the clinic's region."""

import pytest
from bs4 import BeautifulSoup

from app.config import ConfigError, flask_config, from_environment
from app.crisis import lines_for

pytestmark = pytest.mark.hazard("H-009")


def test_it_refuses_to_start_with_an_unknown_crisis_region(tmp_path):
    settings = from_environment({"STEPCARE_CRISIS_REGION": "se"})
    with pytest.raises(ConfigError, match="STEPCARE_CRISIS_REGION must be one of dk, uk"):
        flask_config(settings, str(tmp_path))


def test_it_ships_the_checked_danish_numbers():
    # ../shared/reference/clinical.md: 112 (emergency), Livslinien 70 201 201.
    assert [line.number for line in lines_for("dk")] == ["112", "70 201 201"]


def test_it_ships_the_checked_uk_numbers():
    assert [line.number for line in lines_for("uk")] == ["999", "111", "116 123"]


def _footer_numbers(html: str) -> list[str]:
    footer = BeautifulSoup(html, "html.parser").select_one("footer .crisis")
    return [a["href"] for a in footer.select("a[href^='tel:']")]


def test_it_shows_the_configured_regions_numbers_on_every_page(app, client):
    assert _footer_numbers(client.get("/login").text) == ["tel:112", "tel:70201201"]
    app.config["CRISIS_REGION"] = "uk"
    assert _footer_numbers(client.get("/login").text) == ["tel:999", "tel:111", "tel:116123"]
