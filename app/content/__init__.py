"""The content layer: every content file is read once, at start-up, from ``CONTENT_DIR``.

The core knows no content file itself. Each package connects a receiver to
``app.signals.content_load``; it reads its files with :func:`app.content.loader.load_yaml`,
checks them with its pydantic models and returns a ``ContentPart``: what it built (handed
to its pure cores through :func:`part`) and the problems, each a ``ContentError`` with file
and line. Nothing falls back to a folder inside a package.

With problems, a production app refuses to start, naming every file and line; in
development and tests they are logged and shown on the admin's page, and the package
whose content is broken builds what it can (the broken piece is ``None``).
``flask content check`` runs the same checks and prints ``file:line: message``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from app.config import ConfigError
from app.content.loader import ContentError

__all__ = ["Content", "ContentError", "ContentProblems", "build", "init_app", "part",
           "problems"]

log = logging.getLogger(__name__)
_built: dict[tuple[Any, ...], Content] = {}  # by folder, packages and the files' stamps


class ContentProblems(ConfigError):
    """Bad content in production: the app does not start."""

    def __init__(self, found: list[ContentError]) -> None:
        lines = "\n".join(str(problem) for problem in found)
        super().__init__(f"{len(found)} problem(s) in the content:\n{lines}")
        self.problems = found


@dataclass(frozen=True)
class Content:
    """What the packages built from one content folder, and what is wrong with it."""

    directory: Path
    parts: dict[str, Any] = field(default_factory=dict)
    problems: tuple[ContentError, ...] = ()


def build(app: Flask) -> Content:
    """Every package's content from ``app.config["CONTENT_DIR"]`` (cached while unchanged)."""
    from app import signals

    directory = Path(app.config["CONTENT_DIR"]).resolve()
    key = (directory, app.extensions.get("stepcare_packages", ()), _stamps(directory))
    if key not in _built:
        with app.app_context():
            found = signals.answers(signals.content_load, app, content_dir=directory)
        parts = {item.name: item.value for item in found}
        problems = tuple(sorted((problem for item in found for problem in item.problems),
                                key=lambda problem: (problem.file, problem.line)))
        _built[key] = Content(directory, parts, problems)
    return _built[key]


def _stamps(directory: Path) -> tuple[tuple[str, int, int], ...]:
    # Size and modification time of every file: an edit between two apps is read anew.
    if not directory.is_dir():
        return ()
    return tuple(sorted((str(path), path.stat().st_mtime_ns, path.stat().st_size)
                        for path in directory.rglob("*") if path.is_file()))


def init_app(app: Flask) -> None:
    """Build the content after every package connected its receiver (``create_app``)."""
    content = build(app)
    app.extensions["stepcare_content"] = content
    for problem in content.problems:
        log.error("content problem: %s", problem)
    production = app.config.get("ENV") == "production" and not (app.debug or app.testing)
    if content.problems and production:
        raise ContentProblems(list(content.problems))


def part(name: str) -> Any:
    """The content a package built (its broken pieces are None)."""
    content: Content = current_app.extensions["stepcare_content"]
    return content.parts.get(name)


def problems() -> tuple[ContentError, ...]:
    content: Content | None = current_app.extensions.get("stepcare_content")
    return content.problems if content else ()
