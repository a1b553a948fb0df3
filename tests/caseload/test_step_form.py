"""The step-change form: the target and the ending are explicit choices."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.helpers import post_form, sign_in


def _select(page: str, name: str):
    return BeautifulSoup(page, "html.parser").find("select", attrs={"name": name})


def test_it_starts_the_step_form_with_nothing_chosen(app, client, screened):
    sign_in(app, client, screened.theo)
    page = client.get(f"/patients/{screened.alice.id}").get_data(as_text=True)
    for name in ("action", "end_reason"):
        select = _select(page, name)
        first = select.find("option")
        assert first["value"] == "" and first.get_text(strip=True) == "Choose…"
        assert [o["value"] for o in select.find_all("option", selected=True)] in ([], [""])


def test_it_refuses_a_step_change_without_a_target(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/patients/{screened.alice.id}/step",
                         {"action": "", "end_reason": "", "reason": "Not improving."},
                         token_from=f"/patients/{screened.alice.id}")
    assert response.status_code == 422
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        id="action-error")
    assert error.get_text(strip=True) == "Choose the step to change to."


def test_it_needs_an_end_reason_to_discharge_and_keeps_the_choice(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/patients/{screened.alice.id}/step",
                         {"action": "discharge", "end_reason": "", "reason": "Done."},
                         token_from=f"/patients/{screened.alice.id}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find(id="end_reason-error").get_text(strip=True) == "Choose how the episode ended."
    chosen = _select(page, "action").find("option", selected=True)
    assert chosen["value"] == "discharge"
    assert soup.find("textarea", attrs={"name": "reason"}).get_text(strip=True) == "Done."
