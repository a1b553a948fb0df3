"""Without a usable model, everything falls back to the rules and never raises."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.risk_model import risk_signals, score_sentences
from textmodel import TextEncoder, TextModelUnavailable

RISKY = "Work was fine today. I want to kill myself."


def test_it_uses_rules_when_the_model_folder_is_missing(tmp_path):
    encoder = TextEncoder(tmp_path / "nowhere")
    assert encoder.mode() == "rules"
    assert "does not exist" in encoder.reason()
    with pytest.raises(TextModelUnavailable, match="does not exist"):
        encoder.embed("hello")


def test_it_still_finds_rule_hits_without_the_model(tmp_path):
    signals = risk_signals(RISKY, encoder=TextEncoder(tmp_path / "nowhere"), classifier=None)
    assert [(s.sentence, s.layers, s.similarity) for s in signals] == [
        ("I want to kill myself.", ("rules",), None)
    ]


def test_it_remembers_why_a_broken_folder_did_not_load(tmp_path):
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    encoder = TextEncoder(tmp_path)
    assert encoder.mode() == "model"  # it looks loadable until it is tried
    signals = risk_signals(RISKY, encoder=encoder, classifier=None)
    assert [s.layers for s in signals] == [("rules",)]
    assert encoder.mode() == "rules" and "failed" in encoder.reason()
    assert encoder.loads == 0


PIECES = st.sampled_from([
    "I want to kill myself.", "Jeg vil ikke leve mere.", "I would never hurt myself.",
    "My future looks empty.", "\n", "...", " ", "Dr. No", "æøå", "\u2019", "!?",
])
TEXTS = st.text(max_size=300) | st.lists(PIECES | st.text(max_size=30), max_size=8).map("".join)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, lang=st.sampled_from([None, "da", "en", "da-DK", "xx", ""]))
def test_it_never_raises_on_arbitrary_text(encoder, text, lang):
    scored = score_sentences(text, lang, encoder=encoder, classifier=None)
    for s in scored:
        assert text[s.start : s.end] == s.sentence
        assert s.flagged == (s in risk_signals(text, lang, encoder=encoder, classifier=None))
