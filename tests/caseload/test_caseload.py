"""The therapist workspace: caseload, patient record, messaging, alerts, step changes."""

from datetime import timedelta

import time_machine

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.caseload.models import (
    CareAssignment,
    ClinicalAlert,
    ClinicianNote,
    Disclosure,
    StepAssignment,
)
from app.caseload.operations import set_step
from app.db import db, utcnow
from screening import operations as screening
from tests.conftest import complete_screening, gad7_page, phq9_page
from tests.helpers import parsed, post_form, queries_for, sign_in


def add_patient(app, name, therapist_id, *, step=2, phq9=None):
    with app.app_context():
        patient = User(email=f"{name.replace(' ', '.').lower()}@example.com", name=name,
                       role="patient", password_hash="x", language="en")
        db.session.add(patient)
        db.session.flush()
        db.session.add(CareAssignment(patient_id=patient.id, therapist_id=therapist_id))
        db.session.commit()
        complete_screening(patient.id, phq9=phq9)
        set_step(db.session.get(User, patient.id), step, by=None,
                 context={"phq9_total": 12, "gad7_total": 7})
        db.session.commit()
        return patient.id


def weekly(app, patient_id, phq9_values, token):
    with app.app_context():
        patient = db.session.get(User, patient_id)
        screening.record_weekly(patient, {"phq9": phq9_page(phq9_values), "gad7": gad7_page()},
                                token)
        db.session.commit()


# --- caseload -------------------------------------------------------------------------------


def test_it_lists_the_patients_in_triage_order(app, client, personas):
    calm = add_patient(app, "Carl Calm", personas.theo.id)
    weekly(app, calm, (0, 1, 0, 1, 0, 1, 0, 1, 0), "w1")  # improving, active
    worse = add_patient(app, "Willa Worse", personas.theo.id)
    weekly(app, worse, (3, 3, 3, 3, 3, 2, 2, 2, 0), "w1")  # PHQ-9 10 -> 21
    risky = add_patient(app, "Rita Risk", personas.theo.id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 1))
    sign_in(app, client, personas.theo)
    page = client.get("/caseload").get_data(as_text=True)
    order = [page.index(name) for name in ("Rita Risk", "Willa Worse", "Carl Calm")]
    assert order == sorted(order)
    del risky


def test_it_shows_scores_with_bands_and_change(app, client, personas):
    patient = add_patient(app, "Willa Worse", personas.theo.id)
    weekly(app, patient, (3, 3, 3, 3, 3, 2, 2, 2, 0), "w1")
    sign_in(app, client, personas.theo)
    page = client.get("/caseload").get_data(as_text=True)
    assert [b.get_text(strip=True) for b in parsed(page).select(".badge.band-severe")] == ["21"]
    assert "+11" in page
    assert "Reliable deterioration" in page


def test_it_filters_the_caseload(app, client, personas):
    add_patient(app, "Stina Step", personas.theo.id, step=1)
    sign_in(app, client, personas.theo)
    page = client.get("/caseload?step=1").get_data(as_text=True)
    assert "Stina Step" in page and "Alice Andersen" not in page


def test_it_ignores_nonsense_filters(app, client, personas):
    sign_in(app, client, personas.theo)
    assert client.get("/caseload?step=banana&only=99&sort=evil").status_code == 200


def test_it_keeps_the_caseload_query_count_flat(app, client, personas):
    sign_in(app, client, personas.theo)
    for n in range(2):
        add_patient(app, f"Pia {n} Patient", personas.theo.id)
    few = queries_for(app, client, "/caseload")
    for n in range(2, 8):
        patient = add_patient(app, f"Pia {n} Patient", personas.theo.id)
        weekly(app, patient, (1, 1, 1, 1, 1, 1, 1, 1, 0), f"w{n}")
    assert queries_for(app, client, "/caseload") == few


# --- the record ------------------------------------------------------------------------------


def test_it_shows_the_outcome_chart_and_table_on_the_record(app, client, screened):
    weekly(app, screened.alice.id, (1, 1, 1, 1, 1, 1, 1, 1, 0), "w1")
    sign_in(app, client, screened.theo)
    page = client.get(f"/patients/{screened.alice.id}").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 2
    assert "Show as a table" in page and "Clinical cut-off" in page


def test_it_keeps_clinician_notes_from_the_patient(app, client, screened):
    sign_in(app, client, screened.theo)
    post_form(client, f"/patients/{screened.alice.id}/notes",
              {"body": "Discussed sleep; plan a fixed wake-up time."},
              token_from=f"/patients/{screened.alice.id}")
    assert "Discussed sleep" in client.get(f"/patients/{screened.alice.id}").get_data(
        as_text=True)
    patient = app.test_client()
    sign_in(app, patient, screened.alice)
    for url in ("/home", "/programmes", "/messages", "/screening/result", "/exercises"):
        assert "Discussed sleep" not in patient.get(url).get_data(as_text=True)


def test_it_refuses_an_empty_note_and_keeps_nothing(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/patients/{screened.alice.id}/notes", {"body": "  "},
                         token_from=f"/patients/{screened.alice.id}")
    assert response.status_code == 422 and "Write the note first." in response.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(ClinicianNote)).first() is None


def test_it_steps_a_patient_up_with_a_reason(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/patients/{screened.alice.id}/step",
                         {"action": "3", "end_reason": "completed",
                          "reason": "No improvement by week 4; prefers talking."},
                         token_from=f"/patients/{screened.alice.id}")
    assert response.status_code == 302
    with app.app_context():
        current = db.session.execute(
            db.select(StepAssignment).where(StepAssignment.patient_id == screened.alice.id,
                                            StepAssignment.ended_at.is_(None))
        ).scalar_one()
        assert (current.step, current.reason) == (3, "No improvement by week 4; prefers "
                                                     "talking.")


def test_it_needs_a_reason_for_a_step_change(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/patients/{screened.alice.id}/step",
                         {"action": "1", "end_reason": "completed", "reason": ""},
                         token_from=f"/patients/{screened.alice.id}")
    assert response.status_code == 422
    assert "Give a reason for the change." in response.get_data(as_text=True)


def test_it_discharges_with_an_end_reason_and_ends_the_programme(app, client, screened):
    with app.app_context():
        set_step(db.session.get(User, screened.alice.id), 2, by=None)
        db.session.commit()
    sign_in(app, client, screened.theo)
    post_form(client, f"/patients/{screened.alice.id}/step",
              {"action": "discharge", "end_reason": "dropped_out", "reason": "No contact."},
              token_from=f"/patients/{screened.alice.id}")
    with app.app_context():
        steps = db.session.execute(
            db.select(StepAssignment).where(StepAssignment.patient_id == screened.alice.id)
        ).scalars().all()
        assert all(s.ended_at for s in steps) and steps[-1].end_reason == "dropped_out"
    patient = app.test_client()
    sign_in(app, patient, screened.alice)
    assert patient.get("/programmes/depression").status_code == 404


def test_it_writes_a_referral_letter_and_records_the_disclosure(app, client, screened):
    sign_in(app, client, screened.theo)
    page = post_form(client, f"/patients/{screened.alice.id}/referral",
                     {"recipient": "Psykiatrisk Akutmodtagelse, Odense",
                      "reason": "Needs face-to-face assessment."}).get_data(as_text=True)
    assert "Referral: Alice Andersen" in page and "PHQ-9" in page
    assert "Needs face-to-face assessment." in page
    with app.app_context():
        disclosure = db.session.execute(db.select(Disclosure)).scalar_one()
        assert disclosure.recipient == "Psykiatrisk Akutmodtagelse, Odense"
        assert disclosure.kind == "referral_letter" and disclosure.patient_id == screened.alice.id
        assert db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "referral_letter", AuditEvent.action == "E")).first()


def test_it_lets_an_admin_read_but_not_change_the_record(app, client, screened):
    sign_in(app, client, screened.ada)
    page = client.get(f"/patients/{screened.alice.id}").get_data(as_text=True)
    assert "Alice Andersen" in page and "Change the step" not in page


# --- clinical alerts --------------------------------------------------------------------------


def alerts_of(app, kind):
    with app.app_context():
        return db.session.execute(
            db.select(ClinicalAlert).where(ClinicalAlert.kind == kind)).scalars().all()


def test_it_alerts_on_reliable_deterioration(app, personas):
    patient = add_patient(app, "Willa Worse", personas.theo.id)
    weekly(app, patient, (3, 3, 3, 3, 3, 2, 2, 2, 0), "w1")
    weekly(app, patient, (3, 3, 3, 3, 3, 2, 2, 2, 0), "w2")
    assert len(alerts_of(app, "deterioration")) == 1


def test_it_alerts_when_step_2_is_not_on_track_by_week_4(app, personas, runner):
    with time_machine.travel("2026-10-01 09:00:00+00:00", tick=False) as clock:
        patient = add_patient(app, "Nils Nochange", personas.theo.id)
        clock.shift(timedelta(weeks=3, days=6))
        weekly(app, patient, (1, 1, 1, 1, 2, 2, 1, 1, 0), "w1")
        assert alerts_of(app, "not_on_track") == []
        clock.shift(timedelta(days=2))
        weekly(app, patient, (1, 1, 1, 1, 2, 2, 1, 1, 0), "w2")
    assert len(alerts_of(app, "not_on_track")) == 1


def test_it_alerts_after_14_quiet_days_and_when_a_risk_alert_is_overdue(app, screened, runner):
    with time_machine.travel(utcnow() + timedelta(days=15), tick=False):
        result = runner.invoke(args=["check-alerts"])
        runner.invoke(args=["check-alerts"])
    assert result.exit_code == 0
    assert len(alerts_of(app, "risk_overdue")) == 1
    assert len(alerts_of(app, "inactive")) == 1  # the fixture's own test alert keeps its key


def test_it_acknowledges_a_clinical_alert_with_an_audit_row(app, client, screened):
    sign_in(app, client, screened.theo)
    post_form(client, f"/clinical-alerts/{screened.alice_clinical_alert}/acknowledge",
              token_from=f"/patients/{screened.alice.id}")
    with app.app_context():
        alert = db.session.get(ClinicalAlert, screened.alice_clinical_alert)
        assert alert.acknowledged_by_id == screened.theo.id
        assert db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "clinical_alert", AuditEvent.action == "U")).first()
