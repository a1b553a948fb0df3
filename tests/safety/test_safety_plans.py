"""Safety plans: versions kept, the patient's and the therapist's pages, the print view,
the audit trail, and where the plan shows (home, footer, crisis box, caseload, alert)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.db import db
from safety import operations
from safety.models import SafetyPlanVersion
from tests.helpers import post_form, sign_in

PLAN = {
    "warning_signs": ["I stay in bed all day"],
    "coping": ["Walk round the lake"],
    "reasons": ["My nephew Oscar"],
}


def make_plan(app, patient_id: int, author_id: int, sections=None) -> None:
    with app.app_context():
        operations.save_version(db.session.get(User, patient_id), sections or PLAN,
                                by=db.session.get(User, author_id))
        db.session.commit()


def versions(app, patient_id: int) -> list[SafetyPlanVersion]:
    with app.app_context():
        rows = db.session.execute(
            db.select(SafetyPlanVersion).where(SafetyPlanVersion.patient_id == patient_id)
            .order_by(SafetyPlanVersion.number)).scalars().all()
        db.session.expunge_all()
        return rows


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def audited(app, resource_type: str, action: str) -> int:
    with app.app_context():
        return len(db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == resource_type, AuditEvent.action == action)).all())


def test_it_keeps_every_version_unchanged(app, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    make_plan(app, screened.alice.id, screened.theo.id,
              {**PLAN, "coping": ["Walk round the lake", "A hot shower"]})
    with app.app_context():
        alice = db.session.get(User, screened.alice.id)
        operations.add_item(alice, "reasons", "Seeing the sea", by=alice)
        db.session.commit()
    found = versions(app, screened.alice.id)
    assert [v.number for v in found] == [1, 2, 3]
    assert found[0].sections["coping"] == ["Walk round the lake"]
    assert found[2].sections["reasons"] == ["My nephew Oscar", "Seeing the sea"]
    assert [v.author_role for v in found] == ["therapist", "therapist", "patient"]


def test_it_saves_no_version_that_changes_nothing(app, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    with app.app_context(), pytest.raises(operations.NothingChanged):
        operations.save_version(db.session.get(User, screened.alice.id), PLAN,
                                by=db.session.get(User, screened.theo.id))


def test_it_starts_a_new_plan_with_the_regions_crisis_lines(app, client, screened):
    sign_in(app, client, screened.theo)
    page = soup(client.get(f"/patients/{screened.alice.id}/safety-plan/edit"))
    assert "Livslinien: 70 201 201" in page.find("textarea", id="professionals").get_text()


def test_it_saves_the_therapists_draft_as_a_version(app, client, screened):
    sign_in(app, client, screened.theo)
    url = f"/patients/{screened.alice.id}/safety-plan/edit"
    response = post_form(client, url, {"warning_signs": "Not sleeping\nStaying in bed",
                                       "reasons": "My cat", "change_note": "In today's call"})
    assert response.status_code == 302
    [version] = versions(app, screened.alice.id)
    assert version.sections["warning_signs"] == ["Not sleeping", "Staying in bed"]
    assert version.change_note == "In today's call" and version.author_id == screened.theo.id


def test_it_keeps_what_was_typed_when_a_line_is_too_long(app, client, screened):
    sign_in(app, client, screened.theo)
    url = f"/patients/{screened.alice.id}/safety-plan/edit"
    response = post_form(client, url, {"warning_signs": "x" * 301, "reasons": "My cat"})
    assert response.status_code == 422
    page = soup(response)
    assert "Keep each line under 300 characters." in page.find(id="warning_signs-error").text
    assert page.find("textarea", id="reasons").get_text().strip() == "My cat"
    assert versions(app, screened.alice.id) == []


def test_it_refuses_an_empty_plan(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/patients/{screened.alice.id}/safety-plan/edit", {})
    assert response.status_code == 422
    assert "Write at least one line in the plan." in response.get_data(as_text=True)


def test_it_shows_the_patient_her_plan(app, client, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, screened.alice)
    page = soup(client.get("/safety-plan"))
    items = [li.get_text(strip=True) for li in page.select("#section-coping li")]
    assert items == ["Walk round the lake"]
    assert len(page.select("ol.safety-plan > li")) == 7


def test_it_tells_a_patient_without_a_plan_how_to_get_one(app, client, screened):
    sign_in(app, client, screened.bob)
    page = soup(client.get("/safety-plan"))
    assert "You do not have a safety plan yet." in page.find("main").get_text()
    assert page.select("ol.safety-plan") == []


def test_it_lets_the_patient_add_to_her_plan(app, client, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, screened.alice)
    response = post_form(client, "/safety-plan/add",
                         {"section": "help_people", "item": "My sister: 22 45 67 89"},
                         token_from="/safety-plan")
    assert response.status_code == 302
    latest = versions(app, screened.alice.id)[-1]
    assert latest.sections["help_people"] == ["My sister: 22 45 67 89"]
    assert latest.author_id == screened.alice.id


def test_it_refuses_an_empty_addition_and_keeps_the_choice(app, client, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, screened.alice)
    response = post_form(client, "/safety-plan/add", {"section": "coping", "item": "  "},
                         token_from="/safety-plan")
    assert response.status_code == 422
    page = soup(response)
    assert "Write what you want to add." in page.find(id="item-error").text
    assert page.find("option", selected=True)["value"] == "coping"
    assert len(versions(app, screened.alice.id)) == 1


def test_it_shows_every_version_to_the_therapist(app, client, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    make_plan(app, screened.alice.id, screened.theo.id, {**PLAN, "reasons": ["My cat"]})
    sign_in(app, client, screened.theo)
    page = soup(client.get(f"/patients/{screened.alice.id}/safety-plan/history"))
    shown = [d["id"] for d in page.select("details.safety-version")]
    assert shown == ["version-2", "version-1"]
    assert "My nephew Oscar" in page.find(id="version-1").get_text()


@pytest.mark.parametrize("who,url", [("alice", "/safety-plan/print"),
                                     ("theo", "/patients/{id}/safety-plan/print")])
def test_it_has_a_print_view_for_one_page(app, client, screened, who, url):
    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, getattr(screened, who))
    page = soup(client.get(url.format(id=screened.alice.id)))
    assert page.find("link", href="/static/safety/safety.css") is not None
    assert page.find(id="safety-print").find("form") is None
    assert "Livslinien" in page.find(class_="safety-print-emergency").get_text()
    assert page.find("script", src="/static/safety/print.js") is not None


def test_it_serves_print_css_that_fits_one_page(client):
    css = client.get("/static/safety/safety.css").get_data(as_text=True)
    assert "@media print" in css and ".site-header" in css and "@page" in css


def test_it_hides_a_plan_from_another_patients_therapist(app, client, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, screened.una)
    assert client.get(f"/patients/{screened.alice.id}/safety-plan").status_code == 404
    assert client.get(f"/patients/{screened.alice.id}/safety-plan/history").status_code == 404


def test_it_audits_every_read_and_write(app, client, screened):
    sign_in(app, client, screened.theo)
    post_form(client, f"/patients/{screened.alice.id}/safety-plan/edit", {"reasons": "My cat"})
    assert audited(app, "safety_plan_version", "C") == 1
    before = audited(app, "safety_plan_version", "R")
    client.get(f"/patients/{screened.alice.id}/safety-plan")
    assert audited(app, "safety_plan_version", "R") == before + 1


@pytest.mark.hazard("H-010")
def test_it_links_the_plan_from_home_footer_and_crisis_box(app, client, screened):
    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, screened.alice)
    home = soup(client.get("/home"))
    assert home.select_one("#safety-plan-panel a")["href"] == "/safety-plan"
    assert home.select_one("footer .crisis-link a")["href"] == "/safety-plan"
    support = soup(client.get("/support"))
    assert support.select_one(".crisis-panel .crisis-link a")["href"] == "/safety-plan"


def test_it_shows_no_plan_link_to_a_patient_without_one(app, client, screened):
    sign_in(app, client, screened.bob)
    home = soup(client.get("/home"))
    assert home.select("#safety-plan-panel") == [] and home.select(".crisis-link") == []


@pytest.mark.hazard("H-010")
def test_it_shows_on_the_caseload_that_a_patient_at_risk_has_no_plan(app, client, screened):
    sign_in(app, client, screened.theo)
    row = next(tr for tr in soup(client.get("/caseload")).select("table.caseload tbody tr")
               if "Alice" in tr.th.get_text())
    assert row.select_one(".safety-no-plan").get_text() == "No safety plan"
    make_plan(app, screened.alice.id, screened.theo.id)
    row = next(tr for tr in soup(client.get("/caseload")).select("table.caseload tbody tr")
               if "Alice" in tr.th.get_text())
    assert row.select(".safety-no-plan") == [] and row.select(".safety-has-plan")


@pytest.mark.hazard("H-010")
def test_it_shows_on_the_risk_alert_whether_there_is_a_plan(app, client, screened):
    sign_in(app, client, screened.theo)
    page = soup(client.get(f"/alerts/{screened.alice_alert}"))
    status = page.find(id="safety-plan-status").get_text()
    assert "This patient has no safety plan yet." in status
    make_plan(app, screened.alice.id, screened.theo.id)
    page = soup(client.get(f"/alerts/{screened.alice_alert}"))
    assert page.select_one("#safety-plan-status a")["href"] == (
        f"/patients/{screened.alice.id}/safety-plan")


@pytest.mark.parametrize("who,url", [
    ("alice", "/safety-plan"), ("alice", "/safety-plan/print"), ("alice", "/home"),
    ("theo", "/patients/{id}/safety-plan"), ("theo", "/patients/{id}/safety-plan/history"),
    ("theo", "/patients/{id}/safety-plan/edit"), ("theo", "/patients/{id}"),
    ("theo", "/alerts/{alert}"), ("theo", "/caseload"),
])
def test_it_runs_no_query_while_a_plan_page_renders(app, client, screened, who, url):
    from tests.test_render_queries import RenderWatch

    make_plan(app, screened.alice.id, screened.theo.id)
    sign_in(app, client, getattr(screened, who))
    with RenderWatch(app) as watch:
        response = client.get(url.format(id=screened.alice.id, alert=screened.alice_alert))
    assert response.status_code == 200
    assert watch.statements == []
