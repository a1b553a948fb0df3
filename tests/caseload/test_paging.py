"""The caseload in pages: the triage order runs on across pages, and only the shown page
is read (audit) and rendered."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.caseload.models import CareAssignment
from app.db import db
from screening.models import RiskAlert
from tests.conftest import complete_screening
from tests.helpers import audited_patients, parsed, queries_for, sign_in


def add_patients(app, therapist_id: int, count: int, start: int = 0) -> list[int]:
    """Patients without any activity: all inactive, so triage orders them by name."""
    ids = []
    with app.app_context():
        for n in range(start, start + count):
            patient = User(email=f"page{n}@example.com", name=f"Paging {n:03d}",
                           role="patient", password_hash="x", language="en")
            db.session.add(patient)
            db.session.flush()
            db.session.add(CareAssignment(patient_id=patient.id, therapist_id=therapist_id))
            ids.append(patient.id)
        db.session.commit()
    return ids


def names_on(client, url: str) -> list[str]:
    page = parsed(client.get(url))
    return [th.get_text(strip=True) for th in page.select("table.caseload tbody th")]


def nav(client, url: str):
    return parsed(client.get(url)).select_one("nav.pagination")


@pytest.fixture
def paged(app, client, personas):
    """Theo with Alice, a patient with a risk alert and 12 inactive ones, 5 to a page."""
    add_patients(app, personas.theo.id, 12)
    with app.app_context():
        complete_screening(personas.alice.id, phq9=(2, 2, 1, 1, 1, 1, 1, 1, 1))
    app.config["CASELOAD_PAGE_SIZE"] = 5
    sign_in(app, client, personas.theo)
    return personas


def test_it_continues_the_triage_order_across_pages(app, client, paged):
    pages = [names_on(client, f"/caseload?page={n}") for n in (1, 2, 3)]
    app.config["CASELOAD_PAGE_SIZE"] = 100
    whole = names_on(client, "/caseload")
    assert [len(p) for p in pages] == [5, 5, 3]
    assert pages[0] + pages[1] + pages[2] == whole
    assert whole[0] == "Alice Andersen"  # her risk alert comes first


def test_it_moves_a_patient_with_a_new_risk_alert_to_page_1(app, client, paged):
    last = names_on(client, "/caseload?page=3")[-1]
    with app.app_context():
        patient = db.session.execute(db.select(User).where(User.name == last)).scalar_one()
        complete_screening(patient.id, phq9=(0, 0, 0, 0, 0, 0, 0, 0, 2))
        assert db.session.execute(db.select(RiskAlert).where(
            RiskAlert.patient_id == patient.id)).scalar_one()
    assert last in names_on(client, "/caseload?page=1")[:2]
    assert last not in names_on(client, "/caseload?page=3")


def test_it_uses_the_page_size_setting(app, client, paged):
    app.config["CASELOAD_PAGE_SIZE"] = 4
    assert len(names_on(client, "/caseload")) == 4
    assert nav(client, "/caseload").select_one("p").get_text(strip=True) == "Page 1 of 4"


def test_it_defaults_to_25_patients_a_page(app, client, personas):
    add_patients(app, personas.theo.id, 26)
    sign_in(app, client, personas.theo)
    assert len(names_on(client, "/caseload")) == 25
    assert len(names_on(client, "/caseload?page=2")) == 2


def test_it_marks_the_current_page_and_links_previous_and_next(app, client, paged):
    links = nav(client, "/caseload?page=2&step=&sort=name")
    assert links["aria-label"] == "Caseload pages"
    assert links.select_one("[aria-current=page]").get_text(strip=True) == "2"
    assert links.select_one("a[rel=prev]").get_text(strip=True) == "Previous"
    assert links.select_one("a[rel=next]")["href"] == "/caseload?page=3&sort=name"
    assert links.select_one("p").get_text(strip=True) == "Page 2 of 3"


def test_it_has_no_previous_on_the_first_page_nor_next_on_the_last(app, client, paged):
    assert nav(client, "/caseload").select_one("a[rel=prev]") is None
    assert nav(client, "/caseload?page=3").select_one("a[rel=next]") is None


@pytest.mark.parametrize("asked, shown", [("0", 1), ("-1", 1), ("x", 1), ("", 1),
                                          ("99", 3), ("99999999999999999999", 3)])
def test_it_clamps_a_bad_page_number(app, client, paged, asked, shown):
    response = client.get(f"/caseload?page={asked}")
    assert response.status_code == 200
    current = parsed(response).select_one("nav.pagination [aria-current=page]")
    assert current.get_text(strip=True) == str(shown)


def test_it_audits_only_the_patients_on_the_shown_page(app, client, paged):
    with app.app_context():
        before = db.session.execute(db.select(db.func.max(AuditEvent.id))).scalar() or 0
    shown = names_on(client, "/caseload?page=2")
    with app.app_context():
        ids = audited_patients("caseload_row", after_id=before)
        audited = db.session.execute(
            db.select(User.name).where(User.id.in_(ids))).scalars().all()
    assert sorted(audited) == sorted(shown) and len(audited) == 5


def test_it_keeps_the_query_count_flat_with_30_or_60_patients(app, client, personas):
    sign_in(app, client, personas.theo)
    add_patients(app, personas.theo.id, 30)
    few = queries_for(app, client, "/caseload?page=2")
    add_patients(app, personas.theo.id, 30, start=30)
    assert queries_for(app, client, "/caseload?page=2") == few
