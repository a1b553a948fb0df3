"""The versioned treatment terms a patient agrees to at registration."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from app.content import markdown


@dataclass(frozen=True)
class Terms:
    version: str
    language: str
    text: str

    @property
    def html(self) -> Markup:
        return markdown.render(self.text)


@functools.cache
def load_terms(content_dir: str, version: str, language: str) -> Terms:
    path = Path(content_dir) / "terms" / f"{version}.{language}.md"
    return Terms(version=version, language=language, text=path.read_text(encoding="utf-8"))
