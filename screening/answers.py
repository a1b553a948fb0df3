"""Reading one questionnaire page from a submitted form (pure: no Flask).

A missing answer is the patient's to fix, so it is reported per item. A value
that no option offers can only come from a tampered request, so it raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from screening.instruments import Instrument, Item


class TamperedAnswer(ValueError):
    """A value no honest form could send (out of range, not an option)."""


@dataclass
class PageAnswers:
    answers: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    too_long: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.too_long


def _choice(item: Item, raw: str) -> int | str:
    for value in item.option_values:
        if str(value) == raw:
            return value
    raise TamperedAnswer(f"{item.id}: {raw[:20]!r} is not one of the answers offered")


def parse_page(instrument: Instrument, form: Mapping[str, str]) -> PageAnswers:
    page = PageAnswers()
    for item in instrument.items:
        raw = (form.get(item.id) or "").strip()
        if not raw:
            if item.required:
                page.missing.append(item.id)
            continue
        if item.kind == "text":
            if item.max_length is not None and len(raw) > item.max_length:
                page.too_long.append(item.id)
            page.answers[item.id] = raw
        else:
            page.answers[item.id] = _choice(item, raw)
    return page


def is_complete(instrument: Instrument, answers: Mapping[str, Any]) -> bool:
    return all(item.id in answers for item in instrument.items if item.required)


def scored_values(instrument: Instrument, answers: Mapping[str, Any]) -> list[int]:
    return [answers[item.id] for item in instrument.scored_items]


def risk_items(instrument: Instrument, answers: Mapping[str, Any]) -> list[str]:
    return [item.id for item in instrument.items if item.is_risk_answer(answers.get(item.id))]
