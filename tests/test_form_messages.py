"""WTForms' own validation messages follow the page's language."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import post_form


def test_it_shows_a_danish_length_message_on_a_danish_page(app, client):
    with client.session_transaction() as session:
        session["lang"] = "da"
    response = post_form(client, "/register", {"name": "x" * 121}, token_from="/register")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.html["lang"] == "da"
    assert soup.find(id="name-error").get_text(strip=True) == (
        "Feltet må højst være 120 tegn langt.")
