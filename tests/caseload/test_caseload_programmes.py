"""The caseload's programme facts: read in a few light queries, and the same as the
programme pages compute from the full records."""

from bs4 import BeautifulSoup
from flask_babel import force_locale

from app.accounts.models import User
from app.db import db
from programmes import operations
from programmes.caseload import facts as programme_facts
from programmes.models import ModuleRecord
from tests.caseload.test_caseload import add_patient
from tests.helpers import sign_in


def _enrolment(patient_id):
    return operations.active_enrolments(db.session.get(User, patient_id))[0]


def _from_records(patient_id, lang):
    """What the programme pages show, computed from the ORM records."""
    enrolment = _enrolment(patient_id)
    following = operations.next_module(enrolment)
    return {"programme": enrolment.programme.text("title", lang),
            "module": following.text("title", lang) if following else None,
            "modules_done": operations.progress_fraction(enrolment)}


def _from_caseload(app, patient_id, lang):
    with app.test_request_context(), force_locale(lang):
        found = programme_facts(None, patient_ids=[patient_id]).by_patient[patient_id]
    return {key: getattr(found, key) for key in ("programme", "module", "modules_done")}


def test_it_shows_the_programme_and_next_module_on_the_caseload(app, client, personas):
    patient_id = add_patient(app, "Petra Programme", personas.theo.id)
    with app.app_context():
        expected = _from_records(patient_id, "en")
    sign_in(app, client, personas.theo)
    page = client.get("/caseload").get_data(as_text=True)
    assert expected["programme"] in page and expected["module"] in page


def test_it_agrees_with_the_programme_pages_as_modules_open_and_close(app, personas):
    patient_id = add_patient(app, "Petra Programme", personas.theo.id)
    with app.app_context():
        enrolment = _enrolment(patient_id)
        modules = enrolment.programme.current_modules
        theo = db.session.get(User, personas.theo.id)
        steps = [lambda: None,
                 lambda: operations.complete_module(enrolment, modules[0]),
                 lambda: operations.unlock_module(enrolment, modules[3], theo),
                 lambda: operations.complete_module(enrolment, modules[3])]
        for step in steps:
            step()
            for lang in ("en", "da"):
                assert _from_caseload(app, patient_id, lang) == _from_records(patient_id, lang)
        assert _from_caseload(app, patient_id, "en")["modules_done"][0] == 2


def test_it_says_so_when_every_open_module_is_done(app, personas):
    patient_id = add_patient(app, "Petra Programme", personas.theo.id)
    with app.app_context():
        enrolment = _enrolment(patient_id)
        for module in enrolment.programme.current_modules:
            operations.complete_module(enrolment, module)
        found = _from_caseload(app, patient_id, "en")
        assert found["module"] is None
        assert found == _from_records(patient_id, "en")


def test_it_falls_back_to_the_contents_own_language_for_a_title(app, personas):
    patient_id = add_patient(app, "Petra Programme", personas.theo.id)
    with app.app_context():
        first = _enrolment(patient_id).programme.current_modules[0]
        module = db.session.get(ModuleRecord, first.id)
        module.texts = {"en": module.texts["en"]}  # content written in English only
        # Flushed, never committed: content tables are shared by every test on PostgreSQL.
        db.session.flush()
        try:
            found = _from_caseload(app, patient_id, "da")
            assert found["module"] == module.texts["en"]["title"]
            assert found == _from_records(patient_id, "da")
        finally:
            db.session.rollback()


def test_it_says_a_step_3_patient_is_in_video_treatment(app, client, personas):
    add_patient(app, "Vera Video", personas.theo.id, step=3)
    sign_in(app, client, personas.theo)
    soup = BeautifulSoup(client.get("/caseload").get_data(as_text=True), "html.parser")
    row = next(tr for tr in soup.select("tbody tr") if "Vera Video" in tr.get_text())
    cell = row.find("td", attrs={"data-label": "Programme"})
    assert cell.get_text(strip=True) == "Video treatment"
