"""Stepped-care routing: rules as data (content/routing.yaml), evaluated by a pure function.

The condition language and the evaluation order are documented at the top of routing.yaml.
In short: each rule has a `when` condition over FACTS; the recommended step is the highest
step among the rules that match, because a missed exclusion is worse than over-referral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.content.loader import ContentError, load_yaml
from screening.facts import (
    FACTS,
    FALLBACK_RULE_ID,
    OPS,
    STEPS,
    ChoiceFact,
    NumberFact,
    describe,
    value_ok,
)
from screening.instruments import LANGUAGES
from screening.routing_models import Condition, Rule, RuleSet, parse_rules
from screening.scoring import score

__all__ = ["FACTS", "FALLBACK_RULE_ID", "OPS", "STEPS", "ChoiceFact", "Condition",
           "NumberFact", "Reason", "Recommendation", "RoutingRuleError", "Rule", "RuleSet",
           "build_facts", "check_facts", "load_rules", "parse_rules", "recommend"]

MISSING_VALUE_DISPLAY = "–"  # how a None fact (WSAS switched off) reads in a reason text
PHQ9_ITEM9_POSITION = 8  # index of item 9 among PHQ-9's scored answers
INTAKE_FACTS = ("substance_use", "bipolar", "psychosis", "suicidal_plan", "preferred_format")

#: routing.yaml is missing or breaks the schema (screening.routing_models): file:line.
RoutingRuleError = ContentError


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
        return self.da if language == "da" else self.en


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


def recommend(facts: Mapping[str, Any], rules: RuleSet) -> Recommendation:
    """The recommended step for `facts` (see build_facts), with every matched rule explained.

    Raises ValueError if a fact is missing, unknown or has an invalid value, because routing on
    a mistyped fact would silently skip safety rules.
    """
    check_facts(facts)
    matched = sorted((rule for rule in rules.rules if rule.when.holds(facts)),
                     key=lambda rule: (-rule.step, rule.priority))
    if not matched:
        fallback = rules.fallback
        reason = _resolve(FALLBACK_RULE_ID, fallback.step, fallback.reason, facts)
        return Recommendation(fallback.step, (FALLBACK_RULE_ID,), (reason,))
    return Recommendation(
        step=matched[0].step,
        matched=tuple(rule.id for rule in matched),
        reasons=tuple(_resolve(rule.id, rule.step, rule.reason, facts) for rule in matched))


def build_facts(phq9_answers: Sequence[int], gad7_answers: Sequence[int],
                intake: Mapping[str, str], wsas_answers: Sequence[int] | None,
                content_dir: Path | str) -> dict[str, Any]:
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
        if not value_ok(kind, facts[name]):
            raise ValueError(f"fact {name}: invalid value {facts[name]!r} ({describe(kind)})")


def _resolve(rule_id: str, step: int, templates: Any, facts: Mapping[str, Any]) -> Reason:
    shown = {name: MISSING_VALUE_DISPLAY if value is None else value
             for name, value in facts.items()}
    texts = {language: getattr(templates, language).format_map(shown)
             for language in LANGUAGES}
    return Reason(rule_id, step, **texts)


# --- loading ---------------------------------------------------------------------------------

def load_rules(content_dir: Path | str) -> RuleSet:
    """Load and check <content_dir>/routing.yaml (cached by path); RoutingRuleError if bad."""
    return _load_cached(Path(content_dir).resolve() / "routing.yaml")


@cache
def _load_cached(path: Path) -> RuleSet:
    return parse_rules(load_yaml(path, path.name), path.name)
