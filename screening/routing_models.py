"""The schema of content/routing.yaml as pydantic models, which also evaluate the rules.

``parse_rules`` checks a document read by ``app.content.loader`` and raises one
``ContentError`` (file:line: message) for the first problem; ``rule_problems`` returns all.
The facts and operators come from ``screening.routing``; values are checked against the
facts' own ranges, so a typo such as "yse" or 200 fails at load.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from app.content.loader import ContentError, errors_from_validation, line_of
from screening import facts as fact_kinds

_STRICT = ConfigDict(extra="forbid", frozen=True)


def _step(value: Any) -> int:
    if type(value) is not int or value not in fact_kinds.STEPS:
        raise ValueError(f"step must be one of 1-4, got {value!r}")
    return value


def _snake_case_id(value: str) -> str:
    if not fact_kinds.SNAKE_CASE.match(value) or value == fact_kinds.FALLBACK_RULE_ID:
        raise ValueError(f"id must be a snake_case name, not {value!r}")
    return value


Step = Annotated[Any, AfterValidator(_step)]


class Comparison(BaseModel):
    model_config = _STRICT
    fact: StrictStr
    op: StrictStr
    value: Any

    @model_validator(mode="after")
    def _known(self) -> Comparison:
        kind = fact_kinds.FACTS.get(self.fact)
        if kind is None:
            raise ValueError(f"unknown fact {self.fact!r}; known: {', '.join(fact_kinds.FACTS)}")
        if self.op not in fact_kinds.OPS:
            raise ValueError(f"unknown op {self.op!r}; known: {', '.join(fact_kinds.OPS)}")
        if isinstance(kind, fact_kinds.ChoiceFact) and self.op in fact_kinds.ORDERING_OPS:
            raise ValueError(f"op {self.op!r} does not apply to categorical fact {self.fact}")
        object.__setattr__(self, "value", _checked_value(kind, self.op, self.value))
        return self

    def holds(self, facts: Mapping[str, Any]) -> bool:
        actual = facts[self.fact]
        if actual is None:  # not measured: no comparison can be true
            return False
        return fact_kinds.operator(self.op)(actual, self.value)


def _checked_value(kind: fact_kinds.Kind, op: str, value: Any) -> Any:
    where = f"({op})"
    if op in ("in", "not_in", "between"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{where} value must be a non-empty list")
        for element in value:
            _check_value(kind, element)
        if op == "between" and (len(value) != 2 or value[0] > value[1]):
            raise ValueError(f"{where} value must be [low, high] with low <= high")
        return tuple(value)
    _check_value(kind, value)
    return value


def _check_value(kind: fact_kinds.Kind, value: Any) -> None:
    if value is None or not fact_kinds.value_ok(kind, value):
        raise ValueError(f"value {value!r} is not {fact_kinds.describe(kind)}")


class AllOf(BaseModel):
    model_config = _STRICT
    all: list[Condition] = Field(min_length=1)

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return all(condition.holds(facts) for condition in self.all)


class AnyOf(BaseModel):
    model_config = _STRICT
    any: list[Condition] = Field(min_length=1)

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return any(condition.holds(facts) for condition in self.any)


class Not(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    condition: Condition = Field(alias="not")

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return not self.condition.holds(facts)


def _condition_kind(raw: Any) -> str | None:
    if isinstance(raw, Mapping) and len(raw) == 1 and next(iter(raw)) in ("all", "any", "not"):
        return str(next(iter(raw)))
    if isinstance(raw, Mapping) and set(raw) & {"fact", "op", "value"}:
        return "comparison"
    return None


Condition = Annotated[
    Annotated[Comparison, Tag("comparison")] | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")] | Annotated[Not, Tag("not")],
    Discriminator(_condition_kind, custom_error_type="condition",
                  custom_error_message="expected {fact, op, value} or one of all/any/not"),
]

for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()


class Reason(BaseModel):
    """A text per language; ``{fact}`` placeholders are filled in from the facts."""

    model_config = _STRICT
    en: StrictStr
    da: StrictStr

    @field_validator("en", "da")
    @classmethod
    def _text(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("must be non-empty text")
        _check_placeholders(text)
        return " ".join(text.split())


def _check_placeholders(text: str) -> None:
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValueError(f"malformed placeholder ({error})") from None
    for _literal, name, format_spec, conversion in fields:
        # Only bare fact names: attribute/index access in a format field could reach
        # Python internals, and a formatting spec could fail on a None fact.
        if name is not None and (name not in fact_kinds.FACTS or format_spec or conversion):
            raise ValueError(f"placeholder {{{name}}} is not a plain fact name")


class Rule(BaseModel):
    model_config = _STRICT
    id: Annotated[StrictStr, AfterValidator(_snake_case_id)]
    step: Step
    priority: StrictInt
    when: Condition
    reason: Reason


class Fallback(BaseModel):
    model_config = _STRICT
    step: Step
    reason: Reason


class UrgentReview(BaseModel):
    """A screening whose facts match ``when`` is reviewed within ``deadline_hours``."""

    model_config = _STRICT
    when: Condition
    deadline_hours: StrictInt = Field(ge=1)


class RuleSet(BaseModel):
    model_config = _STRICT
    version: StrictInt
    fallback: Fallback
    rules: list[Rule] = Field(min_length=1)
    urgent_review: UrgentReview | None = None


def rule_problems(document: Any, file: str) -> tuple[RuleSet | None, list[ContentError]]:
    """The rule set, or None and every problem, each at its line."""
    try:
        rules = RuleSet.model_validate(document)
    except ValidationError as error:
        return None, errors_from_validation(error, document, file)
    seen: set[str] = set()
    for index, rule in enumerate(rules.rules):
        if rule.id in seen:
            line = line_of(document, ("rules", index))
            return None, [ContentError(file, line, f"rules.{index}: duplicate id {rule.id!r}")]
        seen.add(rule.id)
    return rules, []


def parse_rules(document: Any, file: str = "routing.yaml") -> RuleSet:
    rules, problems = rule_problems(document, file)
    if rules is None:
        raise problems[0]
    return rules

