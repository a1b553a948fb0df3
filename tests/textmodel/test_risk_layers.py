"""The similarity layer and the combination, on the packaged encoder and the eval set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from screening import risk_model
from screening.risk_language import split_sentences
from screening.risk_model import guess_language, load_prototypes, risk_signals, score_sentences
from tests.helpers import SHIPPED_CONTENT

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from risk_eval import load_eval  # noqa: E402


def test_it_flags_an_implicit_statement_that_the_rules_miss(encoder):
    text = "Some days I hope I just fall asleep forever."
    signals = risk_signals(text, encoder=encoder, classifier=None)
    assert [s.layers for s in signals] == [("similarity",)]
    assert signals[0].prototype and signals[0].categories


def test_it_does_not_let_similarity_alone_flag_a_negated_sentence(encoder):
    (scored,) = score_sentences("I would never take my own life.", encoder=encoder,
                                classifier=None)
    assert scored.negated and scored.similarity > 0.5
    assert not scored.flagged


def test_it_leaves_danish_sentences_to_the_rules_with_an_english_encoder(encoder):
    scored = score_sentences("Jeg har ikke lyst til at leve længere. I feel hopeless.",
                             encoder=encoder, classifier=None)
    assert scored[0].similarity is None and scored[0].rule_hit
    assert scored[1].similarity is not None


def test_it_reports_each_flagged_sentence_with_its_offsets(encoder):
    text = "Slept badly.  I want to kill myself!\nWork was OK."
    (signal,) = risk_signals(text, "en", encoder=encoder, classifier=None)
    assert text[signal.start : signal.end] == signal.sentence == "I want to kill myself!"
    assert signal.to_dict()["layers"][0] == "rules"


@pytest.fixture(scope="module")
def eval_results(encoder):
    rows = load_eval()
    # Embed every sentence in batches first: scoring then reads the encoder's cache.
    encoder.embed([row.text[a:b] for row in rows for a, b in split_sentences(row.text)])
    return [(row, score_sentences(row.text, encoder=encoder, classifier=None)) for row in rows]


def test_it_never_loses_a_rule_hit_of_the_eval_set(eval_results):
    for _row, scored in eval_results:
        assert all(s.flagged for s in scored if s.rule_hit)


def test_it_meets_the_recall_and_precision_goals_on_the_eval_set(eval_results):
    predicted = [(row, any(s.flagged for s in scored)) for row, scored in eval_results]
    explicit = [p for row, p in predicted if row.kind == "explicit"]
    tp = sum(1 for row, p in predicted if p and row.label)
    fp = sum(1 for row, p in predicted if p and not row.label)
    assert all(explicit)
    assert tp / (tp + fp) >= 0.8


def test_it_guesses_the_language_of_a_sentence():
    assert guess_language("Jeg har det ikke godt i dag.") == "da"
    assert guess_language("I am not feeling well today.") == "en"
    assert guess_language("OK") is None


def test_it_ships_valid_prototypes_that_do_not_copy_the_eval_set():
    protos = load_prototypes(SHIPPED_CONTENT)
    assert {p.lang for p in protos.risk} == {"en", "da"}
    eval_texts = {row.text.strip().lower() for row in load_eval()}
    assert not [p.text for p in protos.risk + protos.contrast if p.text.lower() in eval_texts]


def test_it_names_the_problem_in_a_broken_prototype_file(tmp_path):
    (tmp_path / "risk").mkdir()
    (tmp_path / "risk" / "prototypes.yaml").write_text(
        "schema_version: 1\nlanguages:\n  en:\n    risk:\n      - {id: en.x, text: hi}\n"
    )
    with pytest.raises(risk_model.PrototypeFileError,
                       match=r"risk/prototypes.yaml:5: languages.en.risk.0: missing category"):
        load_prototypes(tmp_path)


def test_it_refuses_thresholds_outside_zero_to_one(clean_settings):
    with pytest.raises(ValueError, match="RISK_SIMILARITY_THRESHOLD"):
        risk_model.configure(similarity_threshold=1.5)
