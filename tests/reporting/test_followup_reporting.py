"""Follow-ups in the clinic outcomes (sustained recovery) and in the research export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils
import time_machine
from bs4 import BeautifulSoup

from app.accounts.models import User
from app.caseload import operations as caseload
from app.caseload.models import CareAssignment
from app.db import db
from screening import followup, operations
from screening.models import FollowUp
from tests.conftest import complete_screening, gad7_page, phq9_page
from tests.helpers import sign_in

START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
DISCHARGED = START + timedelta(days=60)
ANSWERED = DISCHARGED + timedelta(days=95)
URL = "/admin/outcomes?start=2026-03-01&end=2026-03-31"


def treat(patient_id: int, therapist_id: int, follow_up_phq9: tuple[int, ...]) -> None:
    """Screened at caseness (PHQ-9 16, GAD-7 7), two contacts, recovered (PHQ-9 4, GAD-7 0)
    at discharge, then the follow-up answered with these PHQ-9 items (GAD-7 0)."""
    with time_machine.travel(START, tick=False):
        complete_screening(patient_id, phq9=(2, 2, 2, 2, 2, 2, 2, 2, 0))
        patient, therapist = db.session.get(User, patient_id), db.session.get(User, therapist_id)
        caseload.set_step(patient, 2, by=therapist, therapist=therapist)
        # The personas are on their therapists' caseloads from today: from the start, here.
        db.session.execute(db.update(CareAssignment).where(
            CareAssignment.patient_id == patient_id).values(assigned_at=START))
        for kind in ("video", "feedback"):
            caseload.record_contact(patient_id, therapist_id, kind)
        db.session.commit()
    with time_machine.travel(START + timedelta(days=30), tick=False):
        operations.record_weekly(patient, {"phq9": phq9_page((1, 1, 1, 1, 0, 0, 0, 0, 0)),
                                           "gad7": gad7_page((0,) * 7)}, f"w{patient_id}")
        db.session.commit()
    with time_machine.travel(DISCHARGED, tick=False):
        caseload.discharge(patient, by=therapist, reason="Goals met", end_reason="completed")
        db.session.commit()
    with time_machine.travel(ANSWERED, tick=False):
        due = followup.due_for(patient)
        followup.complete(due, {"phq9": phq9_page(follow_up_phq9), "gad7": gad7_page((0,) * 7)},
                          f"f{patient_id}")
        db.session.commit()


@pytest.fixture
def followed_up(app, personas):
    """Alice stayed well (PHQ-9 3 at follow-up); Bob relapsed (PHQ-9 12)."""
    with app.app_context():
        treat(personas.alice.id, personas.theo.id, (1, 1, 1, 0, 0, 0, 0, 0, 0))
        treat(personas.bob.id, personas.una.id, (2, 2, 2, 2, 2, 1, 1, 0, 0))
    return personas


def test_it_shows_sustained_recovery_in_the_clinic_outcomes(app, client, followed_up):
    sign_in(app, client, followed_up.ada)
    page = BeautifulSoup(client.get(URL).get_data(as_text=True), "html.parser")
    assert page.select_one('[data-figure="recovered"]').get_text(strip=True) == "2"
    sustained = page.select_one('[data-figure="sustained_recovery"]').get_text(" ", strip=True)
    assert sustained.startswith("1 of 2 ") and "50%" in sustained


def test_it_shows_sustained_recovery_per_therapist(app, client, followed_up):
    sign_in(app, client, followed_up.ada)
    page = BeautifulSoup(client.get(URL).get_data(as_text=True), "html.parser")
    headers = [th.get_text(strip=True) for th in page.select("#by-therapist thead th")]
    column = headers.index("Sustained recovery")
    cells = {row.th.get_text(strip=True): row.find_all(["th", "td"])[column].get_text(strip=True)
             for row in page.select("#by-therapist tbody tr")}
    assert cells["Theo Thomsen"].startswith("1 / 1")
    assert cells["Una Ulriksen"].startswith("0 / 1")


def test_it_exports_the_follow_up_scores_for_research(app, runner, followed_up, tmp_path):
    out = tmp_path / "research.db"
    result = runner.invoke(args=["research-export", str(out), "--recipient", "Study team",
                                 "--purpose", "Study 2026-19: lasting recovery"])
    assert result.exit_code == 0, result.output
    rows = sorted((r["discharge_day"], r["due_day"], r["answered_day"], r["phq9_total"],
                   r["gad7_total"]) for r in sqlite_utils.Database(out)["follow_ups"].rows)
    assert rows == [(60, 151, 155, 3, 0), (60, 151, 155, 12, 0)]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(FollowUp)
                                  ).scalar_one() == 2
