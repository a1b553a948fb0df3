import pytest

from programmes.content import Block
from programmes.exercises import BadAnswer, is_blank, parse_answer


def block(kind, **fields):
    defaults = {"reflection": {"prompt": "P", "hint": None, "max_length": 20},
                "slider": {"prompt": "P", "min": 0, "max": 10, "min_label": "a",
                           "max_label": "b"},
                "quiz": {"question": "Q", "options": ("a", "b", "c"), "answer": 1,
                         "explanation": "E"},
                "activity_planner": {"prompt": "P", "days": 3, "suggestions": ()},
                "worry_log": {"prompt": "P"},
                "exposure_ladder": {"prompt": "P", "steps": 3},
                "thought_record": {"prompt": "P"},
                "homework": {"prompt": "P"}}[kind]
    return Block(type=kind, id="x", fields={**defaults, **fields}, line=1)


def test_it_reads_a_reflection():
    assert parse_answer(block("reflection"), {"b-x-text": " hello\r\n"}).data == {"text": "hello"}


def test_it_reports_text_over_the_limit_without_cutting_it():
    parsed = parse_answer(block("reflection"), {"b-x-text": "y" * 21})
    assert not parsed.ok and parsed.too_long == ["b-x-text"]
    assert parsed.data["text"] == "y" * 21


@pytest.mark.parametrize("value", ["11", "-1", "ten", "5.5"])
def test_it_refuses_slider_values_no_form_offers(value):
    with pytest.raises(BadAnswer):
        parse_answer(block("slider"), {"b-x-value": value})


def test_it_reads_a_planner_row_by_row():
    data = parse_answer(block("activity_planner"), {"b-x-1-plan": "walk", "b-x-1-done": "1",
                                                    "b-x-1-mood": "6"}).data
    assert data["days"][1] == {"plan": "walk", "done": True, "mood": 6}
    assert data["days"][0] == {"plan": "", "done": False, "mood": None}


def test_it_refuses_an_unknown_worry_kind():
    with pytest.raises(BadAnswer):
        parse_answer(block("worry_log"), {"b-x-0-kind": "imaginary"})


def test_it_keeps_thought_record_ratings_in_range():
    with pytest.raises(BadAnswer):
        parse_answer(block("thought_record"), {"b-x-intensity_before": "101"})


def test_it_reads_a_quiz_choice_within_the_options():
    assert parse_answer(block("quiz"), {"b-x-choice": "2"}).data == {"choice": 2}
    with pytest.raises(BadAnswer):
        parse_answer(block("quiz"), {"b-x-choice": "3"})


def test_it_knows_an_empty_answer_is_blank():
    assert is_blank(parse_answer(block("exposure_ladder"), {}).data)
    assert not is_blank(parse_answer(block("exposure_ladder"), {"b-x-2-done": "1"}).data)
