"""The FHIR mapping (interop.fhir): every resource validates, and the codes are clinical.md's.

Data is made through the real operations (screening, caseload, messaging, video), as the
app stores it. Every built resource is checked by a JSON round trip through its own
``fhir.resources.R4B`` model, which re-runs the model's validation.
"""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.audit.queries import patient_access_log
from app.db import db, utcnow
from interop import fhir
from screening.instruments import load_instrument
from screening.models import QuestionnaireResponse
from screening.scoring import score
from tests.conftest import complete_screening, gad7_page, phq9_page

LOINC = "http://loinc.org"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"

# clinical.md, "Codes for FHIR export (LOINC)", copied here by hand on purpose: the test
# compares the content files against the reference, not against themselves.
PHQ9_PANEL, PHQ9_TOTAL = "44249-1", "44261-6"
PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
              "44253-3", "44260-8"]
PHQ9_DIFFICULTY = "69722-7"
GAD7_PANEL, GAD7_TOTAL = "69737-5", "70274-6"
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
LL358_3 = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}

ITEM_CODES = ([("phq9", f"phq9_{n}", code) for n, code in enumerate(PHQ9_ITEMS, start=1)]
              + [("phq9", "phq9_difficulty", PHQ9_DIFFICULTY)]
              + [("gad7", f"gad7_{n}", code) for n, code in enumerate(GAD7_ITEMS, start=1)])
SCORED_ITEMS = [(i, item) for i, item, _ in ITEM_CODES if item != "phq9_difficulty"]


def roundtrip(resource):
    """Validate by parsing the resource's JSON with its own model; returns the JSON dict."""
    document = json.loads(resource.model_dump_json())
    again = type(resource).model_validate(document)
    assert json.loads(again.model_dump_json()) == document
    return document


def instrument(app, instrument_id):
    return load_instrument(instrument_id, app.config["CONTENT_DIR"])


def item_of(document, link_id):
    return next(item for item in document["item"] if item["linkId"] == link_id)


_tokens = count()


def weekly(patient_id, phq9=(1, 1, 1, 1, 1, 1, 1, 1, 0), gad7=(1,) * 7):
    """A weekly PHQ-9 and GAD-7 through screening.operations.record_weekly."""
    from screening import operations

    patient = db.session.get(User, patient_id)
    responses = operations.record_weekly(
        patient, {"phq9": phq9_page(phq9), "gad7": gad7_page(gad7)}, f"t{next(_tokens)}")
    db.session.commit()
    return responses


# --- Questionnaire ---------------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", ["phq9", "gad7", "wsas"])
@pytest.mark.parametrize("language", ["en", "da"])
def test_it_builds_each_scored_instrument_as_a_valid_questionnaire(app, instrument_id,
                                                                  language):
    with app.app_context():
        source = instrument(app, instrument_id)
        document = roundtrip(fhir.questionnaire(source, language))
    assert document["id"] == instrument_id
    assert [item["linkId"] for item in document["item"]] == [i.id for i in source.items]
    assert document["item"][0]["text"] == source.items[0].text.get(language)


@pytest.mark.parametrize(("instrument_id", "panel"), [("phq9", PHQ9_PANEL),
                                                      ("gad7", GAD7_PANEL)])
def test_it_codes_each_questionnaire_with_its_loinc_panel(app, instrument_id, panel):
    with app.app_context():
        document = roundtrip(fhir.questionnaire(instrument(app, instrument_id)))
    assert document["code"] == [{"system": LOINC, "code": panel}]


@pytest.mark.parametrize(("instrument_id", "item_id", "code"), ITEM_CODES)
def test_it_codes_each_item_as_clinical_md_gives(app, instrument_id, item_id, code):
    with app.app_context():
        document = roundtrip(fhir.questionnaire(instrument(app, instrument_id)))
    assert item_of(document, item_id)["code"] == [{"system": LOINC, "code": code}]


@pytest.mark.parametrize(("instrument_id", "item_id"), SCORED_ITEMS)
def test_it_codes_each_scored_answer_with_ll358_3_and_its_ordinal_value(app, instrument_id,
                                                                         item_id):
    with app.app_context():
        document = roundtrip(fhir.questionnaire(instrument(app, instrument_id)))
    codings = [option["valueCoding"] for option in item_of(document, item_id)["answerOption"]]
    assert [(c["system"], c["code"]) for c in codings] == [(LOINC, LL358_3[v]) for v in range(4)]
    assert [c["extension"] for c in codings] == [
        [{"url": ORDINAL, "valueDecimal": v}] for v in range(4)]


def test_it_gives_wsas_answers_stepcares_own_codes_because_loinc_has_none(app):
    with app.app_context():
        document = roundtrip(fhir.questionnaire(instrument(app, "wsas")))
    codings = [o["valueCoding"] for o in document["item"][0]["answerOption"]]
    assert {c["system"] for c in codings} == {"urn:stepcare:answer:wsas"}
    assert [c["code"] for c in codings] == [str(v) for v in range(9)]
    assert [c["extension"][0]["valueDecimal"] for c in codings] == list(range(9))
    assert "code" not in document


def test_it_refuses_to_map_the_unscored_intake(app):
    with app.app_context(), pytest.raises(ValueError, match="intake"):
        fhir.questionnaire(instrument(app, "intake"))


# --- QuestionnaireResponse and Observation ----------------------------------------------------


def test_it_maps_a_weekly_phq9_to_a_response_and_a_total_observation(app, personas):
    with app.app_context():
        phq9, _ = weekly(personas.alice.id, phq9=(2, 2, 2, 2, 2, 1, 1, 0, 0))
        source = instrument(app, "phq9")
        response = roundtrip(fhir.questionnaire_response(phq9, source))
        observation = roundtrip(fhir.score_observation(phq9, source))
    assert response["id"] == f"qr-{phq9.id}"
    assert response["questionnaire"] == "urn:stepcare:questionnaire:phq9|1"
    assert response["subject"] == {"reference": f"Patient/patient-{personas.alice.id}"}
    assert item_of(response, "phq9_1")["answer"][0]["valueCoding"]["code"] == LL358_3[2]
    assert observation["id"] == f"obs-{phq9.id}-total"
    assert observation["code"]["coding"] == [{"system": LOINC, "code": PHQ9_TOTAL}]
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["valueQuantity"] == {"value": 12, "unit": "{score}", "code": "{score}",
                                            "system": "http://unitsofmeasure.org"}
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/qr-{phq9.id}"}]
    assert observation["interpretation"][0]["coding"][0]["code"] == "moderate"
    assert observation["effectiveDateTime"].startswith(phq9.submitted_at.date().isoformat())


def test_it_codes_the_gad7_total_with_its_loinc_code(app, personas):
    with app.app_context():
        _, gad7 = weekly(personas.alice.id)
        observation = roundtrip(fhir.score_observation(gad7, instrument(app, "gad7")))
    assert observation["code"]["coding"] == [{"system": LOINC, "code": GAD7_TOTAL}]


def test_it_maps_a_screenings_wsas_with_stepcares_own_total_code(app, personas):
    with app.app_context():
        complete_screening(personas.alice.id)
        wsas = db.session.execute(db.select(QuestionnaireResponse).filter_by(
            instrument_id="wsas")).scalar_one()
        source = instrument(app, "wsas")
        roundtrip(fhir.questionnaire_response(wsas, source, "da"))
        observation = roundtrip(fhir.score_observation(wsas, source, "da"))
    assert observation["code"]["coding"] == [{"system": "urn:stepcare:score",
                                              "code": "wsas-total"}]
    assert observation["valueQuantity"]["value"] == 15
    assert observation["interpretation"][0]["coding"][0]["code"] == "significant"


ANSWERS = st.tuples(st.lists(st.integers(0, 3), min_size=9, max_size=9),
                    st.lists(st.integers(0, 3), min_size=7, max_size=7))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=ANSWERS, language=st.sampled_from(["en", "da"]),
       who=st.sampled_from(["alice", "bob"]))
def test_it_builds_valid_responses_whose_observation_is_the_scored_total(
        app, personas, answers, language, who):
    phq9_values, gad7_values = answers
    with app.app_context():
        responses = weekly(getattr(personas, who).id, tuple(phq9_values), tuple(gad7_values))
        for response, values in zip(responses, answers, strict=True):
            source = instrument(app, response.instrument_id)
            document = roundtrip(fhir.questionnaire_response(response, source, language))
            observation = roundtrip(fhir.score_observation(response, source, language))
            expected = score(response.instrument_id, values, app.config["CONTENT_DIR"])
            assert observation["valueQuantity"]["value"] == expected.total
            assert observation["interpretation"][0]["coding"][0]["code"] == expected.band
            scored = [item for item in document["item"] if item["linkId"] != "phq9_difficulty"]
            assert [i["answer"][0]["valueCoding"]["code"] for i in scored] == [
                LL358_3[v] for v in values]


# --- people -----------------------------------------------------------------------------------


def test_it_maps_a_patient_with_name_birth_date_and_language_and_no_invented_identifier(
        app, personas):
    with app.app_context():
        document = roundtrip(fhir.patient(db.session.get(User, personas.alice.id)))
    assert document["id"] == f"patient-{personas.alice.id}"
    assert document["name"] == [{"use": "official", "text": "Alice Andersen"}]
    assert document["birthDate"] == "1990-04-01"
    assert document["communication"][0]["language"]["coding"][0]["code"] == "en"
    # Accounts hold no CPR number: no identifier, and no claim to dk-core-patient.
    assert "identifier" not in document
    assert "meta" not in document


def test_it_maps_a_therapist_as_a_practitioner_and_refuses_them_as_a_patient(app, personas):
    with app.app_context():
        theo = db.session.get(User, personas.theo.id)
        document = roundtrip(fhir.practitioner(theo))
        with pytest.raises(ValueError, match="not a patient"):
            fhir.patient(theo)
    assert document["id"] == f"practitioner-{personas.theo.id}"
    assert document["name"][0]["text"] == "Theo Thomsen"


# --- care: episodes, messages, appointments ---------------------------------------------------


def test_it_maps_a_course_of_treatment_with_its_steps_and_starts_a_new_one_after_discharge(
        app, personas):
    from app.caseload import operations as caseload

    with app.app_context():
        alice, theo = (db.session.get(User, personas.alice.id),
                       db.session.get(User, personas.theo.id))
        caseload.set_step(alice, 2, by=theo)
        caseload.set_step(alice, 3, by=theo)
        caseload.discharge(alice, by=theo, reason="Goals met", end_reason="completed")
        caseload.set_step(alice, 1, by=theo)
        db.session.commit()
        first, second = fhir.split_episodes(caseload.step_history(alice))
        finished = roundtrip(fhir.episode_of_care(first, theo))
        active = roundtrip(fhir.episode_of_care(second))
    assert finished["id"] == f"eoc-{first[0].id}"
    assert finished["status"] == "finished"
    assert [t["coding"][0]["code"] for t in finished["type"]] == ["2", "3"]
    assert [h["status"] for h in finished["statusHistory"]] == ["finished", "finished"]
    assert "end" in finished["period"]
    assert finished["careManager"]["reference"] == f"Practitioner/practitioner-{personas.theo.id}"
    assert active["status"] == "active"
    assert [t["coding"][0]["code"] for t in active["type"]] == ["1"]
    assert "end" not in active["period"]


def test_it_maps_messages_both_ways_as_communications(app, personas):
    from app.messaging import operations as messaging

    with app.app_context():
        alice, theo = (db.session.get(User, personas.alice.id),
                       db.session.get(User, personas.theo.id))
        asked = messaging.send(alice, alice, "Can we move Thursday's session?")
        answered = messaging.send(alice, theo, "Yes, Friday at 10 works.")
        db.session.commit()
        question = roundtrip(fhir.communication(asked, alice))
        answer = roundtrip(fhir.communication(answered, alice))
    assert question["id"] == f"msg-{asked.id}"
    assert question["sender"]["reference"] == f"Patient/patient-{personas.alice.id}"
    assert "recipient" not in question
    assert question["payload"] == [{"contentString": "Can we move Thursday's session?"}]
    assert answer["sender"]["reference"] == f"Practitioner/practitioner-{personas.theo.id}"
    assert answer["recipient"] == [{"reference": f"Patient/patient-{personas.alice.id}",
                                    "display": "Alice Andersen"}]


def test_it_refuses_a_message_from_another_patients_thread(app, personas):
    from app.messaging import operations as messaging

    with app.app_context():
        alice, bob = (db.session.get(User, personas.alice.id),
                      db.session.get(User, personas.bob.id))
        message = messaging.send(alice, alice, "Hello")
        with pytest.raises(ValueError, match="not in patient"):
            fhir.communication(message, bob)


def test_it_maps_a_booked_video_appointment(app, personas):
    from video import operations as video

    with app.app_context():
        alice, theo = (db.session.get(User, personas.alice.id),
                       db.session.get(User, personas.theo.id))
        row = video.book(therapist=theo, patient=alice, starts_at=utcnow() + timedelta(days=2),
                         duration_minutes=45, by=theo)
        db.session.commit()
        document = roundtrip(fhir.appointment(row))
    assert document["id"] == f"appt-{row.id}"
    assert document["status"] == "booked"
    assert document["minutesDuration"] == 45
    assert {p["actor"]["reference"] for p in document["participant"]} == {
        f"Patient/patient-{personas.alice.id}", f"Practitioner/practitioner-{personas.theo.id}"}


# --- the access log ---------------------------------------------------------------------------


def test_it_maps_an_access_log_row_as_an_audit_event(app, personas):
    with app.app_context():
        weekly(personas.alice.id)
        row = next(access for access in patient_access_log(personas.alice.id)
                   if access.resource_type == "questionnaire_response")
        document = roundtrip(fhir.audit_event(row))
    assert document["id"] == f"audit-{row.id}"
    assert document["action"] == "C"
    assert document["outcome"] == "0"
    assert document["entity"][0]["what"] == {"reference": f"Patient/patient-{personas.alice.id}"}
    assert document["entity"][1]["what"]["identifier"] == {
        "system": "urn:stepcare:resource:questionnaire_response", "value": row.resource_ids[0]}


def test_it_maps_a_list_view_as_one_audit_event_with_the_patients_lines(app, personas):
    from app.audit.models import Action
    from app.audit.operations import record_many

    with app.test_request_context():
        alice, bob = personas.alice.id, personas.bob.id
        record_many(Action.READ, "questionnaire_response", [(7, alice), (8, bob), (9, alice)])
        db.session.commit()
        [access] = patient_access_log(alice)
        document = roundtrip(fhir.audit_event(access))
    assert [e["what"] for e in document["entity"]] == [
        {"reference": f"Patient/patient-{alice}"},
        *[{"identifier": {"system": "urn:stepcare:resource:questionnaire_response",
                          "value": value}} for value in ("7", "9")]]


def test_it_writes_no_audit_row_itself_the_caller_audits_its_reads(app, personas):
    """Reading patient data for someone is the API's (or the export's) act, so it audits."""
    from app.caseload import operations as caseload
    from app.messaging import operations as messaging
    from video import operations as video

    with app.app_context():
        alice, theo = (db.session.get(User, personas.alice.id),
                       db.session.get(User, personas.theo.id))
        phq9, gad7 = weekly(alice.id)
        caseload.set_step(alice, 2, by=theo)
        message = messaging.send(alice, alice, "A question")
        booked = video.book(therapist=theo, patient=alice, starts_at=utcnow(),
                            duration_minutes=30, by=theo)
        db.session.commit()
        rows = db.session.execute(db.select(AuditEvent)).scalars().all()
        before = len(rows)
        for response in (phq9, gad7):
            source = instrument(app, response.instrument_id)
            fhir.questionnaire_response(response, source)
            fhir.score_observation(response, source)
        fhir.patient(alice)
        fhir.practitioner(theo)
        fhir.episode_of_care(caseload.step_history(alice), theo)
        fhir.communication(message, alice)
        fhir.appointment(booked)
        for access in patient_access_log(alice.id):
            fhir.audit_event(access)
        db.session.commit()
        after = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    assert after == before
