"""The patient's own writing in the programmes: mood diary entries and exercise answers.

A diary entry is a measurement the patient makes of themself (mood 0-10, with an optional
note): an Observation. An exercise answer is the patient filling in a form in a module (a
worksheet's fields, a homework text): a QuestionnaireResponse whose items are the block's
fields. Neither has a standard code, so both use Stepcare's URNs (docs/fhir.md).
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)

from interop.fhir import codes
from interop.fhir.people import patient_ref
from programmes.models import ExerciseAnswer, MoodEntry


def mood_observation(entry: MoodEntry) -> Observation:
    """One day of the mood diary: the mood (0-10) as an integer, the note as an Annotation."""
    return Observation(
        id=codes.mood_id(entry.id),
        status="final",
        category=[CodeableConcept(coding=[Coding(
            system=codes.OBSERVATION_CATEGORY, code="survey", display="Survey")])],
        code=CodeableConcept(coding=[Coding(system=codes.DIARY_SYSTEM, code="mood",
                                            display="Mood (0-10)")], text="Mood (0-10)"),
        subject=patient_ref(entry.patient_id),
        performer=[patient_ref(entry.patient_id)],
        # A diary entry is for a day, and a FHIR dateTime may be a bare date; the model's
        # type hint names only datetime (a midnight would claim a time that was not kept).
        effectiveDateTime=entry.day.isoformat(),  # type: ignore[arg-type]
        issued=entry.updated_at,
        valueInteger=entry.mood,
        note=[Annotation(text=entry.note)] if entry.note else None,
    )


def _value(value: Any) -> QuestionnaireResponseItemAnswer:
    if isinstance(value, bool):
        return QuestionnaireResponseItemAnswer(valueBoolean=value)
    if isinstance(value, int):
        return QuestionnaireResponseItemAnswer(valueInteger=value)
    if isinstance(value, str):
        return QuestionnaireResponseItemAnswer(valueString=value)
    # A list or table a worksheet keeps: its JSON, so that nothing is lost.
    return QuestionnaireResponseItemAnswer(valueString=json.dumps(value, ensure_ascii=False))


def _fields(data: dict[str, Any]) -> list[QuestionnaireResponseItem]:
    return [QuestionnaireResponseItem(linkId=str(key), answer=[_value(value)])
            for key, value in data.items() if value not in (None, "", [], {})]


def exercise_response(answer: ExerciseAnswer, module_title: str | None = None
                      ) -> QuestionnaireResponse:
    """An exercise block's answer: one item for the block, a sub-item per field."""
    fields = _fields(answer.data)
    return QuestionnaireResponse(
        id=codes.exercise_id(answer.id),
        questionnaire=(f"{codes.exercise_url(answer.module.slug, answer.block_id)}"
                       f"|{answer.module_version}"),
        # An answer can be changed while the module is open: what is stored is its state.
        status="completed",
        subject=patient_ref(answer.patient_id),
        author=patient_ref(answer.patient_id),
        source=patient_ref(answer.patient_id),
        authored=answer.updated_at,
        item=[QuestionnaireResponseItem(
            linkId=answer.block_id, text=module_title or answer.block_type,
            item=fields or None)],
    )
