"""The facts routing rules may use, and the operators that compare them (a pure core)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

STEPS = (1, 2, 3, 4)
FALLBACK_RULE_ID = "no_rule_matched"
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NumberFact:
    minimum: int
    maximum: int
    nullable: bool = False  # None means "not measured" (a deployment switched WSAS off)


@dataclass(frozen=True)
class ChoiceFact:
    choices: tuple[str, ...]


Kind = NumberFact | ChoiceFact

# Choice values must match the instrument YAML (bands, intake option values);
# tests/screening/test_routing.py checks that they do.
FACTS: Mapping[str, Kind] = {
    "phq9_total": NumberFact(0, 27),
    "phq9_band": ChoiceFact(("minimal", "mild", "moderate", "moderately_severe", "severe")),
    "phq9_item9": NumberFact(0, 3),
    "gad7_total": NumberFact(0, 21),
    "gad7_band": ChoiceFact(("minimal", "mild", "moderate", "severe")),
    "wsas_total": NumberFact(0, 40, nullable=True),
    "substance_use": ChoiceFact(("none", "some", "problem")),
    "bipolar": ChoiceFact(("yes", "no", "unsure")),
    "psychosis": ChoiceFact(("yes", "no", "unsure")),
    "suicidal_plan": ChoiceFact(("yes", "no")),
    "preferred_format": ChoiceFact(("self_help", "written_guidance", "video")),
}

ORDERING_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "<": lambda fact, value: fact < value,
    "<=": lambda fact, value: fact <= value,
    ">": lambda fact, value: fact > value,
    ">=": lambda fact, value: fact >= value,
    "between": lambda fact, value: value[0] <= fact <= value[1],
}
EQUALITY_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda fact, value: fact == value,
    "!=": lambda fact, value: fact != value,
    "in": lambda fact, value: fact in value,
    "not_in": lambda fact, value: fact not in value,
}
OPS = (*EQUALITY_OPS, *ORDERING_OPS)


def operator(op: str) -> Callable[[Any, Any], bool]:
    return EQUALITY_OPS.get(op) or ORDERING_OPS[op]


def value_ok(kind: Kind, value: Any) -> bool:
    if isinstance(kind, ChoiceFact):
        return isinstance(value, str) and value in kind.choices
    if value is None:
        return kind.nullable
    return type(value) is int and kind.minimum <= value <= kind.maximum


def describe(kind: Kind) -> str:
    if isinstance(kind, ChoiceFact):
        return "one of " + ", ".join(kind.choices)
    suffix = " or None" if kind.nullable else ""
    return f"an integer {kind.minimum}-{kind.maximum}{suffix}"
