"""Caseload performance: the therapist's /caseload and /patients/<id> under concurrent load.

Usage (from the repository root; run by hand, never by pytest)::

    python bench/caseload.py                  # SQLite and PostgreSQL; print the report
    python bench/caseload.py --append         # also append it to bench/RESULTS.md
    python bench/caseload.py --skip-postgres --duration 10 --connections 8 --workers 4

What it does, in one run on one machine:

1. serves a bare Flask hello-world (``bench/hello_app.py``) with gunicorn and loads it;
2. for SQLite (a fresh file in a temporary folder) and PostgreSQL
   (``postgresql://postgres@127.0.0.1:5432/stepcare_bench``, dropped and created anew; never
   the ``test`` database, which the test suite empties): migrates, seeds a clinic of 10,000
   patients with a therapist of 150 patients, each with 20 weeks of weekly PHQ-9/GAD-7
   (``bench/clinic_seed.py``, bulk inserts), signs the therapist in by writing a server
   session row and a signed cookie, counts the SQL statements of each page in-process, then
   serves Stepcare with gunicorn and loads ``/caseload`` and ``/patients/<id>`` (a random one
   of the 150 per request) concurrently, and ``/account``: the signed-in floor, a page with
   no patient data that every signed-in page's fixed costs bound from below.
3. beside each database's Stepcare, serves the minimal signed-in page
   (``bench/minimal_app.py``: a plain Flask app with Flask-Login, a server-side session
   table, Flask-WTF, Flask-Babel, the same security headers and a commit) with the same
   gunicorn command and workers on the same database, and reports every page as a share
   of its throughput too (``bench/caseload_report.py``).

The load generator is ``wrk`` (Debian package ``wrk``) with a Lua script that reports the
median and p95; without wrk, a Python generator with threads. Loopback only, bounded by
``--duration``. Goals (issue 16): ``/account`` >= 50% of the minimal page's throughput,
the caseload >= 25% with p95 <= 100 ms, the record >= 20% with p95 <= 100 ms, no errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository first and bench/ last: bench/textmodel.py (a script) must not shadow the
# textmodel package that Stepcare imports.
sys.path[:] = [str(ROOT), *(p for p in sys.path if p not in (str(ROOT), str(ROOT / "bench"))),
               str(ROOT / "bench")]

RESULTS_PATH = ROOT / "bench" / "RESULTS.md"
from caseload_report import FLOOR_PAGE, report  # noqa: E402

from bench.server import StoppedOnExit, free_port  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "stepcare_bench"
COOKIE_NAME = "stepcare"  # development cookie name (production adds __Host-)

WRK_SCRIPT = """
local paths = {%(paths)s}
local cookie = "%(cookie)s"
request = function()
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["Cookie"] = cookie})
end
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "non_2xx": %%d, ' ..
    '"socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


# --- the database and the signed-in therapist -------------------------------------------------


def seeded_app(database_url: str, *, patients: int, caseload: int, weeks: int,
               analyse: bool = False):
    """Stepcare on ``database_url`` (PostgreSQL's dropped and created anew), migrated and
    seeded, with the bench therapist signed in: (app, seeded, seeding seconds, cookie)."""
    from clinic_seed import seed, signed_in_cookie
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.db import db
    from programmes.operations import load_content

    if database_url.startswith("postgresql"):
        _recreate_postgres_database()
    app = create_app()
    with app.app_context():
        upgrade()
        load_content(app.config["CONTENT_DIR"])
        db.session.commit()
        started = time.perf_counter()
        seeded = seed(patients=patients, caseload=caseload, weeks=weeks)
        seconds = time.perf_counter() - started
        if analyse and database_url.startswith("postgresql"):
            # A live clinic's tables have statistics (autovacuum); a bulk load has none yet.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        cookie = signed_in_cookie(app, seeded.therapist_id)
    return app, seeded, seconds, cookie


def prepare(database_url: str, env: dict[str, str], args) -> dict:
    """Migrate, seed, sign in; count each page's SQL statements in-process."""
    os.environ.update(env)
    from sqlalchemy import event

    from app.db import db

    app, seeded, seed_seconds, cookie = seeded_app(
        database_url, patients=args.patients, caseload=args.caseload, weeks=args.weeks)
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    client.set_cookie(COOKIE_NAME, cookie)
    queries = {}
    for label, url in (("caseload", "/caseload"),
                       ("patient", f"/patients/{seeded.patient_ids[0]}"),
                       ("account", FLOOR_PAGE)):
        count = [0]

        def counter(*_args, count=count, **_kwargs):
            count[0] += 1

        event.listen(engine, "before_cursor_execute", counter)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} in-process; is the "
                             f"therapist signed in? {response.headers.get('Location')}")
        queries[label] = count[0]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"cookie": f"{COOKIE_NAME}={cookie}", "patients": seeded.patient_ids,
            "rows": seeded.rows, "seed_seconds": seed_seconds, "queries": queries}


def _recreate_postgres_database() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}"
                           "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    engine.dispose()


# --- serving ------------------------------------------------------------------------------------


class Server(StoppedOnExit):
    """gunicorn on a loopback port, stopped on exit."""

    def __init__(self, target: str, env: dict[str, str], workers: int, log: Path,
                 chdir: Path = ROOT):
        self.port = free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--chdir", str(chdir), "--log-level", "warning",
             target],
            env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                status, _body = get(self.port, path)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer in {timeout} s; see {self.log.name}")


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- load ---------------------------------------------------------------------------------------


def load(port: int, paths: list[str], cookie: str, args, workdir: Path) -> dict:
    """Concurrent GETs of random paths for --duration seconds: p50, p95, requests/s."""
    if shutil.which("wrk") and not args.python_load:
        return _load_wrk(port, paths, cookie, args, workdir)
    return _load_python(port, paths, cookie, args)


def _load_wrk(port: int, paths: list[str], cookie: str, args, workdir: Path) -> dict:
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths),
                                    "cookie": cookie})
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d",
               f"{args.duration}s", "--timeout", "30s", "-s", str(script),
               f"http://127.0.0.1:{port}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         timeout=args.duration + 60).stdout
    found = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    seconds = found["duration_us"] / 1e6
    return {"generator": "wrk", "requests": found["requests"],
            "rps": found["requests"] / seconds, "p50_ms": found["p50_us"] / 1000,
            "p95_ms": found["p95_us"] / 1000,
            "errors": found["non_2xx"] + found["socket_errors"]}


def _load_python(port: int, paths: list[str], cookie: str, args) -> dict:
    import random

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + args.duration

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", rng.choice(paths), headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"generator": "python threads", "requests": len(latencies),
            "rps": len(latencies) / seconds, "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": cuts[94] * 1000, "errors": errors[0]}


# --- the run ------------------------------------------------------------------------------------


def run(args) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="stepcare-bench-"))
    secret = secrets.token_urlsafe(48)
    base_env = {"STEPCARE_ENV": "development", "STEPCARE_SECRET_KEY": secret,
                "STEPCARE_DEFAULT_LANGUAGE": "en", "STEPCARE_RATELIMIT_STORAGE_URI": "memory://"}
    load_before = os.getloadavg()[0]
    results: list[dict] = []

    print("== hello-world", file=sys.stderr)
    with Server("hello_app:app", base_env, args.workers, workdir / "hello.log",
                chdir=ROOT / "bench") as server:
        server.wait_ready("/")
        load(server.port, ["/"], "x=y", _warmup(args), workdir)
        hello = load(server.port, ["/"], "x=y", args, workdir)
    results.append({"server": "hello-world", "page": "/", **hello})

    backends = [("SQLite", lambda d: f"sqlite:///{d / 'bench.db'}")]
    if not args.skip_postgres:
        backends.append(("PostgreSQL", lambda d: f"{PG_SERVER}/{PG_DATABASE}"))
    facts = {}
    for label, make_url in backends:
        print(f"== {label}: migrate and seed", file=sys.stderr)
        instance = workdir / label.lower()
        instance.mkdir()
        env = {**base_env, "STEPCARE_INSTANCE_PATH": str(instance),
               "DATABASE_URL": make_url(instance)}
        prepared = prepare(env["DATABASE_URL"], env, args)
        facts[label] = prepared
        patient_paths = [f"/patients/{p}" for p in prepared["patients"]]
        print(f"== {label}: load", file=sys.stderr)
        with Server("app:create_app()", env, args.workers, workdir / f"{label}.log") as server:
            server.wait_ready("/healthz")
            for path in ("/caseload", patient_paths[0]):
                status, body = get(server.port, path, prepared["cookie"])
                if status != 200 or b"Patient " not in body:
                    raise SystemExit(f"{label} {path}: {status}; see {server.log.name}")
            for page, paths in (("/caseload", ["/caseload"]),
                                ("/patients/<id>", patient_paths),
                                (FLOOR_PAGE, [FLOOR_PAGE])):
                load(server.port, paths, prepared["cookie"], _warmup(args), workdir)
                measured = load(server.port, paths, prepared["cookie"], args, workdir)
                results.append({"server": f"Stepcare, {label}", "page": page, **measured})
        results.append(_minimal(label, env, args, workdir))
    load_after = os.getloadavg()[0]
    shutil.rmtree(workdir, ignore_errors=True)
    return report(results, facts, args, load_before, load_after)


def _minimal(label: str, env: dict[str, str], args, workdir: Path) -> dict:
    """The minimal signed-in page (bench/minimal_app.py), served as Stepcare, same database."""
    from minimal_app import prepare as prepare_minimal

    cookie = prepare_minimal(env["DATABASE_URL"], env["STEPCARE_SECRET_KEY"])
    print(f"== {label}: minimal signed-in page", file=sys.stderr)
    with Server("minimal_app:app", env, args.workers, workdir / f"minimal-{label}.log",
                chdir=ROOT / "bench") as server:
        server.wait_ready("/")
        status, _body = get(server.port, "/", cookie)
        if status != 200:
            raise SystemExit(f"minimal page, {label}: {status}; see {server.log.name}")
        load(server.port, ["/"], cookie, _warmup(args), workdir)
        measured = load(server.port, ["/"], cookie, args, workdir)
    return {"server": f"minimal signed-in, {label}", "page": "/", **measured}


def _warmup(args):
    return argparse.Namespace(**{**vars(args), "duration": args.warmup})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--append", action="store_true", help="append the report to RESULTS.md")
    ap.add_argument("--results", type=Path, default=RESULTS_PATH)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--duration", type=int, default=15, help="seconds of load per page")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--caseload", type=int, default=150)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--python-load", action="store_true", help="use the Python generator")
    args = ap.parse_args()
    text = run(args)
    print(text)
    if args.append:
        with args.results.open("a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
