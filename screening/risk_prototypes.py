"""The risk and contrast prototype statements (``content/risk/prototypes.yaml``).

Loaded and validated once per file; their vectors are embedded once per encoder.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.content.loader import ContentError
from screening.risk_language import checked_yaml, content_file

if TYPE_CHECKING:  # pragma: no cover
    from textmodel import TextEncoder

PROTOTYPES_RELPATH = Path("risk") / "prototypes.yaml"

#: The prototype file is unreadable or breaks its schema (screening.phrase_models).
PrototypeFileError = ContentError


@dataclass(frozen=True)
class Prototype:
    id: str
    lang: str
    text: str
    category: str | None  # None for contrast statements


@dataclass(frozen=True)
class PrototypeSet:
    path: Path
    risk: tuple[Prototype, ...]
    contrast: tuple[Prototype, ...]

    @functools.cached_property
    def risk_index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.risk)}

    @functools.cached_property
    def contrast_index(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.contrast)}

    def languages(self) -> set[str]:
        return {p.lang for p in self.risk}

    def for_lang(self, lang: str | None) -> tuple[tuple[Prototype, ...], tuple[Prototype, ...]]:
        """Risk and contrast statements for ``lang``; all of them when unknown/None."""
        code = lang_code(lang) if lang else ""
        if code in self.languages():
            return (
                tuple(p for p in self.risk if p.lang == code),
                tuple(p for p in self.contrast if p.lang == code),
            )
        return self.risk, self.contrast



def load_prototypes(content_dir: str | Path) -> PrototypeSet:
    """Load and validate ``<content_dir>/risk/prototypes.yaml`` (cached per path)."""
    return _load_prototypes_cached(content_file(content_dir, PROTOTYPES_RELPATH))


@functools.cache
def _load_prototypes_cached(path_str: str) -> PrototypeSet:
    from screening.phrase_models import check_prototypes

    return checked_yaml(path_str, PROTOTYPES_RELPATH, check_prototypes)


load_prototypes.cache_clear = _load_prototypes_cached.cache_clear  # type: ignore[attr-defined]

# Prototype vectors, per encoder (weakly: a replaced encoder frees them) and per file.
_vectors: weakref.WeakKeyDictionary[Any, dict[Path, tuple[Any, Any]]] = weakref.WeakKeyDictionary()
_vectors_lock = threading.Lock()


def prototype_vectors(encoder: TextEncoder, protos: PrototypeSet) -> tuple[Any, Any]:
    """(risk vectors, contrast vectors) of every prototype, embedded once per encoder."""
    with _vectors_lock:
        cached = _vectors.get(encoder, {}).get(protos.path)
    if cached is None:
        risk = encoder.embed([p.text for p in protos.risk])
        contrast = encoder.embed([p.text for p in protos.contrast])
        cached = (risk, contrast)
        with _vectors_lock:
            _vectors.setdefault(encoder, {})[protos.path] = cached
    return cached



def lang_code(lang: str) -> str:
    """The language part of a tag: "da-DK" and "da_dk" are "da"."""
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
