"""Observation: the total score of a response, with its severity band as interpretation."""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference

from interop.fhir import codes
from interop.fhir.people import patient_ref
from screening.instruments import Instrument
from screening.models import QuestionnaireResponse


def _code(instrument: Instrument, language: str) -> CodeableConcept:
    title = instrument.title.get(language)
    if instrument.loinc_total:
        coding = Coding(system=codes.LOINC, code=instrument.loinc_total)
    else:
        # WSAS has no LOINC total code in our content: Stepcare's own code, and the title.
        coding = Coding(system=codes.SCORE_SYSTEM, code=f"{instrument.id}-total")
    return CodeableConcept(coding=[coding], text=title)


def _interpretation(instrument: Instrument, total: int, language: str) -> CodeableConcept:
    band = instrument.band_for(total)
    return CodeableConcept(
        coding=[Coding(system=f"{codes.BAND_SYSTEM}:{instrument.id}", code=band.name,
                       display=band.label.get(language))],
        text=band.label.get(language))


def score_observation(response: QuestionnaireResponse, instrument: Instrument,
                      language: str = "en") -> Observation:
    """The response's total as a survey Observation derived from the QuestionnaireResponse."""
    if response.total is None or not instrument.is_scored:
        raise ValueError(f"response {response.id} has no total score")
    if response.instrument_id != instrument.id:
        raise ValueError(f"response {response.id} is {response.instrument_id}, "
                         f"not {instrument.id}")
    return Observation(
        id=codes.observation_id(response.id),
        status="final",
        category=[CodeableConcept(coding=[Coding(
            system=codes.OBSERVATION_CATEGORY, code="survey", display="Survey")])],
        code=_code(instrument, language),
        subject=patient_ref(response.patient_id),
        effectiveDateTime=response.submitted_at,
        issued=response.submitted_at,
        performer=[patient_ref(response.patient_id)],
        valueQuantity=Quantity(value=Decimal(response.total), unit=codes.SCORE_UNIT,
                               system=codes.UCUM, code=codes.SCORE_UNIT),
        interpretation=[_interpretation(instrument, response.total, language)],
        derivedFrom=[Reference(
            reference=f"QuestionnaireResponse/{codes.response_id(response.id)}")],
    )
