"""Programmes' part of the content layer: every programme under ``CONTENT_DIR`` at start-up.

Answers ``app.signals.content_load`` with the programmes, keyed by slug, and every problem
as a ``ContentError`` named relative to the content folder (``programmes/x/...:12``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.content.loader import ContentError as LayerError
from app.signals import ContentPart
from programmes.content import ContentError, load_programmes

NAME = "programmes"


def load(app: Any, content_dir: Path) -> ContentPart:
    try:
        programmes = load_programmes(content_dir)
    except ContentError as error:
        return ContentPart(NAME, None, tuple(
            LayerError(_relative(problem.path, content_dir), problem.line, problem.message)
            for problem in error.problems))
    return ContentPart(NAME, programmes)


def _relative(path: Path, content_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(content_dir))
    except ValueError:
        return str(path)
