"""Do failed logins stall everyone else on SQLite? (issue 13, finding 4)

Usage (from the repository root; run by hand, never by pytest)::

    python bench/login_stall.py                      # this tree
    python bench/login_stall.py --code /tmp/before   # another checkout of Stepcare
    python bench/login_stall.py --append             # also append to bench/RESULTS.md

Serves Stepcare from ``--code`` with Flask's threaded server on a fresh SQLite file in a
temporary folder (migrated, one patient), signs the patient in through the real form, then
times ``--requests`` loads of her ``/home`` twice: alone, and while ``--attackers`` threads
loop failed logins (argon2 verifies each). Login limits are raised so that every attempt
reaches the password check. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PASSWORD = "karen@example.com", "a quiet morning by the harbour"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
UNLIMITED = "100000 per minute"


def serve(database: Path, port: int) -> None:
    """The server process: migrate, add the patient, serve with threads."""
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts import operations
    from app.accounts.models import Role
    from app.db import db

    app = create_app({
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-production-checks",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_LIMIT_PER_ACCOUNT": UNLIMITED, "LOGIN_LIMIT_PER_IP": UNLIMITED,
        "LOGIN_LIMIT_PER_ACCOUNT_ALL": UNLIMITED, "INSTANCE_PATH": str(database.parent),
    })
    with app.test_request_context("/", method="POST"):
        upgrade()
        user = operations.create_user(email=EMAIL, password=PASSWORD, role=Role.PATIENT,
                               name="Karen Holm", language="en", date_of_birth=dt.date(1990, 1, 1))
        user.phone = "+4534412345"  # a patient without a phone is sent to add one first
        db.session.commit()
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _token(session: requests.Session, url: str) -> str:
    match = CSRF_RE.search(session.get(url, timeout=30).text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def _time_home(base: str, patient: requests.Session, count: int) -> tuple[list[float], int]:
    times, errors = [], 0
    for _ in range(count):
        started = time.perf_counter()
        response = patient.get(f"{base}/home", timeout=60, allow_redirects=False)
        times.append((time.perf_counter() - started) * 1000)
        errors += response.status_code >= 500
        # A redirect (to login, or to add a phone) would time the wrong page.
        assert response.status_code in (200, 500, 503), (
            f"/home answered {response.status_code} {response.headers.get('Location')}")
        time.sleep(0.1)
    return times, errors


def _attack(base: str, stop: threading.Event, tally: list[int], number: int) -> None:
    session = requests.Session()
    token = _token(session, f"{base}/login")
    while not stop.is_set():
        session.post(f"{base}/login", timeout=60, data={
            "csrf_token": token, "email": f"nobody{number}@example.com", "password": "guess"})
        tally.append(1)


def measure(code: Path, requests_: int, attackers: int) -> dict:
    port, folder = _free_port(), Path(tempfile.mkdtemp(prefix="login-stall-"))
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(folder / "bench.db"),
         str(port)], cwd=code, env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        patient = requests.Session()
        patient.post(f"{base}/login", timeout=30, data={
            "csrf_token": _token(patient, f"{base}/login"), "email": EMAIL, "password": PASSWORD})
        alone, alone_errors = _time_home(base, patient, requests_)
        stop, tally = threading.Event(), []
        threads = [threading.Thread(target=_attack, args=(base, stop, tally, n))
                   for n in range(attackers)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        started = time.perf_counter()
        loaded, loaded_errors = _time_home(base, patient, requests_)
        rate = len(tally) / (time.perf_counter() - started + 1)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait()
    return {"alone": alone, "alone_errors": alone_errors, "loaded": loaded,
            "loaded_errors": loaded_errors, "login_rate": rate}


def report(code: Path, result: dict, args) -> str:
    def row(name, times, errors):
        return (f"| {name} | {statistics.median(times):.0f} ms | {max(times):.0f} ms | "
                f"{errors} of {len(times)} |")

    commit = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or str(code)
    return "\n".join([
        f"## Login stall on SQLite ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)", "",
        f"`python bench/login_stall.py` on {commit}: Flask's threaded server, "
        f"{args.attackers} threads looping failed logins, the patient's `/home` loaded "
        f"{args.requests} times (0.1 s apart) alone and then during the attack.", "",
        "| /home | median | max | 5xx |", "|---|---|---|---|",
        row("alone", result["alone"], result["alone_errors"]),
        row("during failed logins", result["loaded"], result["loaded_errors"]), "",
        f"Failed logins answered: {result['login_rate']:.1f} per second.", ""])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        sys.path.remove(str(Path(__file__).resolve().parent))  # bench/textmodel.py shadows
        serve(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", type=Path, default=ROOT)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    text = report(args.code, measure(args.code, args.requests, args.attackers), args)
    print(text)
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a") as results:
            results.write("\n" + text)


if __name__ == "__main__":
    main()
