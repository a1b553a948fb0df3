"""The optional classifier layer: a local fine-tuned text-classification folder."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textmodel.runtime import LazyModel

RISK_LABELS = frozenset(
    {"risk", "1", "label_1", "positive", "pos", "suicidal", "suicide", "self_harm", "self-harm"}
)

# The layers log under the name they always had, whichever module they live in.
log = logging.getLogger("screening.risk_model")


class RiskClassifier(LazyModel):
    """A local fine-tuned text-classification folder, loaded lazily and thread-safely."""

    _log = log
    _unavailable = "risk classifier unavailable"

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        self.path = Path(path).expanduser()
        self.threads = threads
        super().__init__()
        self._infer_lock = threading.Lock()
        self._tokenizer: Any = None
        self._risk_index: int | None = None
        self._sigmoid = False

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

    def _why_not(self) -> str:
        return self.reason()

    def _folder(self) -> Path:
        return self.path

    def _keep(self, loaded: tuple[Any, Any, int, bool], path: Path) -> Any:
        self._tokenizer, model, self._risk_index, self._sigmoid = loaded
        return model

    def _load_from(self, path: Path) -> tuple[Any, Any, int, bool]:
        from textmodel.runtime import _quiet_transformers, prepare_offline

        prepare_offline()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        _quiet_transformers()
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(path), local_files_only=True
        )
        model.eval()
        index, sigmoid = _risk_label(model.config)
        return tokenizer, model, index, sigmoid

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
