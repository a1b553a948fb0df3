"""Tests for the rule layer of risk-language detection (screening/risk_language.py)."""

from __future__ import annotations

import re
import textwrap
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import risk_language
from screening.risk_language import (
    CATEGORIES,
    PhraseFileError,
    RiskHit,
    load_rules,
    split_sentences,
)
from tests.helpers import SHIPPED_CONTENT

detect = partial(risk_language.detect, content_dir=SHIPPED_CONTENT)

EVAL_PATH = Path(__file__).resolve().parents[1] / "data" / "risk_eval.tsv"


def _eval_rows() -> list[dict[str, object]]:
    rows, split = [], "dev"
    for line in EVAL_PATH.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("# --- held-out"):
            split = "held-out"
        if not line.strip() or line.startswith("#"):
            continue
        lang, label, kind, text = line.split("\t")
        rows.append(
            {
                "lang": lang,
                "label": int(label),
                "kind": kind,
                "text": text,
                "split": split,
                "flagged": bool(detect(text)),
            }
        )
    return rows


ROWS = _eval_rows()


def _precision(rows: list[dict[str, object]]) -> float:
    flagged = [r for r in rows if r["flagged"]]
    return sum(r["label"] for r in flagged) / len(flagged)


# ----------------------------------------------------------------- evaluation set


def test_it_has_an_evaluation_set_of_the_required_size_and_mix():
    kinds = [r["kind"] for r in ROWS]
    langs = [r["lang"] for r in ROWS]
    assert len(ROWS) >= 240
    assert kinds.count("explicit") >= 60
    assert kinds.count("implicit") >= 40
    assert kinds.count("hard_negative") >= 80
    assert 0.4 <= langs.count("en") / len(ROWS) <= 0.6
    assert sum(r["split"] == "held-out" for r in ROWS) / len(ROWS) >= 0.3
    texts = {r["text"]: r["label"] for r in ROWS}
    assert texts["I can't see the point of going on."] == 1
    assert texts["This workout is killing me."] == 0
    assert texts["I'd never hurt myself."] == 0


@pytest.mark.hazard("H-002")
def test_it_recalls_every_explicit_row():
    missed = [r["text"] for r in ROWS if r["kind"] == "explicit" and not r["flagged"]]
    assert missed == []


def test_it_has_overall_precision_of_at_least_0_8():
    assert _precision(ROWS) >= 0.8


def test_it_keeps_precision_of_at_least_0_8_on_held_out_rows():
    assert _precision([r for r in ROWS if r["split"] == "held-out"]) >= 0.8


def test_it_recalls_at_least_70_percent_of_implicit_rows(record_property):
    implicit = [r for r in ROWS if r["kind"] == "implicit"]
    recall = sum(r["flagged"] for r in implicit) / len(implicit)
    record_property("implicit_recall", round(recall, 3))
    print(f"implicit recall: {recall:.3f} ({len(implicit)} rows)")
    assert recall >= 0.7


# ----------------------------------------------------------------- required cases

HARD_NEGATIVES = [
    "This workout is killing me.",
    "I killed it at the gym today.",
    "I'm dying to see that film.",
    "The deadline is killing me.",
    "My grandfather died last year.",
    "I'd never hurt myself.",
    "I don't want to die.",
    "Jeg er ved at dø af grin.",
    "Det slår mig ihjel at vente.",
    "Jeg vil aldrig gøre skade på mig selv.",
    "Jeg har ingen planer om at tage mit liv.",
    "I don't self-harm anymore and haven't for years.",
    "I cut my hair again.",
    "Jeg har aldrig selvskadet.",
    "Jeg skar mig ved et uheld.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_it_does_not_flag_hard_negative(text):
    assert detect(text) == []


REQUIRED_POSITIVES = [
    ("I can't see the point of going on.", "hopelessness"),
    ("I want to kill myself.", "suicidal_ideation"),
    ("I don't want to live anymore.", "suicidal_ideation"),
    ("Jeg har skåret i mig selv igen.", "self_harm"),
    ("Jeg orker ikke mere.", "hopelessness"),
    ("I have saved up enough pills to do it.", "plan_or_means"),
    # Self-harm reported in the present or past tense, and named as a noun (issue 12).
    ("I cut my arms again.", "self_harm"),
    ("I går skar jeg i mine arme igen.", "self_harm"),
    ("Nogle gange gør jeg skade på mig selv.", "self_harm"),
    ("Self-harm is the only thing that helps.", "self_harm"),
    ("Selvskade er det eneste, der hjælper.", "self_harm"),
]


@pytest.mark.hazard("H-002")
@pytest.mark.parametrize(("sentence", "category"), REQUIRED_POSITIVES)
def test_it_returns_the_exact_sentence_and_offsets_for_a_required_positive(sentence, category):
    text = f"Today was long.  {sentence}\nThis workout is killing me. See you Monday."
    hits = detect(text)
    assert hits, sentence
    assert {h.sentence for h in hits} == {sentence}
    assert all(text[h.start : h.end] == h.sentence for h in hits)
    assert category in {h.category for h in hits}


def test_it_reports_rule_id_category_language_and_matched_phrase():
    (hit,) = detect("Jeg vil slå mig selv ihjel.")
    assert hit == RiskHit(
        sentence="Jeg vil slå mig selv ihjel.",
        start=0,
        end=27,
        rule_id="da.si.slaa_mig_ihjel",
        category="suicidal_ideation",
        lang="da",
        matched="slå mig selv ihjel",
    )


def test_it_only_uses_categories_from_the_fixed_list():
    shipped = load_rules(SHIPPED_CONTENT)
    categories = {r.category for lr in shipped.languages.values() for r in lr.rules}
    assert categories <= set(CATEGORIES)
    assert categories == set(CATEGORIES)


# ----------------------------------------------------------------- negation and subjects


def test_it_applies_negation_per_pattern():
    # Same negator ("don't") before a negatable phrase cancels it, but the
    # non-negatable "don't want to live" pattern is itself the risk statement.
    assert detect("I don't want to die.") == []
    assert [h.rule_id for h in detect("I don't want to live anymore.")] == [
        "en.si.not_want_to_live"
    ]
    assert detect("Jeg har ikke lyst til at dø.") == []
    assert [h.rule_id for h in detect("Jeg har ikke lyst til at leve mere.")] == ["da.si.ikke_leve"]


def test_it_uses_the_negatable_flag_from_the_phrase_file(tmp_path):
    for negatable, expected in ((True, []), (False, ["xx.si.die"])):
        _write(tmp_path, _minimal(pattern=r"\bwant to die\b", negatable=negatable))
        load_rules.cache_clear()
        assert [h.rule_id for h in detect("I never want to die.", content_dir=tmp_path)] == expected


def test_it_ignores_a_negator_in_another_clause():
    assert detect("I don't know why, but I want to die.")
    assert detect("Jeg ved ikke hvorfor jeg har lyst til at dø.")


def test_it_ignores_a_negator_outside_the_window():
    assert detect("No, I want to die.")
    assert detect("Nothing helps anymore and honestly sometimes I want to die.")


def test_it_treats_cant_stop_as_a_pseudo_negation():
    assert detect("I can't stop thinking about killing myself.")


def test_it_does_not_flag_another_person_as_the_subject():
    assert detect("My sister wants to die.") == []
    assert detect("Min bror har selvmordstanker.") == []
    assert detect("I told my sister I want to die.")


# ----------------------------------------------------------------- API behaviour


def test_it_restricts_matching_to_the_given_language():
    assert detect("I want to die.", lang="da") == []
    assert detect("I want to die.", lang="en-GB")
    assert detect("Jeg vil dø.", lang="da_DK")


def test_it_runs_all_languages_for_an_unknown_language():
    assert detect("I want to die.", lang="sv")


def test_it_handles_mixed_language_text():
    hits = detect("Jeg har det skidt. I want to die.")
    assert [(h.lang, h.sentence) for h in hits] == [("en", "I want to die.")]


def test_it_splits_sentences_with_trimmed_offsets():
    text = "  One. Two!\nThree? e.g. four 3.5 five…  \n\n"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["One.", "Two!", "Three?", "e.g. four 3.5 five…"]


def test_it_returns_no_hits_for_empty_or_blank_text():
    assert detect("") == []
    assert detect("   \n\t ") == []


def test_it_caches_the_compiled_rules():
    assert load_rules(SHIPPED_CONTENT) is load_rules(SHIPPED_CONTENT)


# ----------------------------------------------------------------- phrase-file validation


def _minimal(
    pattern: str = r"\bwant to die\b",
    negatable: object = True,
    category: str = "suicidal_ideation",
    extra: str = "",
) -> str:
    return textwrap.dedent(f"""\
        schema_version: 1
        negation_window: 4
        languages:
          xx:
            negators: [never, not]
            patterns:
              - id: xx.si.die
                category: {category}
                pattern: '{pattern}'
                negatable: {str(negatable).lower() if isinstance(negatable, bool) else negatable}
        {extra}""")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "risk" / "phrases.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_it_loads_a_valid_phrase_file_from_a_custom_content_dir(tmp_path):
    _write(tmp_path, _minimal())
    rules = load_rules(tmp_path)
    assert rules.pattern_counts() == {"xx": 1}
    assert [h.rule_id for h in detect("I want to die", content_dir=tmp_path)] == ["xx.si.die"]


BROKEN = {
    "bad category": (_minimal(category="sadness"), "category must be one of"),
    "regex does not compile": (_minimal(pattern=r"(unclosed"), "does not compile"),
    "negatable not a bool": (_minimal(negatable="maybe"), "must be true or false"),
    "upper-case pattern": (_minimal(pattern=r"\bWant to die"), "upper-case"),
    "matches empty string": (_minimal(pattern=r"(?:die)?"), "empty string"),
    "unknown key": (
        _minimal().replace("negatable: true", "negatable: true\n        negotiable: true"),
        "unknown key",
    ),
    "missing negatable": (_minimal().replace("negatable: true", ""), "missing negatable"),
    "duplicate id": (
        _minimal().replace(
            "    patterns:\n",
            "    patterns:\n"
            "      - {id: xx.si.die, category: self_harm, "
            "pattern: 'x', negatable: true}\n",
        ),
        "duplicate id",
    ),
    "id without language prefix": (
        _minimal().replace("id: xx.si.die", "id: en.si.die"),
        "must start with the language code",
    ),
    "yaml 'no' read as boolean": (
        _minimal().replace("[never, not]", "[never, no]"),
        "negators: must be a list of non-empty strings",
    ),
    "bad negation window": (
        _minimal().replace("negation_window: 4", "negation_window: -1"),
        "negation_window",
    ),
    "unsupported schema": (
        _minimal().replace("schema_version: 1", "schema_version: 9"),
        "unsupported version",
    ),
    "not a mapping": ("- just\n- a list\n", "must be a mapping"),
    "invalid yaml": ("languages: [unclosed\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_it_rejects_a_broken_phrase_file_with_a_clear_error(tmp_path, case):
    text, message = BROKEN[case]
    path = _write(tmp_path, text)
    with pytest.raises(PhraseFileError) as exc:
        load_rules(tmp_path)
    assert message in str(exc.value)
    assert path.parent.name == "risk"
    assert re.match(r"risk/phrases.yaml:[0-9]+: ", str(exc.value))


def test_it_reports_a_missing_phrase_file(tmp_path):
    with pytest.raises(PhraseFileError, match="cannot read"):
        load_rules(tmp_path / "nowhere")


# ----------------------------------------------------------------- robustness

RISKY_BITS = [
    "I want to die",
    "jeg vil dø",
    "kill myself",
    "never",
    "ikke",
    ", ",
    ". ",
    "\n",
    "don't want to live",
    "mig selv",
    "I'd never hurt myself",
    "…",
    "?",
]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(st.one_of(st.sampled_from(RISKY_BITS), st.text(max_size=8))).map("".join),
    )
)
def test_it_never_raises_and_keeps_offsets_in_bounds(text):
    for hit in detect(text):
        assert 0 <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.sentence
        assert hit.category in CATEGORIES
