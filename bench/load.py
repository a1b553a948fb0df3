"""50 simulated users for 60 s against gunicorn: errors, p50 and p95 per page, lost writes.

    python bench/load.py                       # SQLite, in a fresh instance folder
    DATABASE_URL=postgresql://... python bench/load.py --workers 4

It builds the demo clinic, starts gunicorn (gthread workers) on a free loopback port, and
runs the patients' and therapists' real flows: sign-in (with TOTP for staff), home, the
diary (a save a day, so two sessions of one patient race for the day's first entry),
messages, the caseload, patient records and risk alerts. Every write the client saw succeed
is checked in the database afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pyotp
import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "stepcare-demo-2026"  # noqa: S105 - the demo's published password
TOTP = "STEPCAREDEMOTOTPSECRETXYZ234567A"
THERAPISTS = ["mette@demo.stepcare.dk", "jonas@demo.stepcare.dk", "amira@demo.stepcare.dk"]
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.saved_diary: set[tuple[str, str]] = set()

    def hit(self, session: requests.Session, page: str, method: str, url: str, **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, **kwargs)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 599
        with self.lock:
            self.times[page].append(time.perf_counter() - start)
            if status >= 500:
                self.errors[page] += 1
        return response


def _token(response) -> str:
    match = TOKEN.search(response.text) if response is not None else None
    return match.group(1) if match else ""


def _sign_in(tally: Tally, base: str, email: str, staff: bool) -> requests.Session:
    session = requests.Session()
    page = tally.hit(session, "login form", "GET", base + "/login")
    response = tally.hit(session, "sign in", "POST", base + "/login",
                         data={"csrf_token": _token(page), "email": email, "password": PASSWORD})
    if staff and response is not None:
        tally.hit(session, "two-step", "POST", base + "/login/two-step",
                  data={"csrf_token": _token(response), "code": pyotp.TOTP(TOTP).now()})
    return session


def _patient(tally: Tally, base: str, email: str, until: float, index: int) -> None:
    session = _sign_in(tally, base, email, staff=False)
    saves = 0
    while time.monotonic() < until:
        tally.hit(session, "home", "GET", base + "/home")
        diary = tally.hit(session, "diary page", "GET", base + "/diary")
        # The diary takes the last 30 days; a patient's two sessions save the same days.
        day, saves = date.today() - timedelta(days=saves % 30), saves + 1
        saved = tally.hit(session, "diary save", "POST", base + "/diary", data={
            "csrf_token": _token(diary), "day": day.isoformat(), "mood": str(index % 11),
            "note": f"A walk after work ({index})."}, allow_redirects=False)
        if saved is not None and saved.status_code == 302 and "/diary" in saved.headers.get(
                "Location", ""):  # not the sign-in page
            with tally.lock:
                tally.saved_diary.add((email, day.isoformat()))
        tally.hit(session, "messages", "GET", base + "/messages")


def _therapist(tally: Tally, base: str, email: str, until: float) -> None:
    session = _sign_in(tally, base, email, staff=True)
    while time.monotonic() < until:
        caseload = tally.hit(session, "caseload", "GET", base + "/caseload")
        records = re.findall(r'href="(/patients/\d+)"', caseload.text if caseload else "")
        for record in sorted(set(records))[:3]:
            tally.hit(session, "patient record", "GET", base + record)
        tally.hit(session, "alerts", "GET", base + "/alerts")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(env: dict, workers: int, port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class",
         "gthread", "--threads", "8", "--bind", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("STEPCARE_LOAD_LOG", os.devnull), "w"))  # noqa: SIM115
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _patients(env: dict) -> list[str]:
    listing = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from app import create_app; from app.db import db; "
         "from app.accounts.models import User\napp = create_app()\nwith app.app_context():\n"
         "    print('\\n'.join(u.email for u in db.session.execute(db.select(User).where("
         "User.role == 'patient', User.phone.is_not(None))).scalars()))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return listing.stdout.split()


def _lost_writes(env: dict, saved: set[tuple[str, str]]) -> int:
    check = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from app import create_app; from app.db import db\n"
         "from app.accounts.models import User; from programmes.models import MoodEntry\n"
         "app = create_app()\nwith app.app_context():\n"
         "    for email, day in db.session.execute(db.select(User.email, MoodEntry.day)"
         ".join(MoodEntry, MoodEntry.patient_id == User.id)): print(email, day)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    stored = {tuple(line.split()) for line in check.stdout.splitlines()}
    return len(saved - stored)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="stepcare-load-")
    env = {**os.environ, "STEPCARE_INSTANCE_PATH": instance,
           "STEPCARE_LOGIN_LIMIT_PER_IP": "100000 per minute",
           "STEPCARE_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
           "STEPCARE_LOGIN_LIMIT_PER_ACCOUNT_ALL": "100000 per minute"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "demo", "--reset"],  # noqa: S603
                   cwd=ROOT, env=env, check=True, capture_output=True)
    patients = _patients(env)
    port = _free_port()
    server = _serve(env, args.workers, port)
    base, tally = f"http://127.0.0.1:{port}", Tally()
    until = time.monotonic() + args.seconds
    threads = []
    for n in range(args.users):
        if n % 10 == 9:
            target = (_therapist, (tally, base, THERAPISTS[n % 3], until))
        else:
            target = (_patient, (tally, base, patients[n % len(patients)], until, n))
        threads.append(threading.Thread(target=target[0], args=target[1]))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    total = sum(len(t) for t in tally.times.values())
    errors = sum(tally.errors.values())
    print(f"{database}, gunicorn {args.workers} gthread workers, {args.users} users, "
          f"{args.seconds} s: {total} requests, {errors} responses >= 500, "
          f"{_lost_writes(env, tally.saved_diary)} of {len(tally.saved_diary)} acknowledged "
          "diary saves missing afterwards.\n")
    print("| page | requests | >= 500 | p50 ms | p95 ms |\n|---|---|---|---|---|")
    for page, times in sorted(tally.times.items()):
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"| {page} | {len(times)} | {tally.errors[page]} | "
              f"{statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} |")


if __name__ == "__main__":
    main()
