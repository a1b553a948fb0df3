"""The therapist confirms or overrides the recommended step, which enrols the patient."""

import ast
from pathlib import Path

from app.accounts.models import User
from app.caseload.models import CareAssignment, StepAssignment
from app.db import db
from app.signals import step_assigned
from screening.models import Screening, ScreeningStatus
from tests.conftest import complete_screening
from tests.helpers import post_form, sign_in


def new_patient(app, name="Nina Nobody") -> int:
    with app.app_context():
        patient = User(email=f"{name.split()[0].lower()}@example.com", name=name,
                       role="patient", password_hash="x", language="en")
        db.session.add(patient)
        db.session.commit()
        return patient.id


def screening_of(app, screening_id) -> Screening:
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        db.session.expunge(screening)
        return screening


def current_step(app, patient_id) -> int | None:
    with app.app_context():
        return db.session.execute(
            db.select(StepAssignment.step).where(StepAssignment.patient_id == patient_id,
                                                 StepAssignment.ended_at.is_(None))
        ).scalar_one_or_none()


def test_it_lists_a_patients_screening_for_their_therapist(app, client, screened):
    sign_in(app, client, screened.theo)
    assert "Alice Andersen" in client.get("/screening/reviews").get_data(as_text=True)


def test_it_hides_it_from_an_unrelated_therapist(app, client, screened):
    sign_in(app, client, screened.una)
    assert "Alice Andersen" not in client.get("/screening/reviews").get_data(as_text=True)


def test_it_shows_unassigned_patients_to_the_therapists_on_duty_only(app, client, personas):
    patient_id = new_patient(app)
    with app.app_context():
        complete_screening(patient_id)
    sign_in(app, client, personas.una)
    assert "Nina Nobody" not in client.get("/screening/reviews").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, personas.una.id).on_duty = True
        db.session.commit()
    assert "Nina Nobody" in client.get("/screening/reviews").get_data(as_text=True)


def test_it_shows_the_rules_that_matched_and_the_answers(app, client, screened):
    sign_in(app, client, screened.theo)
    page = client.get(f"/screening/reviews/{screened.alice_screening}").get_data(as_text=True)
    assert "mild_to_moderate" in page and "Low mood and poor sleep" in page


def test_it_confirms_the_recommended_step_and_enrols_the_patient(app, client, screened):
    received = []
    step_assigned.connect(lambda sender, **kw: received.append(kw["change"].step), weak=False)
    sign_in(app, client, screened.theo)
    url = f"/screening/reviews/{screened.alice_screening}"
    response = post_form(client, url, {"step": "2", "therapist_id": str(screened.theo.id)})
    assert response.status_code == 302
    assert current_step(app, screened.alice.id) == 2
    screening = screening_of(app, screened.alice_screening)
    assert screening.status == ScreeningStatus.REVIEWED and not screening.is_overridden
    assert received[-1] == 2


def test_it_requires_a_reason_to_override_the_recommendation(app, client, screened):
    sign_in(app, client, screened.theo)
    url = f"/screening/reviews/{screened.alice_screening}"
    response = post_form(client, url, {"step": "3", "therapist_id": str(screened.theo.id)})
    assert "Give a reason" in response.get_data(as_text=True)
    assert current_step(app, screened.alice.id) is None


def test_it_keeps_the_override_reason(app, client, screened):
    sign_in(app, client, screened.theo)
    url = f"/screening/reviews/{screened.alice_screening}"
    post_form(client, url, {"step": "3", "therapist_id": str(screened.theo.id),
                            "reason": "Prefers to talk; writing is hard for her."})
    screening = screening_of(app, screened.alice_screening)
    assert screening.confirmed_step == 3 and screening.is_overridden
    assert screening.override_reason == "Prefers to talk; writing is hard for her."


def test_it_assigns_the_chosen_therapist_to_an_unassigned_patient(app, client, personas):
    patient_id = new_patient(app)
    with app.app_context():
        screening_id = complete_screening(patient_id)
        db.session.get(User, personas.una.id).on_duty = True
        db.session.commit()
    sign_in(app, client, personas.una)
    post_form(client, f"/screening/reviews/{screening_id}",
              {"step": "2", "therapist_id": str(personas.una.id)})
    with app.app_context():
        assert db.session.execute(
            db.select(CareAssignment.therapist_id).where(CareAssignment.patient_id == patient_id)
        ).scalar_one() == personas.una.id


def test_it_needs_a_therapist_for_step_2(app, client, screened):
    sign_in(app, client, screened.ada)
    response = post_form(client, f"/screening/reviews/{screened.alice_screening}",
                         {"step": "2", "therapist_id": "0"})
    assert "Steps 2 and 3 need a therapist." in response.get_data(as_text=True)


def test_it_ignores_a_repeated_confirmation(app, client, screened):
    sign_in(app, client, screened.theo)
    url = f"/screening/reviews/{screened.alice_screening}"
    data = {"step": "2", "therapist_id": str(screened.theo.id)}
    post_form(client, url, data)
    post_form(client, url, data)
    with app.app_context():
        count = db.session.execute(db.select(db.func.count()).select_from(StepAssignment))
        assert count.scalar_one() == 1


def test_it_tells_the_patient_the_confirmed_step(app, client, screened):
    therapist = app.test_client()
    sign_in(app, therapist, screened.theo)
    post_form(therapist, f"/screening/reviews/{screened.alice_screening}",
              {"step": "2", "therapist_id": str(screened.theo.id)})
    sign_in(app, client, screened.alice)
    assert "Guided online programme" in client.get("/home").get_data(as_text=True)
    page = client.get("/screening/result").get_data(as_text=True)
    assert "Your step of care: Guided online programme" in page


def test_it_keeps_screening_free_of_other_domains():
    root = Path(__file__).resolve().parents[2] / "screening"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("programmes", "video")), f"{path.name}: {name}"
