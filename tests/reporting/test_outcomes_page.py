"""The admin's outcomes page and its query layer, on the hand-computed clinic (clinic.py)."""

from __future__ import annotations

import re

import pytest

from app.audit.models import AuditEvent
from app.db import db
from reporting.outcomes import discharged_episodes, report
from reporting.outcomes_query import clinic_report
from tests.helpers import queries_for, sign_in
from tests.reporting import clinic
from tests.reporting.seed import seed_clinic

URL = "/admin/outcomes?start=2026-01-01&end=2026-03-31"
ZONE = "Europe/Copenhagen"


@pytest.fixture
def seeded(app, personas, persona_password_hash):
    with app.app_context():
        return seed_clinic(persona_password_hash)


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)', page)
    assert match, name
    return match.group(1).strip()


def test_it_loads_the_same_figures_as_the_pure_calculation(app, seeded):
    expected = report(discharged_episodes(clinic.STEPS, clinic.MEASURES, clinic.CONTACTS,
                                          clinic.SPELLS, since=clinic.SINCE, until=clinic.UNTIL),
                      start=clinic.START, end=clinic.END)
    with app.app_context():
        loaded, _names = clinic_report(clinic.START, clinic.END, ZONE)
    assert (loaded.by_step, loaded.by_therapist[seeded[clinic.T1]]) == (
        expected.by_step, expected.by_therapist[clinic.T1])


def test_it_counts_screenings_sent_in_the_range_as_referrals(app, seeded):
    # Baselines sent 2-8 January by patients 3-10; 1, 2 and 8's first are from 2025.
    with app.app_context():
        assert clinic_report(clinic.START, clinic.END, ZONE)[0].totals.referrals == 8


def test_it_names_the_therapists(app, seeded):
    with app.app_context():
        _report, names = clinic_report(clinic.START, clinic.END, ZONE)
    assert names[seeded[clinic.T2]] == f"Therapist {clinic.T2}"


def test_it_shows_the_totals(app, client, personas, seeded):
    sign_in(app, client, personas.ada)
    page = client.get(URL).get_data(as_text=True)
    assert [figure(page, name) for name in ("referrals", "discharged", "finished_treatment",
                                            "caseness_at_start", "recovered")] == [
        "8", "8", "6", "4", "2"]


def test_it_shows_the_recovery_rate_beside_the_national_target(app, client, personas, seeded):
    sign_in(app, client, personas.ada)
    page = client.get(URL).get_data(as_text=True)
    assert figure(page, "recovery_rate").startswith("50%") and "at or above target" in page
    assert "national target: 50%" in page


def test_it_shows_every_therapist_and_the_episodes_without_one(app, client, personas, seeded):
    sign_in(app, client, personas.ada)
    page = client.get(URL).get_data(as_text=True)
    assert all(text in page for text in ("Therapist 101", "Therapist 102", "No therapist"))


def test_it_shows_every_step(app, client, personas, seeded):
    sign_in(app, client, personas.ada)
    page = client.get(URL).get_data(as_text=True)
    assert all(f"Step {step}:" in page for step in (1, 2, 3, 4))


def test_it_explains_how_the_figures_are_computed(app, client, personas):
    sign_in(app, client, personas.ada)
    assert "How these are computed" in client.get(URL).get_data(as_text=True)


def test_it_writes_one_audit_row_and_none_per_patient(app, client, personas, seeded):
    sign_in(app, client, personas.ada)
    client.get(URL)
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent.resource_type, AuditEvent.patient_id)
                                  .where(AuditEvent.actor_id == personas.ada.id)).all()
    assert rows == [("outcomes_report", None)]


def test_it_uses_a_constant_number_of_queries(app, client, personas, persona_password_hash):
    sign_in(app, client, personas.ada)
    with app.app_context():
        seed_clinic(persona_password_hash)
    one = queries_for(app, client, URL)
    with app.app_context():
        seed_clinic(persona_password_hash, prefix="more-")
    assert queries_for(app, client, URL) == one


def test_it_defaults_to_the_last_twelve_months(app, client, personas):
    sign_in(app, client, personas.ada)
    response = client.get("/admin/outcomes")
    assert response.status_code == 200 and 'data-figure="discharged">0' in response.get_data(
        as_text=True)


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-02-30&end=2026-03-31", "Enter the date as YYYY-MM-DD"),
    ("start=yesterday", "Enter the date as YYYY-MM-DD"),
    ("start=0001-01-01&end=0001-01-02", "Enter a date between 2000 and 2099"),
    ("start=9999-12-30&end=9999-12-31", "Enter a date between 2000 and 2099"),
    ("start=2026-03-31&end=2026-01-01", "The end date must be on or after the start date"),
    ("start=2020-01-01&end=2026-01-01", "Choose a range shorter than 5 years"),
])
def test_it_explains_a_bad_range_without_failing(app, client, personas, query, message):
    sign_in(app, client, personas.ada)
    response = client.get(f"/admin/outcomes?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "data-figure" not in page


def test_it_refuses_a_nul_in_the_range_with_a_clear_message(app, client, personas):
    # Every route refuses a NUL before the view runs (app.security; issue 13, finding 12f).
    sign_in(app, client, personas.ada)
    response = client.get("/admin/outcomes?start=2026-01-01&end=%00")
    assert response.status_code == 400
    assert "invisible NUL character" in response.get_data(as_text=True)


def test_it_links_the_page_for_admins(app, client, personas):
    sign_in(app, client, personas.ada)
    assert 'href="/admin/outcomes"' in client.get("/account").get_data(as_text=True)
