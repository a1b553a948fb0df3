"""The optional classifier layer: a local fine-tuned text-classification folder."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RISK_LABELS = frozenset(
    {"risk", "1", "label_1", "positive", "pos", "suicidal", "suicide", "self_harm", "self-harm"}
)

# The layers log under the name they always had, whichever module they live in.
log = logging.getLogger("screening.risk_model")


class RiskClassifier:
    """A local fine-tuned text-classification folder, loaded lazily and thread-safely."""

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        self.path = Path(path).expanduser()
        self.threads = threads
        self.loads = 0
        self._load_lock = threading.Lock()
        self._infer_lock = threading.Lock()
        self._tokenizer: Any = None
        self._model: Any = None
        self._risk_index: int | None = None
        self._sigmoid = False
        self._error = ""
        self._load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def reason(self) -> str:
        """Why it cannot be used ("" when loaded or it looks loadable). Never loads."""
        if self.loaded:
            return ""
        if self._error:
            return self._error
        from textmodel import check_model_folder, ml_available

        ok, why = ml_available()
        return why if not ok else check_model_folder(self.path)

    def available(self) -> bool:
        return not self.reason()

    def status(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "mode": "model" if self.available() else "rules",
            "reason": self.reason(),
            "loaded": self.loaded,
            "load_seconds": self._load_seconds,
            "risk_label_index": self._risk_index,
        }

    def load(self) -> float:
        from textmodel import TextModelUnavailable

        if self._model is not None:
            return self._load_seconds or 0.0
        with self._load_lock:
            if self._model is not None:
                return self._load_seconds or 0.0
            why = self.reason()
            if why:
                raise TextModelUnavailable(why)
            started = time.perf_counter()
            try:
                tokenizer, model = self._load_from()
                index, sigmoid = _risk_label(model.config)
            except Exception as exc:
                self._error = f"loading {self.path} failed: {type(exc).__name__}: {exc}"[:500]
                log.warning("risk classifier unavailable: %s", self._error)
                raise TextModelUnavailable(self._error) from exc
            self._tokenizer, self._risk_index, self._sigmoid = tokenizer, index, sigmoid
            self._load_seconds = time.perf_counter() - started
            self.loads += 1
            self._model = model
            return self._load_seconds

    def _load_from(self) -> tuple[Any, Any]:
        from textmodel.runtime import _quiet_transformers, prepare_offline

        prepare_offline()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        _quiet_transformers()
        tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(self.path), local_files_only=True
        )
        model.eval()
        return tokenizer, model

    def scores(self, texts: Sequence[str]) -> list[float]:
        """The probability of the risk class for each text."""
        import torch

        from textmodel import get_encoder, torch_threads
        from textmodel.runtime import _apply_torch_threads

        self.load()
        threads = torch_threads(self.threads or get_encoder().threads)
        out: list[float] = []
        with self._infer_lock, torch.inference_mode():
            _apply_torch_threads(torch, threads)
            for first in range(0, len(texts), 32):
                batch = self._tokenizer(
                    list(texts[first : first + 32]),
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                logits = self._model(**batch).logits.float()
                if self._sigmoid:
                    probs = torch.sigmoid(logits[:, 0])
                else:
                    probs = torch.softmax(logits, dim=-1)[:, self._risk_index]
                out.extend(float(p) for p in probs)
        return out


def _risk_label(config: Any) -> tuple[int, bool]:
    """(index of the risk class, whether the model has one sigmoid output)."""
    num = int(getattr(config, "num_labels", 0) or 0)
    if num == 1:
        return 0, True
    labels = {int(k): str(v) for k, v in (getattr(config, "id2label", None) or {}).items()}
    named = [i for i, name in labels.items() if name.strip().lower() in RISK_LABELS]
    if len(named) == 1:
        return named[0], False
    if num == 2:
        return 1, False
    raise ValueError(
        f"cannot tell the risk class among {num} labels {labels}; name one label 'risk'"
    )
