"""Each URL rule's builder compiled once per test process instead of once per app.

Every test builds its own app (``create_app``), and werkzeug compiles two Python functions
per URL rule as it binds the rule (``Rule._compile_builder``: an AST put through
``compile()``). With about 140 rules that was 30 of create_app's 48 ms of CPU, paid by each
of the suite's 3,300 tests on both databases.

A builder depends only on the rule's text (converters included), its trace through the
map's settings, its defaults and whether it appends unknown arguments; it takes the rule as
its first argument and keeps no state. So rules that agree on all of these can share one
function, and the URLs it builds are werkzeug's own. Test tooling only: the product builds
its one app once and gains nothing from this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

Builder = Callable[..., tuple[str, str]]
_compiled: dict[tuple[Any, ...], Builder] = {}
#: werkzeug's own compiler, kept for the test that compares the two.
uncached: Callable[[Rule, bool], Builder] | None = getattr(Rule, "_compile_builder", None)


def _key(rule: Rule, append_unknown: bool) -> tuple[Any, ...]:
    defaults = tuple(sorted((str(k), repr(v)) for k, v in (rule.defaults or {}).items()))
    return (rule.rule, tuple(rule._trace), defaults, append_unknown)


def install() -> bool:
    """Put the cache in front of werkzeug's compiler; False (and nothing changed) when this
    werkzeug has no such private method, so a new version only costs time."""
    compile_builder = uncached
    if compile_builder is None or getattr(Rule._compile_builder, "cached", False):
        return False

    def cached(self: Rule, append_unknown: bool = True) -> Builder:
        key = _key(self, append_unknown)
        builder = _compiled.get(key)
        if builder is None:
            builder = _compiled[key] = compile_builder(self, append_unknown)
        return builder

    cached.cached = True  # type: ignore[attr-defined]
    Rule._compile_builder = cached  # type: ignore[method-assign]
    return True
