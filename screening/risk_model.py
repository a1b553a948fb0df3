"""Risk-language detection in layers: the phrase rules, plus optional model signals.

The base is the rule layer (:mod:`screening.risk_language`, ``content/risk/phrases.yaml``),
which always runs. Two secondary layers add signals when they are available:

* **similarity**: each sentence is embedded with the text model (:mod:`textmodel`) and
  compared with the prototype statements in ``content/risk/prototypes.yaml``. It fires
  when (1) the sentence's nearest prototype is a *risk* statement, ahead of every
  *contrast* statement by at least ``similarity_margin``; (2) that cosine reaches
  ``similarity_threshold``; and (3) the sentence has no negator from the phrase rules
  (embeddings barely register negation: "I don't want to die" sits next to "I want to
  die"; negated sentences are left to the rules, which handle negation scope). It only
  runs on sentences in a language the encoder's model card names (the packaged encoder
  is English-only; for Danish its similarities carry no signal, see bench/RESULTS.md).
  A sentence's language is the ``lang`` hint, else a guess from function words.
* **classifier**: an optional local fine-tuned text-classification folder
  (``RISK_CLASSIFIER_PATH``), loaded with ``AutoModelForSequenceClassification``, local
  files only. It fires when the risk class's probability reaches
  ``classifier_threshold``. The risk class is the label named ``risk`` (or ``1``,
  ``LABEL_1``, ``positive``, ``suicidal``, ``self_harm``); with two unnamed labels, label
  1; with one output, its sigmoid.

Combination policy: a sentence is *flagged* when ::

    rules                                 -- always: a rule hit is never lost
    OR (classifier AND similarity)        -- when a classifier is configured and loads
    OR similarity                         -- when there is no classifier

The rules are precise (clinician-written, with negation and third-party handling), so
their hits stand alone. A model layer only adds a sentence the rules missed when it is
precise on its own (similarity, with the gates above, had no false positive on the
development rows), or, once a classifier is configured, when both model layers agree,
so an untested classifier cannot flood clinicians with alerts. Every signal says which
layers fired, so a caller can treat rule hits (alerts) and model-only hits (a softer
"have a look") differently. This is a screening aid for clinicians: it is never shown to
the patient as a judgement, and no signal does not mean no risk.

Public API (Flask-free; the text model is imported lazily)::

    risk_signals(text, lang=None, **options) -> list[RiskSignal]   # flagged sentences
    score_sentences(text, lang=None, **options) -> list[RiskSignal]  # every sentence
    configure(classifier_path="", classifier_threshold=0.5, similarity_threshold=0.55,
              content_dir=None)          # create_app calls it; loads nothing
    status() -> dict                     # for the admin page; loads nothing
    load_prototypes(content_dir=None) -> PrototypeSet
    flagged(layers, classifier_on=...) -> bool   # the combination policy
    RiskClassifier(path), RiskSignal, LAYERS, guess_language, has_negation
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from screening.risk_language import (
    CATEGORIES,
    DEFAULT_CONTENT_DIR,
    detect,
    load_rules,
    normalise,
    split_sentences,
)
from textmodel.language import guess_language

if TYPE_CHECKING:  # pragma: no cover
    from textmodel import TextEncoder

__all__ = [
    "DEFAULT_CLASSIFIER_THRESHOLD",
    "DEFAULT_SIMILARITY_THRESHOLD",
    "LAYERS",
    "PrototypeFileError",
    "PrototypeSet",
    "RiskClassifier",
    "RiskSignal",
    "SIMILARITY_MARGIN",
    "configure",
    "flagged",
    "get_classifier",
    "guess_language",
    "has_negation",
    "load_prototypes",
    "risk_signals",
    "score_sentences",
    "settings",
    "status",
]

LAYERS: tuple[str, ...] = ("rules", "similarity", "classifier")
PROTOTYPES_RELPATH = Path("risk") / "prototypes.yaml"
# Chosen on the development rows of tests/data/risk_eval.tsv (bench/risk_layers.py).
DEFAULT_SIMILARITY_THRESHOLD = 0.55
DEFAULT_CLASSIFIER_THRESHOLD = 0.5
# The nearest risk prototype must beat the nearest contrast prototype by this much
# (0: a plain nearest-neighbour vote; chosen on the development rows like the threshold).
SIMILARITY_MARGIN = 0.0
RISK_LABELS = frozenset(
    {"risk", "1", "label_1", "positive", "pos", "suicidal", "suicide", "self_harm", "self-harm"}
)

log = logging.getLogger(__name__)


class PrototypeFileError(ValueError):
    """The prototype file is unreadable or does not follow its schema."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RiskSignal:
    """One sentence of the text and what each layer said about it.

    ``text[start:end] == sentence``. ``layers`` lists the layers that fired, in the order
    of :data:`LAYERS`. Scores are None when that layer did not run (unavailable, off).
    """

    sentence: str
    start: int
    end: int
    layers: tuple[str, ...]
    flagged: bool
    rule_ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # from the rules, else the nearest risk prototype's
    similarity: float | None = None  # highest cosine to a risk prototype
    prototype: str | None = None  # that prototype's id
    contrast: float | None = None  # highest cosine to a contrast prototype
    classifier: float | None = None  # the classifier's probability of the risk class
    negated: bool = False  # has a negator, so similarity alone does not fire (see below)

    @property
    def rule_hit(self) -> bool:
        return "rules" in self.layers

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "layers": list(self.layers),
            "flagged": self.flagged,
            "rule_ids": list(self.rule_ids),
            "categories": list(self.categories),
            "similarity": self.similarity,
            "prototype": self.prototype,
            "contrast": self.contrast,
            "classifier": self.classifier,
            "negated": self.negated,
        }


def flagged(layers: Sequence[str], *, classifier_on: bool) -> bool:
    """The combination policy (see the module docstring)."""
    fired = set(layers)
    if "rules" in fired:
        return True
    if classifier_on:
        return {"classifier", "similarity"} <= fired
    return "similarity" in fired


# --------------------------------------------------------------------------- prototypes


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
        code = _lang_code(lang) if lang else ""
        if code in self.languages():
            return (
                tuple(p for p in self.risk if p.lang == code),
                tuple(p for p in self.contrast if p.lang == code),
            )
        return self.risk, self.contrast


def load_prototypes(content_dir: str | Path | None = None) -> PrototypeSet:
    """Load and validate ``<content_dir>/risk/prototypes.yaml`` (cached per path)."""
    base = Path(content_dir) if content_dir is not None else DEFAULT_CONTENT_DIR
    return _load_prototypes_cached(str((base / PROTOTYPES_RELPATH).resolve()))


@functools.cache
def _load_prototypes_cached(path_str: str) -> PrototypeSet:
    path = Path(path_str)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PrototypeFileError(f"{path}: cannot read prototype file ({exc})") from exc
    except yaml.YAMLError as exc:
        raise PrototypeFileError(f"{path}: not valid YAML ({exc})") from exc

    def fail(where: str, msg: str) -> PrototypeFileError:
        return PrototypeFileError(f"{path}: {where}: {msg}")

    if not isinstance(data, dict) or set(data) != {"schema_version", "languages"}:
        raise fail("top level", "must be a mapping with schema_version and languages")
    if data["schema_version"] != 1:
        raise fail("schema_version", f"unsupported version {data['schema_version']!r}")
    languages = data["languages"]
    if not isinstance(languages, dict) or not languages:
        raise fail("languages", "must be a non-empty mapping of language codes")
    risk: list[Prototype] = []
    contrast: list[Prototype] = []
    seen: set[str] = set()
    for lang, groups in languages.items():
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
            raise fail("languages", f"bad language code {lang!r}")
        if not isinstance(groups, dict) or not {"risk"} <= set(groups) <= {"risk", "contrast"}:
            raise fail(f"languages.{lang}", "must have a risk list and may have a contrast list")
        for group in ("risk", "contrast"):
            items = groups.get(group) or []
            if not isinstance(items, list) or (group == "risk" and not items):
                raise fail(f"languages.{lang}.{group}", "must be a non-empty list")
            for i, item in enumerate(items):
                where = f"languages.{lang}.{group}[{i}]"
                allowed = {"id", "text", "category"} if group == "risk" else {"id", "text"}
                if not isinstance(item, dict) or set(item) != allowed:
                    raise fail(where, f"must have exactly the keys {sorted(allowed)}")
                pid, text = item["id"], item["text"]
                if not isinstance(pid, str) or not pid.startswith(f"{lang}.") or pid in seen:
                    raise fail(where, f"id must be unique and start with '{lang}.': {pid!r}")
                if not isinstance(text, str) or not text.strip():
                    raise fail(where, "text must be a non-empty string")
                category = item.get("category")
                if group == "risk" and category not in CATEGORIES:
                    raise fail(where, f"category must be one of {list(CATEGORIES)}")
                seen.add(pid)
                proto = Prototype(pid, lang, text.strip(), category)
                (risk if group == "risk" else contrast).append(proto)
    return PrototypeSet(path, tuple(risk), tuple(contrast))


load_prototypes.cache_clear = _load_prototypes_cached.cache_clear  # type: ignore[attr-defined]

# Prototype vectors, per encoder (weakly: a replaced encoder frees them) and per file.
_vectors: weakref.WeakKeyDictionary[Any, dict[Path, tuple[Any, Any]]] = weakref.WeakKeyDictionary()
_vectors_lock = threading.Lock()


def _prototype_vectors(encoder: TextEncoder, protos: PrototypeSet) -> tuple[Any, Any]:
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


# --------------------------------------------------------------------------- classifier


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


# --------------------------------------------------------------------------- settings


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


# --------------------------------------------------------------------------- detection


_DEFAULT = object()


def score_sentences(
    text: str,
    lang: str | None = None,
    *,
    encoder: Any = _DEFAULT,
    classifier: Any = _DEFAULT,
    similarity_threshold: float | None = None,
    classifier_threshold: float | None = None,
    similarity_margin: float | None = None,
    content_dir: str | Path | None = _DEFAULT,  # type: ignore[assignment]
) -> list[RiskSignal]:
    """Every sentence of ``text`` with each layer's verdict and scores (see risk_signals)."""
    current = _settings
    if content_dir is _DEFAULT:
        content_dir = current.content_dir
    sim_threshold = (
        current.similarity_threshold if similarity_threshold is None else similarity_threshold
    )
    clf_threshold = (
        current.classifier_threshold if classifier_threshold is None else classifier_threshold
    )
    margin = current.similarity_margin if similarity_margin is None else similarity_margin
    if encoder is _DEFAULT:
        encoder = _default_encoder()
    if classifier is _DEFAULT:
        classifier = _classifier

    hits: dict[tuple[int, int], list[Any]] = {}
    for hit in detect(text, lang, content_dir=content_dir):
        hits.setdefault((hit.start, hit.end), []).append(hit)
    spans = split_sentences(text)
    if not spans:
        return []
    sentences = [text[s:e] for s, e in spans]

    similarity = _similarity_layer(encoder, sentences, lang, content_dir)
    classifier_scores = _classifier_layer(classifier, sentences)
    classifier_on = classifier_scores is not None

    out: list[RiskSignal] = []
    for n, ((start, end), sentence) in enumerate(zip(spans, sentences, strict=True)):
        rule_hits = hits.get((start, end), [])
        layers: list[str] = []
        categories: list[str] = []
        if rule_hits:
            layers.append("rules")
            for h in rule_hits:
                if h.category not in categories:
                    categories.append(h.category)
        sim = proto = contrast = None
        negated = False
        if similarity is not None and similarity[n] is not None:
            sim, proto, contrast, proto_category = similarity[n]
            negated = has_negation(sentence, lang, content_dir=content_dir)
            if sim >= sim_threshold and sim - contrast >= margin and not negated:
                layers.append("similarity")
                if not categories and proto_category:
                    categories.append(proto_category)
        clf = None
        if classifier_scores is not None:
            clf = classifier_scores[n]
            if clf >= clf_threshold:
                layers.append("classifier")
        out.append(
            RiskSignal(
                sentence=sentence,
                start=start,
                end=end,
                layers=tuple(layers),
                flagged=flagged(layers, classifier_on=classifier_on),
                rule_ids=tuple(h.rule_id for h in rule_hits),
                categories=tuple(categories),
                similarity=sim,
                prototype=proto,
                contrast=contrast,
                classifier=clf,
                negated=negated,
            )
        )
    return out


def risk_signals(
    text: str,
    lang: str | None = None,
    **options: Any,
) -> list[RiskSignal]:
    """The flagged sentences of a patient's own text, in order, with the layers that fired.

    ``lang`` ("da", "en", "da-DK"...) narrows the rules and prototypes to one language;
    None (recommended for free text) uses all. The rules always run; the similarity and
    classifier layers join when available (``options``: ``encoder``, ``classifier``,
    ``similarity_threshold``, ``classifier_threshold``, ``content_dir``; None turns a
    layer off). A layer that fails is logged and left out: this never raises for a str.
    """
    return [s for s in score_sentences(text, lang, **options) if s.flagged]


def _default_encoder() -> Any:
    try:
        import textmodel
    except ImportError:  # pragma: no cover - the app package is always there
        return None
    return textmodel.get_encoder()


def _similarity_layer(
    encoder: Any,
    sentences: list[str],
    lang: str | None,
    content_dir: Any,
) -> list[tuple[float, str, float, str | None] | None] | None:
    """Per sentence: (best risk cosine, its prototype id, best contrast cosine, category).

    None for the whole text when the layer is unavailable; None for a sentence in a
    language the encoder was not trained on (the model card says which), because there
    the similarities mean little (see bench/RESULTS.md).
    """
    if encoder is None or not encoder.available():
        return None
    try:
        protos = load_prototypes(content_dir)
        supported = encoder.languages()
        hint = _lang_code(lang) if lang else None
        risk_all, contrast_all = _prototype_vectors(encoder, protos)
        langs = [hint or guess_language(s) for s in sentences]
        todo = [
            n for n, code in enumerate(langs) if not supported or code is None or code in supported
        ]
        out: list[tuple[float, str, float, str | None] | None] = [None] * len(sentences)
        if not todo:
            return out
        vectors = encoder.embed([sentences[n] for n in todo])
        for row, n in enumerate(todo):
            risk_protos, contrast_protos = protos.for_lang(langs[n])
            risk_idx = [protos.risk_index[p.id] for p in risk_protos]
            contrast_idx = [protos.contrast_index[p.id] for p in contrast_protos]
            risk_scores = risk_all[risk_idx] @ vectors[row]
            best = int(risk_scores.argmax())
            contrast = (
                float((contrast_all[contrast_idx] @ vectors[row]).max()) if contrast_idx else -1.0
            )
            proto = risk_protos[best]
            out[n] = (float(risk_scores[best]), proto.id, contrast, proto.category)
    except Exception:
        log.warning("similarity layer skipped", exc_info=True)
        return None
    return out


def _classifier_layer(classifier: Any, sentences: list[str]) -> list[float] | None:
    if classifier is None or not classifier.available():
        return None
    try:
        return classifier.scores(sentences)
    except Exception:
        log.warning("risk classifier skipped", exc_info=True)
        return None


def _lang_code(lang: str) -> str:
    return re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]


_WORD = re.compile(r"[\w']+")


def has_negation(sentence: str, lang: str | None = None, *, content_dir: Any = None) -> bool:
    """Whether the sentence has a negator of the phrase rules (pseudo-negations aside).

    Embeddings barely register negation ("I don't want to die" is close to "I want to
    die"), so the similarity layer does not fire alone on a negated sentence: those are
    left to the rules, which handle negation scope.
    """
    rules = load_rules(content_dir)
    code = _lang_code(lang) if lang else ""
    languages = [rules.languages[code]] if code in rules.languages else rules.languages.values()
    norm = normalise(sentence)
    for lr in languages:
        text = norm
        for pattern in lr.pseudo_negations:
            text = pattern.sub(" ", text)
        for word in _WORD.findall(text):
            if word in lr.negators or any(word.endswith(x) for x in lr.negator_suffixes):
                return True
    return False
