"""The test suite's cache of werkzeug's URL builders gives every rule werkzeug's own."""

from __future__ import annotations

from werkzeug.routing.rules import Rule

from tests import route_builders


def _same(one, other) -> bool:
    return (one.__code__.co_code == other.__code__.co_code
            and one.__code__.co_consts == other.__code__.co_consts
            and one.__code__.co_varnames == other.__code__.co_varnames
            and one.__defaults__ == other.__defaults__)


def test_it_is_installed_for_the_suite():
    assert getattr(Rule._compile_builder, "cached", False)


def test_it_gives_each_rule_of_the_app_the_builder_werkzeug_compiles_for_it(app):
    assert route_builders.uncached is not None
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            shared = Rule._compile_builder(rule, append_unknown)
            assert _same(shared, route_builders.uncached(rule, append_unknown)), rule.rule


def test_it_builds_the_same_urls_as_werkzeug(app):
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        built = adapter.build("caseload.patient", {"patient_id": 7, "tab": "notes"})
    assert built == "/patients/7?tab=notes"
