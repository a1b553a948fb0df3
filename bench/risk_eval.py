"""Precision/recall of the risk-language rule layer on tests/data/risk_eval.tsv.

Usage (from the repository root)::

    python bench/risk_eval.py                 # print the report
    python bench/risk_eval.py --errors        # also list misclassified rows
    python bench/risk_eval.py --append        # append a section to bench/RESULTS.md
    python bench/risk_eval.py --lang-hint     # pass each row's language to detect()

Rows after a line starting ``# --- held-out`` in the TSV were written after the phrase
rules were frozen and were not used to write them; each such batch is reported as its own
split (``held-out-1``, ``held-out-2``, ...) and together as ``held-out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"  # the shipped content
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screening.risk_language import detect, load_rules  # noqa: E402

EVAL_PATH = ROOT / "tests" / "data" / "risk_eval.tsv"
RESULTS_PATH = ROOT / "bench" / "RESULTS.md"
KINDS = ("explicit", "implicit", "hard_negative", "neutral")
HELD_OUT_MARKER = "# --- held-out"


@dataclass(frozen=True)
class Row:
    lang: str
    label: int
    kind: str
    text: str
    split: str  # "dev", "held-out-1", "held-out-2", ...

    @property
    def held_out(self) -> bool:
        return self.split != "dev"


def load_eval(path: Path = EVAL_PATH) -> list[Row]:
    rows: list[Row] = []
    split = "dev"
    batches = 0
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != ["lang", "label", "kind", "text"]:
        raise ValueError(f"{path}: header must be lang<TAB>label<TAB>kind<TAB>text")
    for n, line in enumerate(lines[1:], start=2):
        if line.startswith(HELD_OUT_MARKER):
            batches += 1
            split = f"held-out-{batches}"
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[1] not in ("0", "1") or parts[2] not in KINDS:
            raise ValueError(f"{path}:{n}: malformed row {line!r}")
        rows.append(Row(parts[0], int(parts[1]), parts[2], parts[3], split))
    return rows


@dataclass(frozen=True)
class Scored:
    row: Row
    predicted: int
    rules: tuple[str, ...]


def score(rows: list[Row], *, lang_hint: bool = False) -> list[Scored]:
    out = []
    for r in rows:
        hits = detect(r.text, r.lang if lang_hint else None, content_dir=CONTENT)
        out.append(Scored(r, int(bool(hits)), tuple(h.rule_id for h in hits)))
    return out


def metrics(scored: list[Scored]) -> dict[str, float]:
    tp = sum(1 for s in scored if s.row.label == 1 and s.predicted == 1)
    fp = sum(1 for s in scored if s.row.label == 0 and s.predicted == 1)
    fn = sum(1 for s in scored if s.row.label == 1 and s.predicted == 0)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(scored),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def kind_table(scored: list[Scored]) -> list[tuple[str, int, str]]:
    """Per kind: n and either recall (risk kinds) or false-positive rate (others)."""
    table = []
    for kind in KINDS:
        sub = [s for s in scored if s.row.kind == kind]
        if not sub:
            continue
        flagged = sum(s.predicted for s in sub)
        if kind in ("explicit", "implicit"):
            table.append(
                (kind, len(sub), f"recall {flagged}/{len(sub)} = {flagged / len(sub):.3f}")
            )
        else:
            table.append(
                (kind, len(sub), f"false positives {flagged}/{len(sub)} = {flagged / len(sub):.3f}")
            )
    return table


def report(scored: list[Scored]) -> str:
    rs = load_rules(CONTENT)
    lines = [
        f"Rules: {rs.path.relative_to(ROOT) if rs.path.is_relative_to(ROOT) else rs.path}"
        f"  patterns per language: {rs.pattern_counts()}"
    ]
    batches = sorted({s.row.split for s in scored if s.row.held_out})
    splits = [
        ("all", scored),
        ("development", [s for s in scored if not s.row.held_out]),
        ("held-out", [s for s in scored if s.row.held_out]),
    ]
    if len(batches) > 1:
        splits += [(b, [s for s in scored if s.row.split == b]) for b in batches]
    lines.append("")
    lines.append("| split | lang | n | precision | recall | F1 | TP | FP | FN |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for name, sub in splits:
        for lang in ("all", "en", "da"):
            part = sub if lang == "all" else [s for s in sub if s.row.lang == lang]
            if not part:
                continue
            m = metrics(part)
            lines.append(
                f"| {name} | {lang} | {m['n']} | {m['precision']:.3f} | "
                f"{m['recall']:.3f} | {m['f1']:.3f} | {m['tp']} | {m['fp']} | "
                f"{m['fn']} |"
            )
    lines.append("")
    lines.append("| split | kind | n | result |")
    lines.append("|---|---|---|---|")
    for name, sub in splits:
        for kind, n, result in kind_table(sub):
            lines.append(f"| {name} | {kind} | {n} | {result} |")
    return "\n".join(lines)


def errors(scored: list[Scored]) -> str:
    out = []
    for s in scored:
        if s.predicted != s.row.label:
            tag = "MISS" if s.row.label else "FALSE+"
            out.append(
                f"{tag:6} [{s.row.split}/{s.row.lang}/{s.row.kind}] {s.row.text}"
                + (f"  <- {', '.join(s.rules)}" if s.rules else "")
            )
    return "\n".join(out) or "(none)"


def append_section(results: Path, heading: str, body: str) -> None:
    """Add ``## heading (date)`` and ``body`` at the end of ``results`` (made if missing)."""
    header = "" if results.exists() else (
        "# Benchmark results\n\nMachine: 2 cores, 24 GiB.\n"
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with results.open("a", encoding="utf-8") as fh:
        fh.write(f"{header}\n## {heading} ({stamp})\n\n{body}\n")
    print(f"\nappended to {results}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", type=Path, default=EVAL_PATH, help="evaluation TSV")
    ap.add_argument("--errors", action="store_true", help="list misclassified rows")
    ap.add_argument(
        "--lang-hint",
        action="store_true",
        help="pass each row's language to detect() (default: lang=None)",
    )
    ap.add_argument("--append", action="store_true", help="append a section to RESULTS.md")
    ap.add_argument("--results", type=Path, default=RESULTS_PATH, help="results file")
    args = ap.parse_args(argv)

    rows = load_eval(args.eval)
    t0 = time.perf_counter()
    scored = score(rows, lang_hint=args.lang_hint)
    per_row_ms = (time.perf_counter() - t0) * 1000 / max(len(rows), 1)
    text = report(scored)
    text += (
        f"\n\nlang hint: {'row language' if args.lang_hint else 'none (all rules)'}; "
        f"{per_row_ms:.2f} ms per row (includes first rule load)"
    )
    print(text)
    if args.errors:
        print("\nMisclassified:\n" + errors(scored))
    if args.append:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        header = "" if args.results.exists() else "# Benchmark results\n"
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        with args.results.open("a", encoding="utf-8") as fh:
            fh.write(
                f"{header}\n## Risk-language rule layer ({stamp})\n\n"
                f"`python bench/risk_eval.py` on `{args.eval.name}`.\n\n{text}\n"
            )
        print(f"\nappended to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
