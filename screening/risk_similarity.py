"""The similarity layer: each sentence against the prototypes, and the negation gate."""

from __future__ import annotations

import logging
import re
from typing import Any

from screening.risk_language import load_rules, normalise
from screening.risk_prototypes import lang_code, load_prototypes, prototype_vectors
from textmodel.language import guess_language

# The layers log under the name they always had, whichever module they live in.
log = logging.getLogger("screening.risk_model")


def similarity_layer(
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
        hint = lang_code(lang) if lang else None
        risk_all, contrast_all = prototype_vectors(encoder, protos)
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



_WORD = re.compile(r"[\w']+")


def has_negation(sentence: str, lang: str | None = None, *, content_dir: Any) -> bool:
    """Whether the sentence has a negator of the phrase rules (pseudo-negations aside).

    Embeddings barely register negation ("I don't want to die" is close to "I want to
    die"), so the similarity layer does not fire alone on a negated sentence: those are
    left to the rules, which handle negation scope.
    """
    rules = load_rules(content_dir)
    code = lang_code(lang) if lang else ""
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
