"""Precision/recall of each risk-language layer, and of their combination.

Layers (screening/risk_model.py): the phrase rules, embedding similarity to the
prototypes in content/risk/prototypes.yaml, and an optional classifier folder. A row is
predicted "risk" by a layer when that layer fires on any of its sentences; the
combination uses the policy in screening.risk_model.flagged().

Usage (from the repository root)::

    python bench/risk_layers.py                          # report
    python bench/risk_layers.py --sweep                  # similarity thresholds, dev rows
    python bench/risk_layers.py --classifier PATH        # add a classifier folder
    python bench/risk_layers.py --errors                 # list the rows the layers got wrong
    python bench/risk_layers.py --append                 # append to bench/RESULTS.md

The similarity threshold was chosen on the development rows only (``--sweep``); the
held-out rows of tests/data/risk_eval.tsv are reported separately.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (str(ROOT), str(ROOT / "bench")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

from risk_eval import EVAL_PATH, RESULTS_PATH, Row, append_section, load_eval  # noqa: E402

import textmodel  # noqa: E402
from screening import risk_model  # noqa: E402

KINDS = ("explicit", "implicit", "hard_negative", "neutral")


@dataclass(frozen=True)
class Scored:
    row: Row
    sentences: tuple  # RiskSignal per sentence


def score(rows, *, encoder, classifier, lang_hint: bool) -> list[Scored]:
    out = []
    for r in rows:
        sentences = risk_model.score_sentences(
            r.text,
            r.lang if lang_hint else None,
            encoder=encoder,
            classifier=classifier,
            similarity_threshold=0.0,  # thresholds are applied below, per setting
            classifier_threshold=0.0,
            content_dir=ROOT / "content",
        )
        out.append(Scored(r, tuple(sentences)))
    return out


def fires(s, layer: str, sim_t: float, clf_t: float, margin: float) -> bool:
    if layer == "rules":
        return s.rule_hit
    if layer == "similarity":
        return (s.similarity is not None and s.similarity >= sim_t
                and s.similarity - s.contrast >= margin and not s.negated)
    if layer == "classifier":
        return s.classifier is not None and s.classifier >= clf_t
    raise ValueError(layer)


def predict(sc: Scored, layer: str, sim_t: float, clf_t: float, margin: float,
            classifier_on: bool) -> int:
    for s in sc.sentences:
        if layer == "combination":
            fired = [name for name in risk_model.LAYERS if fires(s, name, sim_t, clf_t, margin)]
            if risk_model.flagged(fired, classifier_on=classifier_on):
                return 1
        elif fires(s, layer, sim_t, clf_t, margin):
            return 1
    return 0


def metrics(pairs: list[tuple[int, int]]) -> dict[str, float]:
    tp = sum(1 for label, p in pairs if label and p)
    fp = sum(1 for label, p in pairs if not label and p)
    fn = sum(1 for label, p in pairs if label and not p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"n": len(pairs), "tp": tp, "fp": fp, "fn": fn, "precision": precision,
            "recall": recall}


def table(scored, layers, sim_t, clf_t, margin, classifier_on) -> str:
    splits = [("all", scored), ("development", [s for s in scored if not s.row.held_out]),
              ("held-out", [s for s in scored if s.row.held_out])]
    lines = ["| layer | split | lang | n | precision | recall | TP | FP | FN |",
             "|---|---|---|---|---|---|---|---|---|"]
    for layer in layers:
        for name, sub in splits:
            for lang in ("all", "en", "da"):
                part = sub if lang == "all" else [s for s in sub if s.row.lang == lang]
                pairs = [(s.row.label, predict(s, layer, sim_t, clf_t, margin, classifier_on))
                         for s in part]
                m = metrics(pairs)
                lines.append(f"| {layer} | {name} | {lang} | {m['n']} | {m['precision']:.3f} | "
                             f"{m['recall']:.3f} | {m['tp']} | {m['fp']} | {m['fn']} |")
    lines += ["", "| layer | kind | n | flagged | result |", "|---|---|---|---|---|"]
    for layer in layers:
        for kind in KINDS:
            sub = [s for s in scored if s.row.kind == kind]
            flagged = sum(predict(s, layer, sim_t, clf_t, margin, classifier_on) for s in sub)
            what = "recall" if kind in ("explicit", "implicit") else "false-positive rate"
            lines.append(f"| {layer} | {kind} | {len(sub)} | {flagged} | "
                         f"{what} {flagged / max(len(sub), 1):.3f} |")
    return "\n".join(lines)


def sweep(scored, margin: float) -> str:
    dev = [s for s in scored if not s.row.held_out]
    lines = ["Similarity threshold sweep on the development rows (margin "
             f"{margin:.2f}); the combination is rules OR similarity:", "",
             "| threshold | similarity P | similarity R | FP | combination P | combination R |",
             "|---|---|---|---|---|---|"]
    for t in [x / 100 for x in range(30, 86, 5)]:
        sim = metrics([(s.row.label, predict(s, "similarity", t, 1.0, margin, False))
                       for s in dev])
        comb = metrics([(s.row.label, predict(s, "combination", t, 1.0, margin, False))
                        for s in dev])
        lines.append(f"| {t:.2f} | {sim['precision']:.3f} | {sim['recall']:.3f} | {sim['fp']} "
                     f"| {comb['precision']:.3f} | {comb['recall']:.3f} |")
    return "\n".join(lines)


def errors(scored, sim_t, clf_t, margin, classifier_on) -> str:
    out = []
    for s in scored:
        p = predict(s, "combination", sim_t, clf_t, margin, classifier_on)
        layers = {name for x in s.sentences for name in risk_model.LAYERS
                  if fires(x, name, sim_t, clf_t, margin)}
        if p != s.row.label or (layers and layers != {"rules"}):
            best = max((x for x in s.sentences if x.similarity is not None),
                       key=lambda x: x.similarity, default=None)
            detail = (f"sim {best.similarity:.2f} vs contrast {best.contrast:.2f} "
                      f"({best.prototype})" if best else "sim -")
            tag = "OK" if p == s.row.label else ("MISS" if s.row.label else "FALSE+")
            out.append(f"{tag:6} [{s.row.split}/{s.row.lang}/{s.row.kind}] layers "
                       f"{sorted(layers) or '-'} {detail}: {s.row.text}")
    return "\n".join(out) or "(none)"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", type=Path, default=EVAL_PATH)
    ap.add_argument("--classifier", default="", help="a text-classification model folder")
    ap.add_argument("--similarity-threshold", type=float,
                    default=risk_model.DEFAULT_SIMILARITY_THRESHOLD)
    ap.add_argument("--classifier-threshold", type=float,
                    default=risk_model.DEFAULT_CLASSIFIER_THRESHOLD)
    ap.add_argument("--margin", type=float, default=risk_model.SIMILARITY_MARGIN)
    ap.add_argument("--lang-hint", action="store_true", help="pass each row's language")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--results", type=Path, default=RESULTS_PATH)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    encoder = textmodel.TextEncoder()
    classifier = risk_model.RiskClassifier(args.classifier) if args.classifier else None
    if encoder.mode() != textmodel.MODEL:
        print(f"text model unavailable ({encoder.reason()}): similarity layer off")
    if classifier is not None and not classifier.available():
        print(f"classifier unavailable ({classifier.reason()})")
        classifier = None
    rows = load_eval(args.eval)
    t0 = time.perf_counter()
    scored = score(rows, encoder=encoder, classifier=classifier, lang_hint=args.lang_hint)
    per_row = (time.perf_counter() - t0) * 1000 / max(len(rows), 1)
    classifier_on = classifier is not None
    layers = ["rules"]
    if encoder.loaded:
        layers.append("similarity")
    if classifier_on:
        layers.append("classifier")
    layers.append("combination")
    status = encoder.status()
    encoder_name = (f"packaged `{textmodel.PACKAGED_MODEL}`" if status.source == "packaged"
                    else f"`{status.path}`")
    policy = ("rules OR (classifier AND similarity)" if classifier_on
              else "rules OR similarity")
    text = (
        f"Encoder: {encoder_name} "
        f"(languages: {', '.join(status.languages or ['not stated'])}); classifier: "
        f"{args.classifier or 'not configured'}. Similarity threshold "
        f"{args.similarity_threshold:.2f}, margin over contrast {args.margin:.2f}"
        + (f", classifier threshold {args.classifier_threshold:.2f}" if classifier_on else "")
        + f". Combination: {policy}. lang hint: "
        f"{'row language' if args.lang_hint else 'none'}; {per_row:.1f} ms per row "
        "(includes the model load).\n\n"
        + table(scored, layers, args.similarity_threshold, args.classifier_threshold,
                args.margin, classifier_on)
    )
    if args.sweep and encoder.loaded:
        text += "\n\n" + sweep(scored, args.margin)
    print(text)
    if args.errors:
        print("\nRows where a model layer fired, or the combination is wrong:\n"
              + errors(scored, args.similarity_threshold, args.classifier_threshold,
                       args.margin, classifier_on))
    if args.append:
        append_section(args.results, "Risk-language layers",
                       f"`python bench/risk_layers.py{' --sweep' if args.sweep else ''}` on "
                       f"`{args.eval.name}`.\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
