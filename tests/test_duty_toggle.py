"""The admin's on-duty control: the state and the action are shown apart."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import post_form, sign_in


def _duty_cell(client, name: str):
    soup = BeautifulSoup(client.get("/admin/users").get_data(as_text=True), "html.parser")
    row = next(tr for tr in soup.select("tbody tr") if name in tr.get_text())
    return row.find("td", attrs={"data-label": "On duty"})


def test_it_shows_the_duty_state_apart_from_the_action(app, client, personas):
    sign_in(app, client, personas.ada)
    cell = _duty_cell(client, "Theo Thomsen")
    state = cell.find(class_="duty-state").get_text(strip=True)
    action = cell.find("button").get_text(" ", strip=True)
    assert (state, action) in {("Off duty", "Put on duty : Theo Thomsen"),
                               ("On duty", "Take off duty : Theo Thomsen")}
    post_form(client, cell.find("form")["action"], token_from="/admin/users")
    after = _duty_cell(client, "Theo Thomsen")
    assert after.find(class_="duty-state").get_text(strip=True) != state
    assert after.find("button").get_text(" ", strip=True) != action
