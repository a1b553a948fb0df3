"""The readable report: the same records as the Bundle, as rows a person reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.audit.labels import resource_label
from app.audit.models import SYSTEM_CLIENT_ROLE
from interop.export.records import PatientRecords

ACTIONS = {"C": "created", "R": "viewed", "U": "changed", "D": "deleted", "E": "exported"}


@dataclass(frozen=True)
class AnsweredForm:
    title: str
    submitted_at: Any
    total: int | None
    rows: list[tuple[str, str]]  # (question, answer)


def _answer_label(item: Any, value: Any, language: str) -> str:
    option = next((o for o in item.options if o.value == value), None)
    return option.label.get(language) if option else str(value)


def answered_forms(records: PatientRecords, language: str) -> list[AnsweredForm]:
    forms = []
    for response in records.responses:
        instrument = records.instruments[response.instrument_id]
        values = {a.item_id: a.value for a in response.answers if a.value is not None}
        rows = [(item.text.get(language), _answer_label(item, values[item.id], language))
                for item in instrument.items if item.id in values]
        forms.append(AnsweredForm(title=instrument.title.get(language),
                                  submitted_at=response.submitted_at, total=response.total,
                                  rows=rows))
    return forms


def field_text(value: Any) -> str:
    """An exercise field as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _who(row: Any, records: PatientRecords) -> str:
    if row.actor_role == "patient" and row.actor_id == records.patient.id:
        return _("You")
    if row.actor_role == SYSTEM_CLIENT_ROLE:
        return _("A health record system")
    role = {"therapist": _("therapist"), "admin": _("administrator"), "patient": _("patient"),
            "system": _("Stepcare (automatic)")}.get(row.actor_role, row.actor_role)
    person = records.people.get(row.actor_id) if row.actor_id is not None else None
    return f"{person.name} ({role})" if person else role


def access_rows(records: PatientRecords) -> list[tuple[Any, str, str]]:
    """(when, who, what) for each access-log row, newest first."""
    return [(row.at, _who(row, records),
             f"{_(ACTIONS[row.action])}: {resource_label(row.resource_type)}")
            for row in reversed(records.access_log)]
