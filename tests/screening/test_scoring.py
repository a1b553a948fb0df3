"""Scoring checked against an independent computation, plus NHS outcome definitions."""

from __future__ import annotations

import itertools
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening import scoring
from screening.scoring import Score, episode_outcome
from tests.helpers import SHIPPED_CONTENT

score = partial(scoring.score, content_dir=SHIPPED_CONTENT)

# Published severity bands, written out here independently of the YAML on purpose.
PHQ9_BANDS = {**dict.fromkeys(range(0, 5), "minimal"), **dict.fromkeys(range(5, 10), "mild"),
              **dict.fromkeys(range(10, 15), "moderate"),
              **dict.fromkeys(range(15, 20), "moderately_severe"),
              **dict.fromkeys(range(20, 28), "severe")}
GAD7_BANDS = {**dict.fromkeys(range(0, 5), "minimal"), **dict.fromkeys(range(5, 10), "mild"),
              **dict.fromkeys(range(10, 15), "moderate"), **dict.fromkeys(range(15, 22), "severe")}

ITEM_COUNT = {"phq9": 9, "gad7": 7, "wsas": 5}
ITEM_MAX = {"phq9": 3, "gad7": 3, "wsas": 8}


def test_it_scores_every_phq9_answer_vector_like_the_published_rules():
    for answers in itertools.product(range(4), repeat=9):
        total = sum(answers)
        expected = Score("phq9", total, PHQ9_BANDS[total], 27, answers[8] >= 1)
        assert score("phq9", answers) == expected, answers


def test_it_scores_every_gad7_answer_vector_like_the_published_rules():
    for answers in itertools.product(range(4), repeat=7):
        total = sum(answers)
        expected = Score("gad7", total, GAD7_BANDS[total], 21, False)
        assert score("gad7", answers) == expected, answers


def test_it_accepts_a_list_as_well_as_a_tuple():
    assert score("phq9", [3, 3, 3, 3, 3, 0, 0, 0, 0]).total == 15


@pytest.mark.parametrize(("answers", "band"), [
    ([0, 0, 0, 0, 0], "subclinical"),
    ([2, 2, 2, 2, 1], "subclinical"),  # 9
    ([2, 2, 2, 2, 2], "significant"),  # 10
    ([4, 4, 4, 4, 4], "significant"),  # 20
    ([5, 4, 4, 4, 4], "severe"),  # 21
    ([8, 8, 8, 8, 8], "severe"),  # 40
])
def test_it_bands_wsas_at_its_boundaries(answers, band):
    result = score("wsas", answers)
    assert (result.total, result.band, result.max_total, result.risk) == (
        sum(answers), band, 40, False)


def test_it_names_the_item_position_and_range_in_the_error():
    with pytest.raises(ValueError, match=r"answer 3 \(phq9_3\) must be an integer 0-3, got 4"):
        score("phq9", [0, 0, 4, 0, 0, 0, 0, 0, 0])


def test_it_refuses_to_score_the_intake_form():
    with pytest.raises(ValueError, match="cannot score 'intake'"):
        score("intake", [])


# --- invalid input always raises ValueError ----------------------------------------------

instrument_ids = st.sampled_from(sorted(ITEM_COUNT))
not_an_int = st.one_of(st.booleans(), st.floats(), st.text(max_size=3), st.none(),
                       st.decimals(allow_nan=False), st.lists(st.integers(0, 3), max_size=2))


@st.composite
def valid_answers(draw, instrument_id):
    item = st.integers(0, ITEM_MAX[instrument_id])
    return draw(st.lists(item, min_size=ITEM_COUNT[instrument_id],
                         max_size=ITEM_COUNT[instrument_id]))


@given(data=st.data(), instrument_id=instrument_ids)
def test_it_rejects_the_wrong_number_of_answers(data, instrument_id):
    count = ITEM_COUNT[instrument_id]
    length = data.draw(st.integers(0, 20).filter(lambda n: n != count))
    answers = data.draw(st.lists(st.integers(0, 3), min_size=length, max_size=length))
    with pytest.raises(ValueError):
        score(instrument_id, answers)


@given(data=st.data(), instrument_id=instrument_ids)
def test_it_rejects_an_out_of_range_answer(data, instrument_id):
    answers = data.draw(valid_answers(instrument_id))
    position = data.draw(st.integers(0, len(answers) - 1))
    answers[position] = data.draw(st.one_of(st.integers(max_value=-1),
                                            st.integers(min_value=ITEM_MAX[instrument_id] + 1)))
    with pytest.raises(ValueError):
        score(instrument_id, answers)


@given(data=st.data(), instrument_id=instrument_ids)
def test_it_rejects_a_non_integer_answer_including_bools(data, instrument_id):
    answers = data.draw(valid_answers(instrument_id))
    position = data.draw(st.integers(0, len(answers) - 1))
    answers[position] = data.draw(not_an_int)
    with pytest.raises(ValueError):
        score(instrument_id, answers)


not_a_list = st.one_of(st.none(), st.integers(), st.text(), st.dictionaries(st.text(), st.text()))


@given(instrument_id=instrument_ids, answers=not_a_list)
def test_it_rejects_answers_that_are_not_a_list(instrument_id, answers):
    with pytest.raises(ValueError):
        score(instrument_id, answers)


# --- episode outcome (NHS Talking Therapies) ---------------------------------------------

OUTCOME_FIELDS = ("caseness_at_start", "caseness_at_end", "recovered", "reliable_improvement",
                  "reliable_deterioration", "reliable_recovery")


@pytest.mark.parametrize(("first", "last", "expected"), [
    # Start in caseness on both, end below both, PHQ-9 falls 8: full reliable recovery.
    ((14, 9), (6, 5), (True, False, True, True, False, True)),
    # PHQ-9 9 -> 3 and GAD-7 7 -> 3: reliable improvement, but never in caseness, so no
    # recovery can be counted.
    ((9, 7), (3, 3), (False, False, False, True, False, False)),
    # Caseness by GAD-7 alone (PHQ-9 5, GAD-7 8 = the cut-off); GAD-7 falls 4 to 4.
    ((5, 8), (5, 4), (True, False, True, True, False, True)),
    # Caseness by PHQ-9 alone at exactly 10; falls 6 to 4: reliable recovery.
    ((10, 0), (4, 0), (True, False, True, True, False, True)),
    # Recovered (12 -> 9, below 10) but the fall of 3 is not reliable: recovered only.
    ((12, 5), (9, 5), (True, False, True, False, False, False)),
    # PHQ-9 falls 5 and GAD-7 falls 3: just short of reliable on both.
    ((15, 10), (10, 7), (True, True, False, False, False, False)),
    # PHQ-9 falls exactly 6 but stays at 10 (caseness): reliable improvement, no recovery.
    ((16, 5), (10, 5), (True, True, False, True, False, False)),
    # GAD-7 ends at 8 (the cut-off) so still in caseness although PHQ-9 ended at 2.
    ((14, 12), (2, 8), (True, True, False, True, False, False)),
    # PHQ-9 rises exactly 6: reliable deterioration.
    ((4, 3), (10, 3), (False, True, False, False, True, False)),
    # GAD-7 rises exactly 4: reliable deterioration.
    ((4, 3), (4, 7), (False, False, False, False, True, False)),
    # PHQ-9 falls 8 but GAD-7 rises 4: deterioration cancels the improvement.
    ((18, 5), (10, 9), (True, True, False, False, True, False)),
    # GAD-7 falls 6 but PHQ-9 rises 6 (4 -> 10): deterioration wins; caseness throughout.
    ((4, 14), (10, 8), (True, True, False, False, True, False)),
    # Recovered (ends below both cut-offs) although GAD-7 rose 4 (3 -> 7, still below 8):
    # that rise is a reliable deterioration, so there is no reliable recovery.
    ((12, 3), (2, 7), (True, False, True, False, True, False)),
    # No change at all, in caseness throughout.
    ((13, 11), (13, 11), (True, True, False, False, False, False)),
    # Extremes: 27/21 to 0/0.
    ((27, 21), (0, 0), (True, False, True, True, False, True)),
    # PHQ-9 rises 5 and GAD-7 rises 3: not reliable either way.
    ((3, 2), (8, 5), (False, False, False, False, False, False)),
])
def test_it_classifies_episode_outcomes_like_nhs_talking_therapies(first, last, expected):
    outcome = episode_outcome({"phq9": first[0], "gad7": first[1]},
                              {"phq9": last[0], "gad7": last[1]})
    assert tuple(getattr(outcome, name) for name in OUTCOME_FIELDS) == expected


def test_it_reports_the_change_on_each_measure():
    outcome = episode_outcome({"phq9": 14, "gad7": 9}, {"phq9": 6, "gad7": 11})
    assert (outcome.phq9_change, outcome.gad7_change) == (-8, 2)


@pytest.mark.parametrize(("first", "last"), [
    ({"phq9": 14}, {"phq9": 6, "gad7": 5}),
    ({"phq9": 14, "gad7": 9}, {"gad7": 5}),
    ({}, {}),
])
def test_it_rejects_an_outcome_with_a_missing_measure(first, last):
    with pytest.raises(ValueError, match="missing"):
        episode_outcome(first, last)


@pytest.mark.parametrize("bad_total", [-1, 28, 9.0, True, None, "9"])
def test_it_rejects_an_outcome_with_an_invalid_total(bad_total):
    with pytest.raises(ValueError, match="phq9"):
        episode_outcome({"phq9": bad_total, "gad7": 9}, {"phq9": 6, "gad7": 5})
