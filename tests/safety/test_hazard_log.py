"""The hazard log names tests that exist and carry its hazard ids, and `flask safety report`
prints it with each control's status."""

from pathlib import Path

import pytest

from app import hazards

ROOT = Path(__file__).resolve().parents[2]
LOG = hazards.load(ROOT / "docs" / "safety" / "hazard-log.yaml")
REQUIRED = {
    "H-004": "notification",
    "H-005": "reached",
    "H-006": "wrong patient",
    "H-007": "reassignment",
    "H-010": "safety plan",
    "H-001": "item-9",
    "H-002": "free text",
    "H-003": "deadline",
    "H-008": "self-help",
    "H-009": "crisis numbers",
}


def test_it_covers_the_required_hazards():
    titles = {h.id: h.title for h in LOG.hazards}
    assert {hazard_id: words in titles.get(hazard_id, "") for hazard_id, words in
            REQUIRED.items()} == dict.fromkeys(REQUIRED, True)


@pytest.mark.parametrize("hazard", LOG.hazards, ids=lambda h: h.id)
def test_it_names_only_tests_that_exist_and_carry_the_hazards_marker(hazard):
    found = {test: hazards.find_test(ROOT, test) for test in hazard.tests}
    assert [t for t, f in found.items() if f is None] == [], "named tests that do not exist"
    assert [t for t, f in found.items() if hazard.id not in f.hazards] == [], "unmarked tests"


def test_it_names_every_test_that_carries_a_hazard_marker():
    named = {(h.id, t) for h in LOG.hazards for t in h.tests}
    marked = {(hazard_id, t.node_id) for t in hazards.marked_tests(ROOT) for hazard_id in t.hazards}
    assert sorted(marked - named) == []


def test_it_refuses_a_hazard_without_a_test(tmp_path):
    log = tmp_path / "log.yaml"
    log.write_text(
        "hazards:\n  - {id: H-001, title: A thing, cause: Some cause, effect: Some effect,\n"
        "     severity: major, likelihood: low, controls: [{description: A control, tests: []}]}\n"
    )
    with pytest.raises(hazards.HazardLogError, match=r"hazards\.0\.controls\.0\.tests"):
        hazards.load(log)


def test_it_finds_no_test_for_a_name_that_does_not_exist():
    assert hazards.find_test(ROOT, "tests/safety/test_hazard_log.py::test_it_is_not_here") is None
    assert hazards.find_test(ROOT, "tests/safety/test_nothing.py::test_it_is_not_here") is None


def test_it_rates_risk_with_the_dcb0129_matrix():
    assert hazards.risk_rating(hazards.Severity.CATASTROPHIC, hazards.Likelihood.VERY_HIGH) == 5
    assert hazards.risk_rating(hazards.Severity.MINOR, hazards.Likelihood.VERY_LOW) == 1
    assert hazards.risk_rating(hazards.Severity.MAJOR, hazards.Likelihood.LOW) == 3


JUNIT = """<?xml version="1.0"?><testsuites><testsuite>
<testcase classname="tests.safety.test_crisis_lines"
  name="test_it_ships_the_checked_danish_numbers"/>
<testcase classname="tests.screening.test_risk_rules"
  name="test_it_returns_the_exact_sentence_and_offsets_for_a_required_positive[a]"/>
<testcase classname="tests.screening.test_risk_rules"
  name="test_it_returns_the_exact_sentence_and_offsets_for_a_required_positive[b]">
  <failure message="boom"/></testcase>
</testsuite></testsuites>"""


def test_it_reads_outcomes_from_a_junit_report_failing_a_test_when_one_case_fails():
    outcomes = hazards.results_from_junit(JUNIT)
    assert outcomes == {
        "tests/safety/test_crisis_lines.py::test_it_ships_the_checked_danish_numbers": "passed",
        "tests/screening/test_risk_rules.py::"
        "test_it_returns_the_exact_sentence_and_offsets_for_a_required_positive": "failed",
    }


def test_it_prints_every_hazard_and_fails_on_a_failed_control(runner, tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT)
    result = runner.invoke(args=["safety", "report", "--junit", str(report)])
    assert [h.id for h in LOG.hazards if h.id in result.output] == [h.id for h in LOG.hazards]
    assert "[passed] tests/safety/test_crisis_lines.py::test_it_ships_the_checked_danish_numbers" \
        in result.output
    assert "[failed] tests/screening/test_risk_rules.py::" in result.output
    assert result.exit_code == 1
    assert "Controls without passing tests" in result.output


def test_it_lists_the_log_without_running_the_tests(runner):
    result = runner.invoke(args=["safety", "report", "--no-run"])
    assert result.exit_code == 0, result.output
    assert "[not run]" in result.output
    assert "[missing]" not in result.output


def test_it_runs_the_named_tests_and_reads_their_outcomes(tmp_path):
    from app.cli import _run_tests

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "def test_it_passes():\n    assert True\n\ndef test_it_fails():\n    assert False\n"
    )
    outcomes = _run_tests(tmp_path, ["tests/test_x.py::test_it_passes",
                                     "tests/test_x.py::test_it_fails",
                                     "tests/test_x.py::test_it_is_not_there"])
    assert outcomes == {"tests/test_x.py::test_it_passes": "passed",
                        "tests/test_x.py::test_it_fails": "failed"}
