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
    load_prototypes(content_dir) -> PrototypeSet
    flagged(layers, classifier_on=...) -> bool   # the combination policy
    RiskClassifier(path), RiskSignal, LAYERS, guess_language, has_negation

This module combines the layers (``score_sentences``, ``flagged``) and re-exports the
rest, each in a module of its own: the prototypes (:mod:`screening.risk_prototypes`), the
similarity layer and negation gate (:mod:`screening.risk_similarity`), the classifier
(:mod:`screening.risk_classifier`) and the settings (:mod:`screening.risk_settings`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screening import risk_settings
from screening.risk_classifier import RiskClassifier
from screening.risk_language import detect, split_sentences
from screening.risk_prototypes import PrototypeFileError, PrototypeSet, load_prototypes
from screening.risk_settings import (
    DEFAULT_CLASSIFIER_THRESHOLD,
    DEFAULT_SIMILARITY_THRESHOLD,
    SIMILARITY_MARGIN,
    configure,
    get_classifier,
    settings,
    status,
)
from screening.risk_similarity import has_negation, similarity_layer
from textmodel.language import guess_language

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

log = logging.getLogger(__name__)


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


# --------------------------------------------------------------------------- detection


_DEFAULT = object()


@dataclass(frozen=True)
class _Options:
    """The layers and thresholds of one call: its arguments, else the settings."""

    encoder: Any
    classifier: Any
    similarity_threshold: float
    classifier_threshold: float
    similarity_margin: float
    content_dir: Any


def _options(
    encoder: Any,
    classifier: Any,
    similarity_threshold: float | None,
    classifier_threshold: float | None,
    similarity_margin: float | None,
    content_dir: Any,
) -> _Options:
    current = risk_settings.settings()
    if content_dir is _DEFAULT:
        content_dir = current.content_dir
    if content_dir is None:  # never the package's own folder: the clinic's content only
        raise RuntimeError("the risk layers have no content folder: configure() them "
                           "(create_app does, from STEPCARE_CONTENT_DIR) or pass content_dir")
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
        classifier = risk_settings.get_classifier()
    return _Options(encoder, classifier, sim_threshold, clf_threshold, margin, content_dir)


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
    opts = _options(encoder, classifier, similarity_threshold, classifier_threshold,
                    similarity_margin, content_dir)
    hits: dict[tuple[int, int], list[Any]] = {}
    for hit in detect(text, lang, content_dir=opts.content_dir):
        hits.setdefault((hit.start, hit.end), []).append(hit)
    spans = split_sentences(text)
    if not spans:
        return []
    sentences = [text[s:e] for s, e in spans]

    similarity = similarity_layer(opts.encoder, sentences, lang, opts.content_dir)
    classifier_scores = _classifier_layer(opts.classifier, sentences)
    return [
        _signal(
            text, span, hits.get(span, []),
            similarity[n] if similarity is not None else None,
            classifier_scores[n] if classifier_scores is not None else None,
            classifier_on=classifier_scores is not None, lang=lang, opts=opts,
        )
        for n, span in enumerate(spans)
    ]


def _signal(
    text: str,
    span: tuple[int, int],
    rule_hits: list[Any],
    similar: tuple[float, str, float, str | None] | None,
    clf: float | None,
    *,
    classifier_on: bool,
    lang: str | None,
    opts: _Options,
) -> RiskSignal:
    """One sentence's verdict from its rule hits, similarity row and classifier score."""
    start, end = span
    sentence = text[start:end]
    layers: list[str] = []
    categories: list[str] = []
    if rule_hits:
        layers.append("rules")
        for h in rule_hits:
            if h.category not in categories:
                categories.append(h.category)
    sim = proto = contrast = None
    negated = False
    if similar is not None:
        sim, proto, contrast, proto_category = similar
        negated = has_negation(sentence, lang, content_dir=opts.content_dir)
        if sim >= opts.similarity_threshold and sim - contrast >= opts.similarity_margin \
                and not negated:
            layers.append("similarity")
            if not categories and proto_category:
                categories.append(proto_category)
    if clf is not None and clf >= opts.classifier_threshold:
        layers.append("classifier")
    return RiskSignal(
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


def _classifier_layer(classifier: Any, sentences: list[str]) -> list[float] | None:
    if classifier is None or not classifier.available():
        return None
    try:
        return classifier.scores(sentences)
    except Exception:
        log.warning("risk classifier skipped", exc_info=True)
        return None
