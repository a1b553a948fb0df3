"""The layers' process-wide settings (``create_app`` calls ``configure``) and status."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screening.risk_classifier import RiskClassifier
from screening.risk_prototypes import PrototypeFileError, load_prototypes

if TYPE_CHECKING:  # pragma: no cover
    from textmodel import TextEncoder

# Chosen on the development rows of tests/data/risk_eval.tsv (bench/risk_layers.py).
DEFAULT_SIMILARITY_THRESHOLD = 0.55
DEFAULT_CLASSIFIER_THRESHOLD = 0.5
# The nearest risk prototype must beat the nearest contrast prototype by this much
# (0: a plain nearest-neighbour vote; chosen on the development rows like the threshold).
SIMILARITY_MARGIN = 0.0


@dataclass(frozen=True)
class Settings:
    classifier_path: str = ""
    classifier_threshold: float = DEFAULT_CLASSIFIER_THRESHOLD
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD
    similarity_margin: float = SIMILARITY_MARGIN
    content_dir: str | None = None


_settings_lock = threading.Lock()
_settings = Settings()
_classifier: RiskClassifier | None = None


def _threshold(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {number}")
    return number


def configure(
    classifier_path: str | Path | None = "",
    classifier_threshold: float = DEFAULT_CLASSIFIER_THRESHOLD,
    similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
    content_dir: str | Path | None = None,
    *,
    similarity_margin: float = SIMILARITY_MARGIN,
) -> Settings:
    """Set the process-wide layer settings (``create_app`` calls this). Loads nothing."""
    global _settings, _classifier
    new = Settings(
        classifier_path=str(classifier_path) if classifier_path else "",
        classifier_threshold=_threshold("RISK_CLASSIFIER_THRESHOLD", classifier_threshold),
        similarity_threshold=_threshold("RISK_SIMILARITY_THRESHOLD", similarity_threshold),
        similarity_margin=_threshold("similarity margin", similarity_margin),
        content_dir=str(content_dir) if content_dir else None,
    )
    with _settings_lock:
        if new.classifier_path != _settings.classifier_path:
            _classifier = RiskClassifier(new.classifier_path) if new.classifier_path else None
        _settings = new
    return new


def settings() -> Settings:
    return _settings


def get_classifier() -> RiskClassifier | None:
    return _classifier


def status(encoder: TextEncoder | None = None) -> dict[str, Any]:
    """The layers' state for the admin page. Loads nothing."""
    import textmodel

    enc = encoder or textmodel.get_encoder()
    current = _settings
    try:
        protos = load_prototypes(current.content_dir)
        prototypes = {"risk": len(protos.risk), "contrast": len(protos.contrast), "error": ""}
    except PrototypeFileError as exc:
        prototypes = {"risk": 0, "contrast": 0, "error": str(exc)}
    classifier = _classifier
    return {
        "similarity": {
            "mode": enc.mode() if not prototypes["error"] else "rules",
            "threshold": current.similarity_threshold,
            "prototypes": prototypes,
        },
        "classifier": (
            {**classifier.status(), "threshold": current.classifier_threshold}
            if classifier
            else None
        ),
    }
