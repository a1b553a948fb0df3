"""Questionnaire (PHQ-9, GAD-7, WSAS) from the instrument content, and QuestionnaireResponse.

The Questionnaire is built from the same YAML the patient answers (screening.instruments),
so the LOINC codes and answer scores cannot drift from what Stepcare scores.
"""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
)
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as FhirResponse,
)
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)

from interop.fhir import codes
from interop.fhir.people import patient_ref
from screening.instruments import Instrument, Item, Option
from screening.models import QuestionnaireResponse
from screening.scoring import SCORED_INSTRUMENT_IDS

# Item kinds (screening.instruments.ITEM_KINDS) as Questionnaire item types.
ITEM_TYPES = {"choice": "choice", "yesno": "choice", "text": "text"}


def option_coding(instrument: Instrument, option: Option, language: str) -> Coding:
    """An answer as a Coding: its LOINC answer code where one exists, else Stepcare's own.

    A scored answer carries its score in the ordinalValue extension.
    """
    extension = None
    if isinstance(option.value, int):
        extension = [Extension(url=codes.ORDINAL_VALUE, valueDecimal=Decimal(option.value))]
    if option.loinc:
        system, code = codes.LOINC, option.loinc
    else:
        # WSAS (and the PHQ-9 difficulty item) have no LOINC answer list in our content.
        system, code = f"{codes.ANSWER_SYSTEM}:{instrument.id}", str(option.value)
    return Coding(system=system, code=code, display=option.label.get(language),
                  extension=extension)


def _item(instrument: Instrument, item: Item, language: str) -> QuestionnaireItem:
    return QuestionnaireItem(
        linkId=item.id,
        text=item.text.get(language),
        type=ITEM_TYPES[item.kind],
        required=item.required,
        code=[Coding(system=codes.LOINC, code=item.loinc)] if item.loinc else None,
        maxLength=item.max_length,
        answerOption=[QuestionnaireItemAnswerOption(
            valueCoding=option_coding(instrument, option, language))
            for option in item.options] or None,
    )


def questionnaire(instrument: Instrument, language: str = "en") -> Questionnaire:
    """A scored instrument (PHQ-9, GAD-7, WSAS) as a Questionnaire in one language."""
    if instrument.id not in SCORED_INSTRUMENT_IDS:
        raise ValueError(f"no Questionnaire mapping for {instrument.id!r}")
    return Questionnaire(
        id=instrument.id,
        url=codes.questionnaire_url(instrument.id),
        version=str(instrument.version),
        name=instrument.id.upper(),
        title=instrument.title.get(language),
        status="active",
        language=language,
        subjectType=["Patient"],
        description=instrument.instructions.get(language),
        copyright=instrument.attribution,
        code=([Coding(system=codes.LOINC, code=instrument.loinc_panel)]
              if instrument.loinc_panel else None),
        item=[_item(instrument, item, language) for item in instrument.items],
    )


def _answer(instrument: Instrument, item: Item, value: int | str,
            language: str) -> QuestionnaireResponseItemAnswer:
    if item.kind == "text":
        return QuestionnaireResponseItemAnswer(valueString=str(value))
    option = next((o for o in item.options if o.value == value), None)
    if option is None:
        raise ValueError(f"{instrument.id}.{item.id}: {value!r} is not one of its answers")
    return QuestionnaireResponseItemAnswer(
        valueCoding=option_coding(instrument, option, language))


def questionnaire_response(response: QuestionnaireResponse, instrument: Instrument,
                           language: str = "en") -> FhirResponse:
    """A stored response as a completed QuestionnaireResponse, items in the form's order."""
    if response.instrument_id != instrument.id:
        raise ValueError(f"response {response.id} is {response.instrument_id}, "
                         f"not {instrument.id}")
    values = {answer.item_id: answer.value for answer in response.answers
              if answer.value is not None}
    # Items in the form's order; an optional item left unanswered has no item here.
    items = [QuestionnaireResponseItem(
        linkId=item.id, text=item.text.get(language),
        answer=[_answer(instrument, item, values[item.id], language)])
        for item in instrument.items if item.id in values]
    return FhirResponse(
        id=codes.response_id(response.id),
        questionnaire=f"{codes.questionnaire_url(instrument.id)}|{response.instrument_version}",
        status="completed",
        language=language,
        subject=patient_ref(response.patient_id),
        # The patient filled the form in themselves: author and source are the patient.
        author=patient_ref(response.patient_id),
        source=patient_ref(response.patient_id),
        authored=response.submitted_at,
        item=items,
    )
