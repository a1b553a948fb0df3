"""Growth: the caseload's and the record's time at clinics of several sizes, both databases.

Usage (from the repository root; run by hand, never by pytest)::

    python bench/growth.py                                  # 1k, 10k and 50k patients
    python bench/growth.py --sizes 1000,10000 --skip-postgres --repetitions 40
    python bench/growth.py --append                         # also append to RESULTS.md

For each database (a fresh SQLite file; PostgreSQL's ``stepcare_bench`` database, dropped
and created anew, then analysed after seeding, as autovacuum would have) and each
clinic size, one after the other in one run: migrate, seed the
clinic (``bench/clinic_seed.py``: the bench therapist's 150 patients and everyone else,
each with 20 weeks of weekly PHQ-9 and GAD-7, so a 50k clinic holds about 2.1 million
questionnaire responses), then request the first caseload page and a record (one of the
150, in turn) in-process through Flask's test client, interleaved, and report each page's
median and p95 time and SQL statements per size, and how far the slowest size's median is
from the fastest's. The goal (issue 16): within 15% of each other at every size.

In-process, so that no load generator shares the cores with what is measured; the
server-side figures under load are ``bench/caseload.py``'s.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if p not in (str(ROOT), str(ROOT / "bench"))),
               str(ROOT / "bench")]

from caseload import PG_DATABASE, PG_SERVER, seeded_app  # noqa: E402
from inprocess import COOKIE_NAME, count_statements  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "RESULTS.md"
GOAL = 1.15


def _clinic(database_url: str, patients: int, workdir: Path):
    """A migrated, seeded app on ``database_url``; its client, signed in; seeding facts."""
    os.environ.update({
        "STEPCARE_ENV": "development", "STEPCARE_SECRET_KEY": secrets.token_urlsafe(48),
        "STEPCARE_DEFAULT_LANGUAGE": "en", "STEPCARE_RATELIMIT_STORAGE_URI": "memory://",
        "STEPCARE_INSTANCE_PATH": str(workdir), "DATABASE_URL": database_url})
    app, seeded, seconds, cookie = seeded_app(database_url, patients=patients, caseload=150,
                                              weeks=20, analyse=True)
    client = app.test_client()
    client.set_cookie(COOKIE_NAME, cookie)
    return app, client, seeded, seconds


def _measure(app, client, seeded, repetitions: int) -> dict[str, dict[str, float]]:
    records = [f"/patients/{pid}" for pid in seeded.patient_ids]
    pages = {"caseload": lambda i: "/caseload", "record": lambda i: records[i % len(records)]}
    for page in pages.values():  # warm: templates compiled, stored facts computed
        for i in range(10):
            assert client.get(page(i)).status_code == 200
    samples: dict[str, list[float]] = {name: [] for name in pages}
    cpu: dict[str, list[float]] = {name: [] for name in pages}
    for i in range(repetitions):
        for name, page in pages.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(page(i))
            samples[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((time.process_time() - started_cpu) * 1000)
    result = {}
    for name, page in pages.items():
        times = sorted(samples[name])
        result[name] = {"median": statistics.median(times),
                        "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
                        "cpu": statistics.median(cpu[name]),
                        "statements": count_statements(app, client, page(0))[0]}
    return result


def _dispose(app) -> None:
    from app.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def run(args) -> str:
    backends = [("SQLite", None)]
    if not args.skip_postgres:
        backends.append(("PostgreSQL", f"{PG_SERVER}/{PG_DATABASE}"))
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, int, dict, float, dict]] = []
    for label, url in backends:
        for size in args.sizes:
            workdir = Path(tempfile.mkdtemp(prefix="stepcare-growth-"))
            print(f"== {label}, {size:,} patients: seed", file=sys.stderr)
            app, client, seeded, seconds = _clinic(url or f"sqlite:///{workdir / 'b.db'}",
                                                   size, workdir)
            print(f"== {label}, {size:,} patients: measure", file=sys.stderr)
            rows.append((label, size, seeded.rows, seconds,
                         _measure(app, client, seeded, args.repetitions)))
            _dispose(app)
    return _report(rows, args, load_before, os.getloadavg()[0])


def _report(rows, args, load_before: float, load_after: float) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## Growth (issue 16, {stamp})", "",
             f"`python bench/growth.py --sizes {','.join(map(str, args.sizes))} "
             f"--repetitions {args.repetitions}`: in-process (Flask's test client), the first "
             "caseload page and a record (one of the therapist's 150 in turn), interleaved, "
             "after 10 warm-up requests each. Every patient has 20 weeks of weekly PHQ-9 and "
             f"GAD-7. Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
             f"(1 min) {load_before:.2f} before, {load_after:.2f} after.", "",
             "| database | patients | responses | seeded in | caseload median (CPU) "
             "| caseload p95 | statements | record median (CPU) | record p95 | statements |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, size, counts, seconds, pages in rows:
        c, r = pages["caseload"], pages["record"]
        lines.append(
            f"| {label} | {size:,} | {counts.get('responses', 0):,} | {seconds:.1f} s "
            f"| {c['median']:.1f} ms ({c['cpu']:.1f}) | {c['p95']:.1f} ms | {c['statements']:.0f} "
            f"| {r['median']:.1f} ms ({r['cpu']:.1f}) | {r['p95']:.1f} ms "
            f"| {r['statements']:.0f} |")
    lines += ["", "Spread: the slowest size's median over the fastest's, in wall time (and in "
              f"this process's CPU time, which other work on the machine moves less); goal "
              f"<= {GOAL:.2f}:", ""]
    for label in dict.fromkeys(row[0] for row in rows):
        for page in ("caseload", "record"):
            wall, cpu = ([row[4][page][key] for row in rows if row[0] == label]
                         for key in ("median", "cpu"))
            spread = max(wall) / min(wall)
            verdict = "met" if spread <= GOAL else "not met"
            lines.append(f"- {label}, {page}: {spread:.2f} ({max(cpu) / min(cpu):.2f}), "
                         f"{verdict}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")],
                    default=[1_000, 10_000, 50_000])
    ap.add_argument("--repetitions", type=int, default=60)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--append", action="store_true")
    args = ap.parse_args()
    text = run(args)
    print(text)
    if args.append:
        with RESULTS_PATH.open("a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
