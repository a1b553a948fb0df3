"""Screening's part of the content layer: what it reads from ``CONTENT_DIR`` at start-up.

``load`` answers ``app.signals.content_load``: it reads the instruments, the routing rules
and the risk-language files of the configured folder, and reports every problem with file
and line instead of raising, so that a broken ``risk/phrases.yaml`` stops a production app
and shows on the admin's page in development (it used to switch risk alerts off quietly).
``current()`` hands the result to the views and operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app import content as content_layer
from app.content.loader import ContentError
from app.signals import ContentPart
from screening import risk_language, risk_model, routing
from screening.instruments import INSTRUMENT_IDS, Instrument, load_instrument
from screening.routing_models import RuleSet

T = TypeVar("T")
NAME = "screening"


@dataclass(frozen=True)
class ScreeningContent:
    """Screening's content; a piece whose files have problems is None."""

    directory: Path
    instruments: dict[str, Instrument] | None
    rules: RuleSet | None
    phrases: risk_language.RuleSet | None
    prototypes: risk_model.PrototypeSet | None


def load(app: Any, content_dir: Path) -> ContentPart:
    problems: list[ContentError] = []

    def attempt(build: Callable[[], T]) -> T | None:
        try:
            return build()
        except ContentError as error:
            problems.append(error)
        return None

    value = ScreeningContent(
        directory=content_dir,
        instruments=attempt(lambda: {iid: load_instrument(iid, content_dir)
                                     for iid in INSTRUMENT_IDS}),
        rules=attempt(lambda: routing.load_rules(content_dir)),
        phrases=attempt(lambda: risk_language.load_rules(content_dir)),
        prototypes=attempt(lambda: risk_model.load_prototypes(content_dir)),
    )
    return ContentPart(NAME, value, tuple(problems))


def current() -> ScreeningContent:
    """The app's screening content (built at start-up from ``CONTENT_DIR``)."""
    found = content_layer.part(NAME)
    if not isinstance(found, ScreeningContent):
        raise RuntimeError("the screening content was not loaded (is screening set up?)")
    return found


def rules() -> RuleSet:
    found = current().rules
    if found is None:
        raise RuntimeError("routing.yaml has problems: see `flask content check`")
    return found
