"""The demo clinic tells the product's story: every panel it claims is filled, as the
personas see it through the real pages (``flask --app app demo`` into a test database)."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup

from app.accounts import passwords
from app.accounts.models import User
from app.db import db
from tests.conftest import close, make_app
from tests.helpers import sign_in


@pytest.fixture(scope="module")
def demo(migrated_database, tmp_path_factory):
    """One demo clinic for the module: building it takes most of the time."""
    app = make_app(migrated_database, tmp_path_factory.mktemp("demo"))
    # Forty-six accounts at full argon2 cost would be most of the run; nobody logs in by
    # password here (sign_in opens the sessions).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    app.demo_output = result.output
    yield app
    close(app)


def page(app, email: str, url: str) -> BeautifulSoup:
    client = app.test_client()
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        db.session.expunge(user)
    sign_in(app, client, user)
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def patient_id(app, email: str) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).where(User.email == email)).scalar_one()


def rows(soup: BeautifulSoup, table_id: str) -> list[list[str]]:
    table = soup.find("table", id=table_id)
    assert table is not None, table_id
    return [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])]
            for tr in table.tbody.find_all("tr")]


def test_it_shows_recovery_rates_per_step_and_per_therapist(demo):
    soup = page(demo, "admin@demo.stepcare.dk", "/admin/outcomes")
    by_step = rows(soup, "by-step")
    by_therapist = rows(soup, "by-therapist")
    steps = {row[0] for row in by_step if not row[1].startswith("0")}
    assert {re.search(r"\d", step).group() for step in steps} >= {"1", "2", "3"}, by_step
    assert len(by_therapist) == 3
    recovery = [row[6] for row in by_step + by_therapist if row[1] != "0"]
    assert all(re.match(r"\d+%", rate) for rate in recovery), recovery


def test_it_has_discharged_episodes_with_a_dropout(demo):
    soup = page(demo, "admin@demo.stepcare.dk", "/admin/outcomes")
    totals = soup.find(id="outcome-totals")
    assert int(totals.find(attrs={"data-figure": "discharged"}).get_text()) >= 7
    assert int(totals.find(attrs={"data-figure": "recovered"}).get_text()) >= 4


def test_it_has_every_step_on_the_caseloads(demo):
    steps = set()
    for therapist in ("mette", "jonas", "amira"):
        soup = page(demo, f"{therapist}@demo.stepcare.dk", "/caseload")
        steps |= {td.get_text(strip=True) for td in soup.select("table.caseload td")
                  if td.get("data-label") in ("Step", "Trin")}
    assert steps >= {"1", "2", "3", "4"}


def test_it_has_homework_awaiting_feedback(demo):
    soup = page(demo, "mette@demo.stepcare.dk", "/homework")
    assert soup.select("table tbody tr")


def test_it_has_homework_with_feedback_given(demo):
    soup = page(demo, "jonas@demo.stepcare.dk",
                f"/patients/{patient_id(demo, 'maria@demo.stepcare.dk')}")
    homework = [a.parent.get_text(" ", strip=True) for a in soup.select("a[href^='/homework/']")]
    assert any(s.endswith(("answered", "besvaret")) for s in homework), homework


def test_it_has_clinician_notes(demo):
    soup = page(demo, "mette@demo.stepcare.dk",
                f"/patients/{patient_id(demo, 'rikke@demo.stepcare.dk')}")
    notes = soup.select("#notes article.note .note-body")
    assert len(notes) >= 2 and "aktivitetsplan" in notes[0].get_text()


def test_it_has_completed_modules(demo):
    soup = page(demo, "maria@demo.stepcare.dk", "/programmes")
    link = soup.select_one("a[href^='/programmes/']")
    soup = page(demo, "maria@demo.stepcare.dk", link["href"])
    assert len(soup.select(".badge.band-minimal")) >= 3


def test_it_has_diary_entries_in_the_patients_language(demo):
    soup = page(demo, "rikke@demo.stepcare.dk", "/diary")
    text = soup.select_one("table.data-table").get_text(" ", strip=True)
    assert soup.select("table.data-table tbody tr") and "gåtur" in text.lower()


def test_it_has_unread_messages_both_ways(demo):
    inbox = page(demo, "mette@demo.stepcare.dk", "/inbox")
    assert [row for row in inbox.select("table tbody tr")
            if row.select("td")[1].get_text(strip=True).isdigit()]
    home = page(demo, "daniel@demo.stepcare.dk", "/")
    assert home.find(string=re.compile("new message from your therapist"))


def test_it_has_an_open_alert_with_a_safety_plan(demo):
    alerts = page(demo, "mette@demo.stepcare.dk", "/alerts")
    assert alerts.select("table tbody tr")
    plan = page(demo, "mikkel@demo.stepcare.dk", "/safety-plan")
    assert plan.find(string=re.compile("Louise"))


def test_it_has_a_referral_letter_sent(demo):
    soup = page(demo, "henrik@demo.stepcare.dk", "/account/access-log")
    assert soup.find(string=re.compile("henvisning|referral letter", re.I))


def test_it_shows_henriks_referral_delivered_as_a_fhir_message(demo):
    from interop.referral.models import ReferralMessage

    henrik = patient_id(demo, "henrik@demo.stepcare.dk")
    with demo.app_context():
        sent = db.session.execute(db.select(ReferralMessage)).scalar_one()
        therapist = db.session.get(User, sent.author_id).email
    soup = page(demo, therapist, f"/patients/{henrik}")
    shown = soup.select_one("#referral-messages .referral-send")
    assert shown["data-delivered"] == "yes" and "Odense Universitetshospital" in shown.text
    receivers = rows(page(demo, "admin@demo.stepcare.dk", "/admin/fhir-receivers"), "receivers")
    assert len(receivers) == 4


def test_it_prints_a_login_for_each_state(demo):
    for email in ("rikke@", "louise@", "henrik@", "pia@", "lene@", "mikkel@", "anna@"):
        assert email in demo.demo_output


def test_it_has_a_patient_not_on_track_at_week_4(demo):
    soup = page(demo, "mette@demo.stepcare.dk",
                f"/patients/{patient_id(demo, 'rikke@demo.stepcare.dk')}")
    alerts = [a.strong.get_text(strip=True) for a in soup.select(".clinical-alert")]
    assert any(a.startswith(("Not on track", "Ikke på rette spor")) for a in alerts), alerts


def test_it_has_a_reliable_deterioration(demo):
    soup = page(demo, "amira@demo.stepcare.dk",
                f"/patients/{patient_id(demo, 'louise@demo.stepcare.dk')}")
    alerts = [a.strong.get_text(strip=True) for a in soup.select(".clinical-alert")]
    wanted = ("Reliable deterioration", "Pålidelig forværring")
    assert any(a.startswith(wanted) for a in alerts), alerts


def test_it_has_a_change_of_email_address_waiting_for_its_link(demo):
    pending = page(demo, "ahmed@demo.stepcare.dk", "/account").find(id="pending-email")
    assert pending is not None and "ahmed.khan@example.org" in pending.get_text()
    assert pending.find("button").get_text(strip=True) == "Cancel the change"


def test_it_shows_the_regions_record_system_on_a_patients_access_log(demo):
    soup = page(demo, "rikke@demo.stepcare.dk", "/account/access-log")
    who = [cells[1] for cells in rows(soup, "access-log")]
    assert any(w.startswith("Region Midtjylland EPJ (") for w in who), who


@pytest.mark.parametrize("email", ["maria@demo.stepcare.dk", "anna@demo.stepcare.dk",
                                   "pia@demo.stepcare.dk"])
def test_it_lets_each_demo_patient_download_their_data(demo, email):
    from fhir.resources.R4B.bundle import Bundle

    from tests.helpers import post_form

    soup = page(demo, email, "/account")
    assert soup.select_one("#your-data a")["href"] == "/account/export"
    client = demo.test_client()
    with demo.app_context():
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
        db.session.expunge(user)
    sign_in(demo, client, user)
    for fmt in ("fhir", "html"):
        response = post_form(client, "/account/export",
                             {"format": fmt, "password": "stepcare-demo-2026"})
        assert "attachment" in response.headers.get("Content-Disposition", ""), fmt
    bundle = Bundle.model_validate_json(
        post_form(client, "/account/export", {"format": "fhir",
                                              "password": "stepcare-demo-2026"}).data)
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "QuestionnaireResponse", "Observation", "AuditEvent"} <= kinds


def test_it_shows_annas_choice_of_reminders_by_email_and_notification(demo):
    demo.config.update(VAPID_PRIVATE_KEY="demo", VAPID_PUBLIC_KEY="BDemo",
                       VAPID_SUBJECT="mailto:clinic@example.com")
    try:
        account = page(demo, "anna@demo.stepcare.dk", "/account")
    finally:
        demo.config.update(VAPID_PRIVATE_KEY="", VAPID_PUBLIC_KEY="", VAPID_SUBJECT="")
    assert account.select_one("#push input[name=channel][value=both]").has_attr("checked")


def test_it_shows_a_completed_vr_exposure_session_on_a_record(demo):
    from programmes.models import VrSession
    with demo.app_context():
        session = db.session.execute(db.select(VrSession)).scalar_one()
        assert session.ended_at is not None and session.highest_level == 5
        patient = session.patient_id
    soup = page(demo, "admin@demo.stepcare.dk", f"/patients/{patient}")
    panel = soup.select_one("section.vr-record")
    assert panel is not None and panel.select_one("svg.chart polyline") is not None


def test_it_shows_the_therapists_vr_feedback_and_assigned_scenes(demo):
    from programmes.models import VrAssignment, VrSession
    with demo.app_context():
        session = db.session.execute(db.select(VrSession)).scalar_one()
        assert session.feedback and session.feedback_at > session.ended_at
        scenes = db.session.execute(db.select(VrAssignment.scene, VrAssignment.start_level)
                                    .where(VrAssignment.patient_id == session.patient_id)).all()
        assert sorted(scenes) == [("crowd", 1), ("heights", 3)]
        patient = db.session.get(User, session.patient_id)
        email, language, feedback = patient.email, patient.language, session.feedback
    assert ("10. sal" if language == "da" else "10th floor") in feedback
    record = page(demo, "admin@demo.stepcare.dk", f"/patients/{session.patient_id}")
    assert feedback in record.select_one("section.vr-record").get_text(" ", strip=True)
    module = page(demo, email, "/programmes/anxiety/exposure")
    assert module.select_one("#block-vr-heights .vr-assigned") is not None
    assert feedback in module.select_one(".vr-feedback").get_text(" ", strip=True)


def test_it_stores_the_caseload_facts_of_every_demo_patient(demo):
    from app.caseload import projection
    from app.caseload.models import StoredFacts

    with demo.test_request_context():
        assert db.session.execute(db.select(db.func.count()).select_from(StoredFacts)
                                  ).scalar_one() > 0
        assert projection.differences() == []
