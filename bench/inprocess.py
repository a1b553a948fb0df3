"""In-process cost of the signed-in pages: SQL statements and ms per request, no server.

Usage (from the root of the checkout to measure; run by hand, never by pytest)::

    python bench/inprocess.py --repetitions 200 [--patients 2000] [--profile]

Seeds a clinic into a fresh SQLite file (``bench/clinic_seed.py``), signs the bench therapist
in, then requests ``/account``, ``/caseload`` and a patient record through Flask's test
client: the statements each sends (and those after its commit), and the median and mean
time over the repetitions. ``--profile`` adds cProfile call counts of Babel's formatting
and the language form for one caseload render. On a busy machine the times move by some
tens of per cent between runs; the statement and call counts do not.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path.cwd()
# The checkout first: bench/ has modules (textmodel.py) named like the app's packages.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

COOKIE_NAME = "stepcare"


def migrated_app(workdir: Path):
    """The app on a fresh, migrated SQLite file in ``workdir`` (development settings)."""
    os.environ.update({
        "STEPCARE_ENV": "development", "STEPCARE_SECRET_KEY": secrets.token_urlsafe(48),
        "STEPCARE_DEFAULT_LANGUAGE": "en", "STEPCARE_RATELIMIT_STORAGE_URI": "memory://",
        "STEPCARE_INSTANCE_PATH": str(workdir), "DATABASE_URL": f"sqlite:///{workdir}/b.db"})
    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    return app


def prepare(args):
    from clinic_seed import seed, signed_in_cookie

    from app.db import db
    from programmes.operations import load_content

    app = migrated_app(Path(tempfile.mkdtemp(prefix="stepcare-inprocess-")))
    with app.app_context():
        load_content(app.config["CONTENT_DIR"])
        db.session.commit()
        seeded = seed(patients=args.patients, caseload=150, weeks=20)
        cookie = signed_in_cookie(app, seeded.therapist_id)
    client = app.test_client()
    client.set_cookie(COOKIE_NAME, cookie)
    return app, client, seeded


def count_statements(app, client, url: str) -> tuple[int, int]:
    """All statements of one request, and those sent after its (last) commit."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.db import db

    with app.app_context():
        engine = db.engine
    seen = {"all": 0, "after": 0}

    def statement(*_args, **_kwargs):
        seen["all"] += 1
        seen["after"] += 1

    def committed(_session):
        seen["after"] = 0

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Session, "after_commit", committed)
    try:
        response = client.get(url)
    finally:
        event.remove(Session, "after_commit", committed)
        event.remove(engine, "before_cursor_execute", statement)
    assert response.status_code == 200, (url, response.status_code)
    return seen["all"], seen["after"]


def timings(client, url: str, repetitions: int) -> tuple[float, float]:
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), statistics.fmean(samples)


def profile_calls(client, url: str) -> dict[str, int]:
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    wanted = {("babel/dates.py", "format_datetime"), ("babel/dates.py", "format_date"),
              ("babel/dates.py", "parse_pattern"), ("babel/dates.py", "get_datetime_format"),
              ("flask_babel/__init__.py", "format_datetime"),
              ("app/accounts/forms.py", "__init__"), ("wtforms/form.py", "__call__"),
              ("flask_limiter/_manager.py", "resolve_limits"),
              ("sqlalchemy/pool/base.py", "_do_ping_w_event")}
    counts: dict[str, int] = {}
    for (filename, _line, name), (_cc, calls, *_rest) in stats.items():
        for suffix, function in wanted:
            if filename.endswith(suffix) and name == function:
                counts[f"{suffix}:{function}"] = counts.get(f"{suffix}:{function}", 0) + calls
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=200)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    app, client, seeded = prepare(args)
    pages = {"/account": "/account", "/caseload": "/caseload",
             "record": f"/patients/{seeded.patient_ids[0]}"}
    print(f"code: {ROOT}  patients: {args.patients}  repetitions: {args.repetitions}")
    print("| page | statements | after the commit | median ms | mean ms |")
    print("|---|---:|---:|---:|---:|")
    for label, url in pages.items():
        client.get(url)  # warm: templates compiled, caches filled
        total, after = count_statements(app, client, url)
        median, mean = timings(client, url, args.repetitions)
        print(f"| {label} | {total} | {after} | {median:.2f} | {mean:.2f} |")
    if args.profile:
        for label, url in pages.items():
            print(label, profile_calls(client, url))


if __name__ == "__main__":
    main()
