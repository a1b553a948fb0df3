"""The clinical hazard log (DCB0129 style) and its link to the tests that prove each control.

``docs/safety/hazard-log.yaml`` lists every hazard with its cause, effect, severity and
likelihood, and the controls that reduce it. Each control names the tests that prove it, as
pytest node ids (``tests/screening/test_risk_loop.py::test_it_alerts_...``); each of those
tests carries ``@pytest.mark.hazard("H-001")``. This module reads the log and finds the
tests without running them, so a test can fail when a hazard has no test or names one that
does not exist. It imports no Flask: ``flask safety report`` (``app.cli``) adds the results.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from xml.etree import ElementTree

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

HazardId = Annotated[str, StringConstraints(pattern=r"^H-\d{3}$")]
TestId = Annotated[str, StringConstraints(pattern=r"^tests/[\w/.-]+\.py::\w+(::\w+)?$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


class Severity(StrEnum):
    MINOR = "minor"
    SIGNIFICANT = "significant"
    CONSIDERABLE = "considerable"
    MAJOR = "major"
    CATASTROPHIC = "catastrophic"


class Likelihood(StrEnum):
    VERY_LOW = "very low"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very high"


# The DCB0129/DCB0160 risk matrix: rows by likelihood, columns by severity; 1 is acceptable,
# 5 unacceptable.
_RISK_MATRIX: dict[Likelihood, tuple[int, int, int, int, int]] = {
    Likelihood.VERY_HIGH: (3, 4, 4, 5, 5),
    Likelihood.HIGH: (2, 3, 3, 4, 5),
    Likelihood.MEDIUM: (2, 2, 3, 3, 4),
    Likelihood.LOW: (1, 2, 2, 3, 4),
    Likelihood.VERY_LOW: (1, 1, 2, 2, 3),
}


def risk_rating(severity: Severity, likelihood: Likelihood) -> int:
    return _RISK_MATRIX[likelihood][list(Severity).index(severity)]


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: Text
    tests: list[TestId] = Field(min_length=1)


class Hazard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: HazardId
    title: Text
    cause: Text
    effect: Text
    severity: Severity
    likelihood: Likelihood  # after the controls: the residual likelihood
    controls: list[Control] = Field(min_length=1)

    @property
    def risk(self) -> int:
        return risk_rating(self.severity, self.likelihood)

    @property
    def tests(self) -> list[str]:
        return [test for control in self.controls for test in control.tests]


class HazardLog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hazards: list[Hazard] = Field(min_length=1)

    @field_validator("hazards")
    @classmethod
    def _unique_ids(cls, hazards: list[Hazard]) -> list[Hazard]:
        ids = [h.id for h in hazards]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"hazard ids listed twice: {', '.join(repeated)}")
        return hazards


class HazardLogError(ValueError):
    """The hazard log is missing, is not YAML, or does not follow the schema."""


def load(path: Path) -> HazardLog:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HazardLogError(f"{path}: {exc}") from exc
    try:
        return HazardLog.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise HazardLogError(f"{path}: {problems}") from exc


@dataclass(frozen=True)
class FoundTest:
    """A test function found in the source, with the hazard ids its markers name."""

    node_id: str
    hazards: frozenset[str]


def find_test(root: Path, node_id: str) -> FoundTest | None:
    """The test that ``node_id`` names under ``root``, or None if there is no such test."""
    path, _, name = node_id.partition("::")
    module = _parse(root / path)
    if module is None:
        return None
    for found in _tests_in(module, path):
        if found.node_id == node_id:
            return found
    return None


def marked_tests(root: Path) -> Iterator[FoundTest]:
    """Every test under ``root/tests`` that carries a hazard marker."""
    for file in sorted((root / "tests").rglob("test_*.py")):
        module = _parse(file)
        if module is not None:
            relative = file.relative_to(root).as_posix()
            yield from (t for t in _tests_in(module, relative) if t.hazards)


def _parse(file: Path) -> ast.Module | None:
    try:
        return ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None


def _tests_in(module: ast.Module, path: str) -> Iterator[FoundTest]:
    module_marks = _module_hazards(module)
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            yield FoundTest(f"{path}::{node.name}", module_marks | _hazards(node.decorator_list))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            class_marks = module_marks | _hazards(node.decorator_list)
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    marks = class_marks | _hazards(item.decorator_list)
                    yield FoundTest(f"{path}::{node.name}::{item.name}", marks)


def _module_hazards(module: ast.Module) -> frozenset[str]:
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            value = node.value
            marks = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            return _hazards(marks)
    return frozenset()


def _hazards(decorators: list[ast.expr]) -> frozenset[str]:
    """Hazard ids named by ``pytest.mark.hazard("H-001", ...)`` decorators."""
    ids: set[str] = set()
    for decorator in decorators:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "hazard"
        ):
            ids.update(
                a.value for a in decorator.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            )
    return frozenset(ids)


PASSED, FAILED, SKIPPED, NOT_RUN, MISSING = "passed", "failed", "skipped", "not run", "missing"


def results_from_junit(xml_text: str) -> dict[str, str]:
    """Each test's outcome from a pytest ``--junitxml`` report, by node id.

    A parametrised test passes only when every case passed.
    """
    outcomes: dict[str, str] = {}
    rank = {PASSED: 0, SKIPPED: 1, FAILED: 2}
    for case in ElementTree.fromstring(xml_text).iter("testcase"):  # noqa: S314 - our own report
        node_id = _node_id(case.get("classname", ""), case.get("name", ""))
        outcome = PASSED
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = FAILED
        elif case.find("skipped") is not None:
            outcome = SKIPPED
        if rank[outcome] >= rank.get(outcomes.get(node_id, PASSED), 0):
            outcomes[node_id] = outcome
    return outcomes


def _node_id(classname: str, name: str) -> str:
    parts = classname.split(".")
    # "tests.screening.test_x" or "tests.screening.test_x.TestClass"
    classes: list[str] = []
    while parts and parts[-1][:1].isupper():
        classes.insert(0, parts.pop())
    function = name.split("[", 1)[0]
    return "::".join(["/".join(parts) + ".py", *classes, function])


def control_status(tests: list[str], outcomes: dict[str, str] | None, root: Path) -> list[
    tuple[str, str]
]:
    """Each test of a control with its status: missing, not run, or its outcome."""
    statuses = []
    for test in tests:
        if find_test(root, test) is None:
            statuses.append((test, MISSING))
        elif outcomes is None:
            statuses.append((test, NOT_RUN))
        else:
            statuses.append((test, outcomes.get(test, NOT_RUN)))
    return statuses
