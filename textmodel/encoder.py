"""The sentence encoder: a local Hugging Face folder, loaded on first use."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textmodel.runtime import (
    PACKAGED_MODEL,
    LazyModel,
    _apply_torch_threads,
    _quiet_transformers,
    check_model_folder,
    ml_available,
    model_card_languages,
    packaged_model_path,
    prepare_offline,
    read_model_config,
    torch_threads,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

MODEL = "model"
RULES = "rules"
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on at most 256 word pieces
BATCH_SIZE = 32
CACHE_MAX_CHARS = 2000  # longer texts are not cached (the keys would hold too much memory)

log = logging.getLogger(__name__)


_UNSET = object()


@dataclass(frozen=True)
class EncoderStatus:
    """What the admin page shows. Computing it never loads the model."""

    mode: str  # "model" | "rules"
    reason: str  # why "rules"; "" in "model" mode
    path: str  # the model folder ("" when none could be found)
    source: str  # "configured" | "packaged" | "none"
    dimension: int | None  # from the loaded model, else from config.json
    loaded: bool  # loaded in this process
    load_seconds: float | None
    threads: int
    cached_texts: int
    languages: tuple[str, ...] | None  # from the model card; None = not stated


class TextEncoder(LazyModel):
    """A sentence encoder over a local Hugging Face folder, loaded on first use.

    Thread-safe: the first caller loads under a lock while others wait; inference is
    serialised too (one forward pass at a time uses all of torch's threads, and the fast
    tokenizer must not be shared between threads). A failed load is remembered: the
    encoder stays in "rules" mode and does not retry.
    """

    _log = log
    _unavailable = "text model unavailable, using rules"

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        cache_size: int = 2048,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.configured_path = str(path) if path else ""
        self.cache_size = max(0, int(cache_size))
        self.threads = torch_threads(threads)
        self.max_tokens = max_tokens
        super().__init__()
        self._infer_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._tokenizer: Any = None
        self._dimension: int | None = None
        self._resolved: tuple[Path | None, str] | None = None
        self._languages: object = _UNSET

    # ---- where the model is

    def resolve_path(self) -> tuple[Path | None, str]:
        """(folder, source): the configured folder, else the packaged one, else (None, "none")."""
        if self._resolved is None:
            if self.configured_path:
                self._resolved = (Path(self.configured_path).expanduser(), "configured")
            else:
                packaged = packaged_model_path()
                self._resolved = (packaged, "packaged") if packaged else (None, "none")
        return self._resolved

    def _why_not(self) -> str:
        """Why the model cannot be used, without loading it ("" when it looks usable)."""
        if self._error:
            return self._error
        ok, why = ml_available()
        if not ok:
            return why
        path, source = self.resolve_path()
        if path is None:
            return (
                f"no model folder: TEXT_MODEL_PATH is empty and {PACKAGED_MODEL} is not installed"
            )
        return check_model_folder(path)

    # ---- state

    def mode(self) -> str:
        """ "model" when the model is loaded or looks loadable; "rules" otherwise. No loading."""
        if self.loaded:
            return MODEL
        return RULES if self._why_not() else MODEL

    def available(self) -> bool:
        return self.mode() == MODEL

    def reason(self) -> str:
        return "" if self.loaded else self._why_not()

    def status(self) -> EncoderStatus:
        path, source = self.resolve_path()
        dimension = self._dimension
        if dimension is None and path is not None:
            dim = read_model_config(path).get("hidden_size")
            dimension = dim if isinstance(dim, int) else None
        with self._cache_lock:
            cached = len(self._cache)
        return EncoderStatus(
            mode=self.mode(),
            reason=self.reason(),
            path=str(path) if path else "",
            source=source,
            dimension=dimension,
            loaded=self.loaded,
            load_seconds=self._load_seconds,
            threads=self.threads,
            cached_texts=cached,
            languages=tuple(sorted(self.languages())) if self.languages() else None,
        )

    def languages(self) -> frozenset[str] | None:
        """The languages the model card (README.md front matter) names; None = unknown.

        A card that says ``multilingual`` also gives None: callers then use every language.
        """
        if self._languages is _UNSET:
            path, _source = self.resolve_path()
            self._languages = model_card_languages(path) if path else None
        return self._languages  # type: ignore[return-value]

    @property
    def dimension(self) -> int:
        self.load()
        assert self._dimension is not None
        return self._dimension

    # ---- loading

    def _folder(self) -> Path:
        path, _source = self.resolve_path()
        assert path is not None
        return path

    def _keep(self, loaded: tuple[Any, Any], path: Path) -> Any:
        self._tokenizer, model = loaded
        self._dimension = int(model.config.hidden_size)
        log.info("text model loaded from %s in %.2f s", path, self._load_seconds)
        return model

    def _load_from(self, path: Path) -> tuple[Any, Any]:
        prepare_offline()
        import torch
        from transformers import AutoModel, AutoTokenizer

        _quiet_transformers()
        _apply_torch_threads(torch, self.threads)
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
        model.eval()
        return tokenizer, model

    # ---- inference

    def embed(self, texts: str | Sequence[str]) -> np.ndarray:
        """Embed texts: a float32 array (n, dim) of unit vectors (a str gives n=1).

        Mean pooling of the last hidden state over the attention mask, then L2
        normalisation. Repeated texts come from a small LRU cache. Raises
        :class:`TextModelUnavailable` in "rules" mode.
        """
        import numpy as np

        items = [texts] if isinstance(texts, str) else list(texts)
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"texts must be str, got {type(item).__name__}")
        self.load()
        out: list[Any] = [None] * len(items)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for i, text in enumerate(items):
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    out[i] = vector
                else:
                    missing.setdefault(text, []).append(i)
        if missing:
            todo = list(missing)
            # Similar lengths in a batch mean less padding.
            todo.sort(key=len)
            for first in range(0, len(todo), BATCH_SIZE):
                chunk = todo[first : first + BATCH_SIZE]
                vectors = self._encode(chunk)
                with self._cache_lock:
                    for text, vector in zip(chunk, vectors, strict=True):
                        vector.setflags(write=False)
                        for i in missing[text]:
                            out[i] = vector
                        if self.cache_size and len(text) <= CACHE_MAX_CHARS:
                            self._cache[text] = vector
                            self._cache.move_to_end(text)
                            while len(self._cache) > self.cache_size:
                                self._cache.popitem(last=False)
        if not items:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        return np.stack(out).astype(np.float32, copy=False)

    def _encode(self, texts: list[str]) -> list[Any]:
        import torch

        with self._infer_lock, torch.inference_mode():
            _apply_torch_threads(torch, self.threads)
            batch = self._tokenizer(
                texts,
                padding=True,
                truncation=True,
                max_length=self.max_tokens,
                return_tensors="pt",
            )
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            array = pooled.float().numpy()
        return [row.copy() for row in array]

    def similarity(self, a: str | Sequence[str] | Any, b: str | Sequence[str] | Any):
        """Cosine similarity: a float for two strings, else a matrix (len(a), len(b)).

        Either side may also be an array of vectors (for example cached prototypes).
        """
        left = self._as_vectors(a)
        right = self._as_vectors(b)
        scores = left @ right.T
        if isinstance(a, str) and isinstance(b, str):
            return float(scores[0, 0])
        return scores

    def _as_vectors(self, value: Any):
        import numpy as np

        if isinstance(value, np.ndarray):
            array = np.atleast_2d(value).astype(np.float32, copy=False)
            norms = np.linalg.norm(array, axis=1, keepdims=True)
            return array / np.maximum(norms, 1e-12)
        return self.embed(value)

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

