"""Reading and searching Stepcare's records as FHIR resources, with an audit row per read.

Each resource type knows how to parse its id, load its record and map it (interop.fhir).
Searches are scoped to one patient and paged by ``_count`` and ``_offset``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fhir.resources.R4B.resource import Resource
from flask import current_app
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from app.accounts.models import Role, User
from app.audit.models import Action
from app.audit.operations import record, record_many
from app.db import db
from interop import fhir
from interop.api import episodes, identifiers
from interop.api.outcomes import FhirError
from interop.fhir import codes
from screening.instruments import Instrument, load_instrument
from screening.models import QuestionnaireResponse
from screening.scoring import SCORED_INSTRUMENT_IDS

MAX_COUNT = 100
DEFAULT_COUNT = 20
ID_PATTERNS = {
    "Patient": re.compile(r"patient-([0-9]{1,12})"),
    "QuestionnaireResponse": re.compile(r"qr-([0-9]{1,12})"),
    "Observation": re.compile(r"obs-([0-9]{1,12})-total"),
    "EpisodeOfCare": re.compile(r"eoc-([0-9]{1,12})"),
}
# The audit trail's resource type for each FHIR type read (the record behind it).
AUDIT_TYPES = {"Patient": "patient", "QuestionnaireResponse": "questionnaire_response",
               "Observation": "questionnaire_response", "EpisodeOfCare": "care_episode"}
PREFIXES = {"ge": "__ge__", "le": "__le__", "gt": "__gt__", "lt": "__lt__", "eq": "__eq__"}


def _instrument(instrument_id: str) -> Instrument:
    return load_instrument(instrument_id, current_app.config["CONTENT_DIR"])


def _patient(user_pk: int) -> User | None:
    user = db.session.get(User, user_pk)
    return user if user is not None and user.role == Role.PATIENT else None


def _response(pk: int, *, scored: bool) -> QuestionnaireResponse | None:
    response = db.session.get(QuestionnaireResponse, pk)
    if response is None or response.instrument_id not in SCORED_INSTRUMENT_IDS:
        return None
    if scored and response.total is None:
        return None
    return response


def parse_id(resource_type: str, resource_id: str) -> int:
    match = ID_PATTERNS[resource_type].fullmatch(resource_id)
    if match is None:
        raise FhirError(404, f"{resource_type}/{resource_id} is not known")
    return int(match.group(1))


def _read_one(resource_type: str, pk: int) -> tuple[Resource, int] | None:
    """The resource and its patient's id, or None."""
    if resource_type == "Patient":
        user = _patient(pk)
        if user is None:
            return None
        return fhir.patient(user, identifiers.of_patient(user.id)), user.id
    if resource_type == "EpisodeOfCare":
        return episodes.read(pk)
    scored = resource_type == "Observation"
    response = _response(pk, scored=scored)
    if response is None:
        return None
    mapper = fhir.score_observation if scored else fhir.questionnaire_response
    return mapper(response, _instrument(response.instrument_id)), response.patient_id


def read(resource_type: str, resource_id: str) -> Resource:
    """One resource by its id, audited as a read by the client; FhirError 404 if none."""
    pk = parse_id(resource_type, resource_id)
    found = _read_one(resource_type, pk)
    if found is None:
        raise FhirError(404, f"{resource_type}/{resource_id} is not known")
    resource, patient_pk = found
    record(Action.READ, AUDIT_TYPES[resource_type], pk, patient_id=patient_pk)
    return resource


@dataclass(frozen=True)
class Page:
    resources: list[Resource]
    total: int
    offset: int
    count: int


def _date_filter(name: str, value: str) -> tuple[str, datetime]:
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FhirError(400, f"{name}: {value!r} is not [ge|le|gt|lt|eq]YYYY-MM-DD") from None
    # Dates are UTC days: the API's clients are systems, not people in the clinic's zone.
    return prefix, datetime.combine(day, time.min, tzinfo=UTC)


def _apply_date(query: Select, name: str, value: str) -> Select:
    prefix, start = _date_filter(name, value)
    end = start + timedelta(days=1)
    column = QuestionnaireResponse.submitted_at
    conditions = {"ge": column >= start, "gt": column >= end, "le": column < end,
                  "lt": column < start}
    if prefix == "eq":
        return query.where(column >= start, column < end)
    return query.where(conditions[prefix])


def _code_instruments(value: str) -> list[str]:
    """The instruments whose total has this code (``system|code`` or ``code``)."""
    system, _, code = value.rpartition("|")
    found = []
    for instrument_id in SCORED_INSTRUMENT_IDS:
        instrument = _instrument(instrument_id)
        # As interop.fhir.scores codes an Observation: LOINC where the total has a code.
        own = ((codes.LOINC, instrument.loinc_total) if instrument.loinc_total
               else (codes.SCORE_SYSTEM, f"{instrument_id}-total"))
        if own[1] == code and system in ("", own[0]):
            found.append(instrument_id)
    return found


def _questionnaire_instrument(value: str) -> str:
    """The instrument a ``questionnaire`` parameter names: its canonical URL, with or
    without ``|version``, or ``Questionnaire/<id>``."""
    canonical = value.partition("|")[0]
    for instrument_id in SCORED_INSTRUMENT_IDS:
        if canonical in (codes.questionnaire_url(instrument_id),
                         f"Questionnaire/{instrument_id}"):
            return instrument_id
    raise FhirError(400, f"questionnaire: {value!r} is not a questionnaire served here "
                         f"(e.g. {codes.questionnaire_url('phq9')})")


def patient_pk(value: str) -> int:
    reference = value.removeprefix("Patient/")
    return parse_id("Patient", reference) if "-" in reference else _digits(reference)


def _digits(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise FhirError(400, f"patient: {value!r} is not a Patient id")
    return int(value)


def search(resource_type: str, params: dict[str, str], offset: int, count: int) -> Page:
    """A page of one patient's resources of one type, oldest first."""
    if resource_type == "Patient":
        return _patient_page(params, offset, count)
    if "patient" not in params:
        raise FhirError(400, "patient is required: a search covers one patient's records")
    patient = patient_pk(params["patient"])
    if resource_type == "EpisodeOfCare":
        return _episode_page(patient, params.get("status"), offset, count)
    scored = resource_type == "Observation"
    query = db.select(QuestionnaireResponse).where(
        QuestionnaireResponse.patient_id == patient,
        QuestionnaireResponse.instrument_id.in_(SCORED_INSTRUMENT_IDS))
    if scored:
        query = query.where(QuestionnaireResponse.total.is_not(None))
        if "code" in params:
            query = query.where(QuestionnaireResponse.instrument_id.in_(
                _code_instruments(params["code"])))
        if "date" in params:
            query = _apply_date(query, "date", params["date"])
    else:
        if "questionnaire" in params:
            query = query.where(QuestionnaireResponse.instrument_id
                                == _questionnaire_instrument(params["questionnaire"]))
        if "authored" in params:
            query = _apply_date(query, "authored", params["authored"])
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.subquery())).scalar_one()
    if not scored:  # a QuestionnaireResponse carries every answer: one query for them all
        query = query.options(selectinload(QuestionnaireResponse.answers))
    rows = db.session.execute(query.order_by(QuestionnaireResponse.submitted_at,
                                             QuestionnaireResponse.id)
                              .offset(offset).limit(count)).scalars().all()
    mapper: Callable = fhir.score_observation if scored else fhir.questionnaire_response
    resources = [mapper(row, _instrument(row.instrument_id)) for row in rows]
    record_many(Action.READ, "questionnaire_response",
                [(row.id, row.patient_id) for row in rows])
    return Page(resources, total, offset, count)


def _episode_page(patient: int, status: str | None, offset: int, count: int) -> Page:
    # A patient has a handful of courses at most, so they are paged in memory.
    found = episodes.search(patient, status)
    shown = found[offset:offset + count]
    record_many(Action.READ, "care_episode", [(pk, patient) for _, pk in shown])
    return Page([episode for episode, _ in shown], len(found), offset, count)


def _patient_page(params: dict[str, str], offset: int, count: int) -> Page:
    """Patients by national identifier (``system|value`` or ``value``): one, or none."""
    if "identifier" not in params:
        raise FhirError(400, "identifier is required: Patient?identifier=system|value")
    system, bar, value = params["identifier"].rpartition("|")
    if not value:
        raise FhirError(400, "identifier: give system|value, e.g. "
                             f"{codes.CPR}|0101801234")
    pks = identifiers.patients_with(system if bar and system else None, value)
    found = [(pk, user) for pk in pks if (user := _patient(pk)) is not None]
    shown = found[offset:offset + count]
    record_many(Action.READ, "patient", [(pk, pk) for pk, _ in shown])
    return Page([fhir.patient(user, identifiers.of_patient(pk)) for pk, user in shown],
                len(found), offset, count)
