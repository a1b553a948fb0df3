"""HTML built in Python, where a page repeats a small piece many times (the caseload's cells,
dates): a template with each value escaped."""

from __future__ import annotations

from typing import LiteralString

from markupsafe import Markup, escape


def html(template: LiteralString, *values: object) -> Markup:
    """``template`` with each ``%s`` replaced by its value, escaped.

    The same output as ``Markup(template).format(...)`` with ``{}``, at a quarter of the
    cost: ``Markup.format`` escapes through a pure-Python ``string.Formatter``, which the
    caseload paid some 300 times per page.
    """
    # Safe: the template is a literal, and every value passes through escape().
    return Markup(template % tuple(escape(value) for value in values))  # noqa: S704
