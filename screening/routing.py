"""Stepped-care routing: rules as data (content/routing.yaml), evaluated by a pure function.

The condition language and the evaluation order are documented at the top of routing.yaml.
In short: each rule has a `when` condition over FACTS; the recommended step is the highest
step among the rules that match, because a missed exclusion is worse than over-referral.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from screening.instruments import DEFAULT_CONTENT_DIR, LANGUAGES
from screening.scoring import score

STEPS = (1, 2, 3, 4)
FALLBACK_RULE_ID = "no_rule_matched"
MISSING_VALUE_DISPLAY = "–"  # how a None fact (WSAS switched off) reads in a reason text


@dataclass(frozen=True)
class NumberFact:
    minimum: int
    maximum: int
    nullable: bool = False  # None means "not measured" (a deployment switched WSAS off)


@dataclass(frozen=True)
class ChoiceFact:
    choices: tuple[str, ...]


# The facts rules may use. Choice values must match the instrument YAML (bands, intake option
# values); tests/screening/test_routing.py checks that they do.
FACTS: Mapping[str, NumberFact | ChoiceFact] = {
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
PHQ9_ITEM9_POSITION = 8  # index of item 9 among PHQ-9's scored answers
INTAKE_FACTS = ("substance_use", "bipolar", "psychosis", "suicidal_plan", "preferred_format")

_ORDERING_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "<": lambda fact, value: fact < value,
    "<=": lambda fact, value: fact <= value,
    ">": lambda fact, value: fact > value,
    ">=": lambda fact, value: fact >= value,
    "between": lambda fact, value: value[0] <= fact <= value[1],
}
_EQUALITY_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda fact, value: fact == value,
    "!=": lambda fact, value: fact != value,
    "in": lambda fact, value: fact in value,
    "not_in": lambda fact, value: fact not in value,
}
OPS = (*_EQUALITY_OPS, *_ORDERING_OPS)
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_KEYS = frozenset({"id", "step", "priority", "when", "reason"})


class RoutingRuleError(ValueError):
    """routing.yaml is missing, malformed or uses an unknown fact, op or value."""


# --- conditions --------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    fact: str
    op: str
    value: Any  # a tuple for in / not_in / between

    def holds(self, facts: Mapping[str, Any]) -> bool:
        actual = facts[self.fact]
        if actual is None:  # not measured: no comparison can be true
            return False
        operator = _EQUALITY_OPS.get(self.op) or _ORDERING_OPS[self.op]
        return operator(actual, self.value)


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return all(condition.holds(facts) for condition in self.conditions)


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return any(condition.holds(facts) for condition in self.conditions)


@dataclass(frozen=True)
class Not:
    condition: Condition

    def holds(self, facts: Mapping[str, Any]) -> bool:
        return not self.condition.holds(facts)


Condition = Comparison | AllOf | AnyOf | Not


# --- rules and results -------------------------------------------------------------------

@dataclass(frozen=True)
class Reason:
    rule_id: str
    step: int
    en: str
    da: str

    def text(self, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
        return getattr(self, language)


@dataclass(frozen=True)
class Rule:
    id: str
    step: int
    priority: int
    when: Condition
    reason: Mapping[str, str]  # language -> template with {fact} placeholders


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]
    fallback_step: int
    fallback_reason: Mapping[str, str]


@dataclass(frozen=True)
class Recommendation:
    step: int
    matched: tuple[str, ...]  # rule ids, highest step first, then by priority
    reasons: tuple[Reason, ...]  # one per matched rule, same order

    @property
    def deciding_reasons(self) -> tuple[Reason, ...]:
        """Reasons of the rules at the recommended step: what to show the person.

        Lower-step reasons stay in `reasons` for clinicians, but shown to a patient next to
        an exclusion they would contradict it ("self-help is a good place to start").
        """
        return tuple(reason for reason in self.reasons if reason.step == self.step)


def recommend(facts: Mapping[str, Any], rules: RuleSet | None = None) -> Recommendation:
    """The recommended step for `facts` (see build_facts), with every matched rule explained.

    Raises ValueError if a fact is missing, unknown or has an invalid value, because routing on
    a mistyped fact would silently skip safety rules.
    """
    check_facts(facts)
    rule_set = load_rules() if rules is None else rules
    matched = sorted((rule for rule in rule_set.rules if rule.when.holds(facts)),
                     key=lambda rule: (-rule.step, rule.priority))
    if not matched:
        reason = _resolve(FALLBACK_RULE_ID, rule_set.fallback_step,
                          rule_set.fallback_reason, facts)
        return Recommendation(rule_set.fallback_step, (FALLBACK_RULE_ID,), (reason,))
    return Recommendation(
        step=matched[0].step,
        matched=tuple(rule.id for rule in matched),
        reasons=tuple(_resolve(rule.id, rule.step, rule.reason, facts) for rule in matched))


def build_facts(phq9_answers: Sequence[int], gad7_answers: Sequence[int],
                intake: Mapping[str, str], wsas_answers: Sequence[int] | None = None,
                content_dir: Path | str | None = None) -> dict[str, Any]:
    """Score the questionnaires and collect the routing facts.

    `intake` maps intake item ids to answers; only INTAKE_FACTS are used. Pass
    `wsas_answers=None` when WSAS is switched off.
    """
    phq9 = score("phq9", phq9_answers, content_dir)
    gad7 = score("gad7", gad7_answers, content_dir)
    wsas = None if wsas_answers is None else score("wsas", wsas_answers, content_dir)
    missing = [name for name in INTAKE_FACTS if name not in intake]
    if missing:
        raise ValueError(f"intake answers missing: {', '.join(missing)}")
    facts = {
        "phq9_total": phq9.total, "phq9_band": phq9.band,
        "phq9_item9": phq9_answers[PHQ9_ITEM9_POSITION],
        "gad7_total": gad7.total, "gad7_band": gad7.band,
        "wsas_total": None if wsas is None else wsas.total,
        **{name: intake[name] for name in INTAKE_FACTS},
    }
    check_facts(facts)
    return facts


def check_facts(facts: Mapping[str, Any]) -> None:
    if not isinstance(facts, Mapping):
        raise ValueError(f"facts must be a mapping, got {type(facts).__name__}")
    missing = sorted(set(FACTS) - facts.keys())
    unknown = sorted(set(facts) - FACTS.keys(), key=str)
    if missing or unknown:
        raise ValueError(f"facts: missing {missing or 'none'}, unknown {unknown or 'none'}")
    for name, kind in FACTS.items():
        if not _fact_value_ok(kind, facts[name]):
            raise ValueError(f"fact {name}: invalid value {facts[name]!r} ({_describe(kind)})")


def _fact_value_ok(kind: NumberFact | ChoiceFact, value: Any) -> bool:
    if isinstance(kind, ChoiceFact):
        return isinstance(value, str) and value in kind.choices
    if value is None:
        return kind.nullable
    return type(value) is int and kind.minimum <= value <= kind.maximum


def _describe(kind: NumberFact | ChoiceFact) -> str:
    if isinstance(kind, ChoiceFact):
        return "one of " + ", ".join(kind.choices)
    suffix = " or None" if kind.nullable else ""
    return f"an integer {kind.minimum}-{kind.maximum}{suffix}"


def _resolve(rule_id: str, step: int, templates: Mapping[str, str],
             facts: Mapping[str, Any]) -> Reason:
    shown = {name: MISSING_VALUE_DISPLAY if value is None else value
             for name, value in facts.items()}
    texts = {language: templates[language].format_map(shown) for language in LANGUAGES}
    return Reason(rule_id, step, **texts)


# --- loading and validation --------------------------------------------------------------

def load_rules(content_dir: Path | str | None = None) -> RuleSet:
    """Load and check <content_dir>/routing.yaml. Cached: read once per process."""
    directory = DEFAULT_CONTENT_DIR if content_dir is None else Path(content_dir).resolve()
    return _load_cached(directory / "routing.yaml")


@cache
def _load_cached(path: Path) -> RuleSet:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RoutingRuleError(f"{path}: cannot read routing rules ({error})") from error
    except yaml.YAMLError as error:
        raise RoutingRuleError(f"{path}: not valid YAML ({error})") from error
    return parse_rules(document, source=path.name)


def parse_rules(document: Any, source: str = "routing.yaml") -> RuleSet:
    """Build a RuleSet from parsed YAML; RoutingRuleError names the rule and the problem."""
    if not isinstance(document, Mapping) or set(document) - {"urgent_review"} != {
            "version", "fallback", "rules"}:  # urgent_review: see screening.urgency
        raise RoutingRuleError(f"{source}: top level must have exactly version, fallback, rules")
    fallback = _mapping(document["fallback"], f"{source}: fallback")
    if set(fallback) != {"step", "reason"}:
        raise RoutingRuleError(f"{source}: fallback must have exactly step and reason")
    return RuleSet(
        version=_integer(document["version"], f"{source}: version"),
        rules=_rules(document["rules"], source),
        fallback_step=_step(fallback["step"], f"{source}: fallback"),
        fallback_reason=_reason(fallback["reason"], f"{source}: fallback"))


def _rules(raw: Any, source: str) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise RoutingRuleError(f"{source}: rules must be a non-empty list")
    rules, seen = [], set()
    for index, entry in enumerate(raw):
        rule = _rule(entry, f"{source}: rule {_rule_label(entry)} (index {index})")
        if rule.id in seen:
            raise RoutingRuleError(f"{source}: rule {rule.id!r} (index {index}): duplicate id")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _rule_label(entry: Any) -> str:
    rule_id = entry.get("id") if isinstance(entry, Mapping) else None
    return repr(rule_id) if isinstance(rule_id, str) else "<no id>"


def _rule(raw: Any, where: str) -> Rule:
    entry = _mapping(raw, where)
    if set(entry) != _RULE_KEYS:
        missing, extra = sorted(_RULE_KEYS - set(entry)), sorted(set(entry) - _RULE_KEYS, key=str)
        raise RoutingRuleError(f"{where}: missing keys {missing}, unknown keys {extra}")
    rule_id = entry["id"]
    reserved = rule_id == FALLBACK_RULE_ID
    if not isinstance(rule_id, str) or not _SNAKE_CASE.match(rule_id) or reserved:
        raise RoutingRuleError(f"{where}: id must be a snake_case name, not {rule_id!r}")
    return Rule(id=rule_id, step=_step(entry["step"], where),
                priority=_integer(entry["priority"], f"{where}: priority"),
                when=_condition(entry["when"], f"{where}: when"),
                reason=_reason(entry["reason"], where))


def _condition(raw: Any, where: str) -> Condition:
    node = _mapping(raw, where)
    if set(node) == {"fact", "op", "value"}:
        return _comparison(node, where)
    if len(node) == 1:
        (key, body), = node.items()
        if key in ("all", "any"):
            return _group(key, body, f"{where}.{key}")
        if key == "not":
            return Not(_condition(body, f"{where}.not"))
    keys = sorted(node, key=str)
    raise RoutingRuleError(
        f"{where}: expected {{fact, op, value}} or one of all/any/not, got keys {keys}")


def _group(key: str, body: Any, where: str) -> AllOf | AnyOf:
    if not isinstance(body, list) or not body:
        raise RoutingRuleError(f"{where}: must be a non-empty list of conditions")
    conditions = tuple(_condition(item, f"{where}[{i}]") for i, item in enumerate(body))
    return AllOf(conditions) if key == "all" else AnyOf(conditions)


def _comparison(node: Mapping[str, Any], where: str) -> Comparison:
    fact, op, value = node["fact"], node["op"], node["value"]
    if fact not in FACTS:
        raise RoutingRuleError(f"{where}: unknown fact {fact!r}; known: {', '.join(FACTS)}")
    if op not in OPS:
        raise RoutingRuleError(f"{where}: unknown op {op!r}; known: {', '.join(OPS)}")
    kind = FACTS[fact]
    if isinstance(kind, ChoiceFact) and op in _ORDERING_OPS:
        raise RoutingRuleError(f"{where}: op {op!r} does not apply to categorical fact {fact}")
    return Comparison(fact, op, _comparison_value(kind, op, value, f"{where} ({fact} {op})"))


def _comparison_value(kind: NumberFact | ChoiceFact, op: str, value: Any, where: str) -> Any:
    if op in ("in", "not_in", "between"):
        if not isinstance(value, list) or not value:
            raise RoutingRuleError(f"{where}: value must be a non-empty list")
        for element in value:
            _check_value(kind, element, where)
        if op == "between" and (len(value) != 2 or value[0] > value[1]):
            raise RoutingRuleError(f"{where}: value must be [low, high] with low <= high")
        return tuple(value)
    _check_value(kind, value, where)
    return value


def _check_value(kind: NumberFact | ChoiceFact, value: Any, where: str) -> None:
    # Values come from the facts' own ranges, so a typo such as "yse" or 200 fails at load.
    if value is None or not _fact_value_ok(kind, value):
        raise RoutingRuleError(f"{where}: value {value!r} is not {_describe(kind)}")


def _reason(raw: Any, where: str) -> Mapping[str, str]:
    reason = _mapping(raw, f"{where}: reason")
    for language in LANGUAGES:
        text = reason.get(language)
        if not isinstance(text, str) or not text.strip():
            raise RoutingRuleError(f"{where}: reason is missing language {language!r}")
        _check_placeholders(text, f"{where}: reason.{language}")
    extra = sorted(set(reason) - set(LANGUAGES), key=str)
    if extra:
        raise RoutingRuleError(f"{where}: reason has unsupported language(s) {extra}")
    return {language: " ".join(reason[language].split()) for language in LANGUAGES}


def _check_placeholders(text: str, where: str) -> None:
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as error:
        raise RoutingRuleError(f"{where}: malformed placeholder ({error})") from error
    for _literal, name, format_spec, conversion in fields:
        if name is None:
            continue
        # Only bare fact names: attribute/index access in a format field could reach
        # Python internals, and a formatting spec could fail on a None fact.
        if name not in FACTS or format_spec or conversion:
            raise RoutingRuleError(f"{where}: placeholder {{{name}}} is not a plain fact name")


def _step(raw: Any, where: str) -> int:
    if type(raw) is not int or raw not in STEPS:
        raise RoutingRuleError(f"{where}: step must be one of 1-4, got {raw!r}")
    return raw


def _integer(raw: Any, where: str) -> int:
    if type(raw) is not int:
        raise RoutingRuleError(f"{where}: must be an integer, got {raw!r}")
    return raw


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise RoutingRuleError(f"{where}: must be a mapping, got {type(raw).__name__}")
    return raw
