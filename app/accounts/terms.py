"""The versioned treatment terms a patient agrees to at registration."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import markdown
from markupsafe import Markup


@dataclass(frozen=True)
class Terms:
    version: str
    language: str
    text: str

    @property
    def html(self) -> Markup:
        # Terms are trusted content from the repository, never user input.
        return Markup(markdown.markdown(self.text))  # noqa: S704


@functools.cache
def load_terms(content_dir: str, version: str, language: str) -> Terms:
    path = Path(content_dir) / "terms" / f"{version}.{language}.md"
    return Terms(version=version, language=language, text=path.read_text(encoding="utf-8"))
