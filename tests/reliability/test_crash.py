"""SIGKILL a worker, then the whole server, while patients send screenings and autosave.

After a restart nothing is half-written: every screening marked sent has all its responses,
no response hangs off a screening still in progress, every screening a patient saw sent is
there, the audit chain verifies and (SQLite) the file passes its integrity check.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter

from bs4 import BeautifulSoup

from bench.load import Tally, _autosave, _first_text_block, sign_in, token
from bench.server import ROOT, flask, stored_writes
from tests.reliability.conftest import demo_clinic

# The answer kept for a choice: no risk, so that no alert mail is sent mid-test.
CALM = ("no", "0")


def _answers(page) -> dict:
    form = BeautifulSoup(page.text, "html.parser").select_one("form.questionnaire")
    data = {"csrf_token": token(page)}
    for field in form.select("input[type=radio]"):
        values = [f["value"] for f in form.select(f'input[name="{field["name"]}"]')]
        data[field["name"]] = next((v for v in CALM if v in values), values[0])
    for field in form.select("textarea, input[type=text]"):
        data[field["name"]] = "Tired after work."
    return data


def _screening(tally: Tally, session, base: str) -> bool:
    """Start, fill every page, send: True when the patient saw it sent."""
    home = tally.hit(session, "home", "GET", base + "/home")
    page = tally.hit(session, "start", "POST", base + "/screening/start",
                     data={"csrf_token": token(home)})
    for _ in range(10):
        if page is None or page.status_code != 200:
            return False
        if page.url.endswith("/screening/confirm"):
            sent = tally.hit(session, "submit", "POST", base + "/screening/submit",
                             data={"csrf_token": token(page)}, allow_redirects=False)
            return sent is not None and sent.headers.get("Location", "").endswith(
                "/screening/result")
        page = tally.hit(session, "page", "POST", page.url, data=_answers(page))
    return False


def _patient(tally: Tally, base: str, email: str, stop: threading.Event) -> None:
    session, module = None, None
    while not stop.is_set():
        if session is None:
            session = sign_in(tally, base, email)
            module = _first_text_block(tally, session, base)
        if module is not None:
            _autosave(tally, session, base, email, module)
        if _screening(tally, session, base):
            tally.acknowledged("screenings", (email, time.monotonic()))
        elif stop.is_set() or tally.hit(session, "home", "GET", base + "/home") is None:
            time.sleep(0.5)  # the server is down: wait for it
            session = None


def _wait_for_screenings(tally: Tally, count: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(tally.saved["screenings"]) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # into the next ones


def _state(env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.reliability.state"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=300)
    return json.loads(done.stdout.splitlines()[-1])


def test_it_leaves_nothing_half_written_when_workers_and_the_server_are_killed(tmp_path,
                                                                              serve):
    env = demo_clinic(tmp_path, "crash")
    before = Counter(_state(env)["sent"])
    patients = stored_writes(env)["patients"][:8]
    server = serve(env, workers=2, threads=4)
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=_patient, args=(tally, server.base, email, stop))
               for email in patients]
    for thread in threads:
        thread.start()
    try:
        # Kill when work is flowing, not after a fixed time: on a busy machine the
        # workers' start and the sign-ins can take a minute.
        _wait_for_screenings(tally, 2)
        server.kill_worker()  # the master starts another; the other goes on serving
        _wait_for_screenings(tally, len(tally.saved["screenings"]) + 2)
        server.kill()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    serve(env, workers=1, threads=2)  # it starts and answers /healthz on the same database
    state = _state(env)
    assert (state["partial"], state["orphan_responses"], state["empty_responses"]) == ([], [], [])
    assert state["integrity"] in (None, "ok")
    seen = Counter(email for email, _ in tally.saved["screenings"])
    assert all(state["sent"].get(email, 0) >= before[email] + n for email, n in seen.items())
    assert sum(seen.values()) > 0
    verify = flask(env, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
