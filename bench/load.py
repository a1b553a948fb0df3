"""50 simulated users for 60 s against gunicorn: errors, p50 and p95 per page, lost writes.

    python bench/load.py                       # SQLite, in a fresh instance folder
    DATABASE_URL=postgresql://... python bench/load.py --workers 4

It builds the demo clinic, starts gunicorn (gthread workers) on a free loopback port, and
runs the patients' and therapists' real flows: sign-in (with TOTP for staff), home, modules
and their autosave, the diary (a save a day, so two sessions of one patient race for the
day's first entry), messages, the caseload, patient records, replies and risk alerts. Every
write the client saw succeed is checked in the database afterwards.

tests/reliability/test_load.py runs the same flows (`run_load`) for a shorter time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyotp
import requests

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import Gunicorn, build_demo, clinic_env, stored_writes  # noqa: E402

PASSWORD = "stepcare-demo-2026"  # noqa: S105 - the demo's published password
TOTP = "STEPCAREDEMOTOTPSECRETXYZ234567A"
THERAPISTS = ["mette@demo.stepcare.dk", "jonas@demo.stepcare.dk", "amira@demo.stepcare.dk"]
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
MODULE = re.compile(r'href="(/programmes/[^/"]+/[^/"#]+)"')
TEXT_BLOCK = re.compile(r'name="b-([a-z0-9-]+)-text"')


@dataclass
class Tally:
    """Every response's time and status per page, and the writes the client saw succeed."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ok: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: set[int] = field(default_factory=set)  # the statuses >= 500 seen
    saved: dict[str, set] = field(default_factory=lambda: defaultdict(set))

    def hit(self, session: requests.Session, page: str, method: str, url: str, **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(method, url, timeout=60, **kwargs)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 599
        with self.lock:
            self.times[page].append(time.perf_counter() - start)
            if status >= 500:
                self.errors[page] += 1
                self.server_errors.add(status)
            elif status < 400:
                self.ok[page] += 1
        return response

    def acknowledged(self, kind: str, write: tuple) -> None:
        with self.lock:
            self.saved[kind].add(write)

    def total(self) -> int:
        return sum(len(t) for t in self.times.values())

    def table(self) -> str:
        rows = ["| page | requests | >= 500 | p50 ms | p95 ms |", "|---|---|---|---|---|"]
        for page, times in sorted(self.times.items()):
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            rows.append(f"| {page} | {len(times)} | {self.errors.get(page, 0)} | "
                        f"{statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} |")
        return "\n".join(rows)


def token(response) -> str:
    match = TOKEN.search(response.text) if response is not None else None
    return match.group(1) if match else ""


def _redirected_to(response, path: str) -> bool:
    """A 302 to `path`, not to the sign-in page: the write was taken."""
    return (response is not None and response.status_code == 302
            and response.headers.get("Location", "").split("?")[0].endswith(path))


def sign_in(tally: Tally, base: str, email: str, staff: bool = False) -> requests.Session:
    session = requests.Session()
    page = tally.hit(session, "login form", "GET", base + "/login")
    response = tally.hit(session, "sign in", "POST", base + "/login",
                         data={"csrf_token": token(page), "email": email, "password": PASSWORD})
    if staff and response is not None:
        tally.hit(session, "two-step", "POST", base + "/login/two-step",
                  data={"csrf_token": token(response), "code": pyotp.TOTP(TOTP).now()})
    return session


def _first_text_block(tally: Tally, session, base: str) -> tuple[str, str] | None:
    """The patient's first module with a free-text exercise: (module path, block id)."""
    listing = tally.hit(session, "programmes", "GET", base + "/programmes")
    for path in sorted(set(MODULE.findall(listing.text if listing is not None else "")))[:3]:
        module = tally.hit(session, "module", "GET", base + path)
        block = TEXT_BLOCK.search(module.text if module is not None else "")
        if block:
            return path, block.group(1)
    return None


def _autosave(tally: Tally, session, base: str, email: str, module: tuple[str, str]) -> None:
    path, block = module
    page = tally.hit(session, "module", "GET", base + path)
    saved = tally.hit(session, "autosave", "POST", f"{base}{path}/answers/{block}",
                      headers={"Accept": "application/json"},
                      data={"csrf_token": token(page), f"b-{block}-text": "Went for a walk."})
    if saved is not None and saved.status_code == 200:
        tally.acknowledged("answers", (email, block))


def _diary(tally: Tally, session, base: str, email: str, day: date, mood: int) -> None:
    diary = tally.hit(session, "diary page", "GET", base + "/diary")
    saved = tally.hit(session, "diary save", "POST", base + "/diary", allow_redirects=False,
                      data={"csrf_token": token(diary), "day": day.isoformat(),
                            "mood": str(mood), "note": "A walk after work."})
    if _redirected_to(saved, "/diary"):
        tally.acknowledged("diary", (email, day.isoformat()))


def _message(tally: Tally, session, base: str, thread: str, page: str) -> None:
    form = tally.hit(session, page, "GET", base + thread)
    body = f"See you on Thursday ({uuid.uuid4().hex[:12]})."
    sent = tally.hit(session, page + " send", "POST", base + thread, allow_redirects=False,
                     data={"csrf_token": token(form), "body": body})
    if _redirected_to(sent, thread):
        tally.acknowledged("messages", (body,))


def patient(tally: Tally, base: str, email: str, until: float, index: int) -> None:
    session = sign_in(tally, base, email)
    module = _first_text_block(tally, session, base)
    rounds = 0
    while rounds == 0 or time.monotonic() < until:  # every flow at least once
        tally.hit(session, "home", "GET", base + "/home")
        # The diary takes the last 30 days; a patient's two sessions save the same days.
        _diary(tally, session, base, email, date.today() - timedelta(days=rounds % 30),
               index % 11)
        if module is not None:
            _autosave(tally, session, base, email, module)
        if rounds % 3 == index % 3:
            _message(tally, session, base, "/messages", "messages")
        else:
            tally.hit(session, "messages", "GET", base + "/messages")
        rounds += 1


def therapist(tally: Tally, base: str, email: str, until: float) -> None:
    session = sign_in(tally, base, email, staff=True)
    rounds = 0
    while rounds == 0 or time.monotonic() < until:  # every flow at least once
        caseload = tally.hit(session, "caseload", "GET", base + "/caseload")
        records = sorted(set(re.findall(r'href="(/patients/\d+)"',
                                        caseload.text if caseload is not None else "")))
        for record in records[rounds % 5:rounds % 5 + 2]:
            tally.hit(session, "patient record", "GET", base + record)
            _message(tally, session, base, record + "/messages", "reply")
        tally.hit(session, "alerts", "GET", base + "/alerts")
        rounds += 1


def _arriving(delay: float, flow, *args) -> threading.Thread:
    def arrive():
        time.sleep(delay)
        flow(*args)
    return threading.Thread(target=arrive)


def run_load(base: str, patients: list[str], users: int, seconds: float,
             ramp: float = 5.0) -> Tally:
    """`users` users for `seconds`: one therapist account each for the first few (a TOTP
    code is taken once per account), patients for the rest, two sessions for some.

    They arrive over `ramp` seconds, as a clinic's users do: 50 argon2 checks in the same
    instant would measure nothing but the password hash.
    """
    tally, until = Tally(), time.monotonic() + ramp + seconds
    staff = THERAPISTS[:max(1, users // 15)]
    threads = [_arriving(ramp * n / users, therapist, tally, base, email, until)
               for n, email in enumerate(staff)]
    for n in range(len(staff), users):
        threads.append(_arriving(ramp * n / users, patient, tally, base,
                                 patients[n % len(patients)], until, n))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def lost_writes(env: dict, tally: Tally) -> dict[str, list]:
    """The acknowledged writes the database does not hold, by kind."""
    stored = stored_writes(env)
    kept = {"diary": {tuple(row) for row in stored["diary"]},
            "answers": {tuple(row) for row in stored["answers"]},
            "messages": {(body,) for body in stored["messages"]}}
    return {kind: sorted(tally.saved[kind] - kept[kind]) for kind in kept}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    env = clinic_env(Path(tempfile.mkdtemp(prefix="stepcare-load-")),
                     os.environ.get("DATABASE_URL"))
    build_demo(env, reset=True)
    server = Gunicorn(env, workers=args.workers).start()
    try:
        tally = run_load(server.base, stored_writes(env)["patients"], args.users, args.seconds)
    finally:
        server.stop()
    lost = lost_writes(env, tally)
    database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    print(f"{database}, gunicorn {args.workers} gthread workers, {args.users} users, "
          f"{args.seconds} s: {tally.total()} requests, {sum(tally.errors.values())} "
          "responses >= 500; acknowledged writes missing afterwards: "
          + ", ".join(f"{len(lost[k])} of {len(tally.saved[k])} {k}" for k in lost) + ".\n")
    print(tally.table())


if __name__ == "__main__":
    main()
