"""The boundaries between the core and the packages, as the code must keep them.

The import rules themselves are import-linter's contracts (pyproject.toml, run by
.ci/run); these tests hold what imports cannot show: the core's templates name no domain,
every cross-package signal lives in the ``app.signals`` package with its documentation and a
receiver, and a fact the caseload needs is always provided by some package.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import blinker
import pytest
from flask import render_template_string

from app import PACKAGES, create_app, signals
from app.caseload import facts as caseload_facts
from app.caseload.triage import Facts, Row, UnknownFact, category
from tests.conftest import make_app
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_BLUEPRINTS = ("screening", "programmes", "video", "safety", "reports", "textmodel")


def _signals() -> dict[str, blinker.Signal]:
    return {name: value for name, value in vars(signals).items()
            if isinstance(value, blinker.Signal)}


def test_it_names_no_domain_endpoint_or_template_in_the_core_templates():
    endpoint = re.compile(r"""url_for\(\s*['"](\w+)\.""")
    include = re.compile(r"""(?:include|import|extends|from)\s+['"](\w+)/""")
    found = []
    for path in (ROOT / "app" / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found += [(path.name, name) for name in endpoint.findall(text) + include.findall(text)
                  if name in DOMAIN_BLUEPRINTS]
    assert found == []


def test_it_keeps_every_cross_package_signal_in_app_signals():
    namespaces = []
    for package in ("app", *PACKAGES):
        for path in (ROOT / package).rglob("*.py"):
            if (ROOT / "app" / "signals") in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Namespace":
                    namespaces.append(str(path.relative_to(ROOT)))
    assert namespaces == []


def test_it_documents_every_signal():
    undocumented = [name for name, signal in _signals().items()
                    if not (signal.__doc__ or "").startswith("Sent by")]
    assert undocumented == []


def test_it_has_a_receiver_for_every_signal(app):
    idle = [name for name, signal in _signals().items() if not signal.receivers]
    assert idle == []


def test_it_provides_every_fact_triage_and_the_pages_need(app):
    with app.app_context():
        assert caseload_facts.missing() == frozenset()


def _app_without_screening(tmp_path):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                       "SQLALCHEMY_DATABASE_URI": "sqlite://"},
                      packages=[p for p in PACKAGES if p != "screening"])


def test_it_names_the_facts_nobody_provides_when_a_domain_is_missing(app, tmp_path):
    with _app_without_screening(tmp_path).app_context():
        missing = caseload_facts.missing()
    assert {"open_risk_alerts", "reliable_deterioration", "not_on_track",
            "phq9_latest"} <= missing


def test_it_fails_the_caseload_when_triage_needs_a_fact_nobody_provides(
        app, migrated_database, tmp_path, personas):
    lacking = make_app(migrated_database, tmp_path,
                       [p for p in PACKAGES if p != "screening"], empty=False)
    client = lacking.test_client()
    sign_in(lacking, client, personas.theo)
    with pytest.raises(UnknownFact, match="open_risk_alerts"):
        client.get("/caseload")


def test_it_refuses_a_misspelt_fact_in_code_and_in_templates():
    facts = Facts({"phq9_latest": 12})
    assert facts.phq9_latest == 12
    with pytest.raises(UnknownFact, match="phq9_lastest"):
        _ = facts.phq9_lastest
    with pytest.raises(UnknownFact):
        category(Row(1, "Alice", {"reliable_deterioration": False}), now=None)


def test_it_refuses_a_misspelt_fact_while_a_template_renders(app):
    with app.test_request_context(), pytest.raises(UnknownFact):
        render_template_string("{{ f.phq9_lastest }}", f=Facts({"phq9_latest": 12}))


@dataclass(frozen=True)
class _Clash(signals.PatientFacts):
    step: int = 0  # the core's own fact


def _clash(sender, **_kwargs):
    return signals.CaseloadFacts(_Clash)


def test_it_refuses_two_packages_providing_the_same_fact(app):
    signals.caseload_facts.connect(_clash)
    try:
        with app.app_context(), pytest.raises(caseload_facts.DuplicateFact, match="'step'"):
            caseload_facts.provided()
    finally:
        signals.caseload_facts.disconnect(_clash)
