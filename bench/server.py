"""A demo clinic served by gunicorn, for the load benchmark and the reliability tests.

`clinic_env` builds the demo on a database, `Gunicorn` serves it on a free loopback port in a
process group of its own (so that a crash of "the whole server" and every clean-up can reach
the master and all its workers at once), and `stored_writes` reads back what was kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[1]
# Sign-in limits that 50 users on one loopback address would otherwise trip.
UNLIMITED = {"STEPCARE_LOGIN_LIMIT_PER_IP": "100000 per minute",
             "STEPCARE_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
             "STEPCARE_LOGIN_LIMIT_PER_ACCOUNT_ALL": "100000 per minute"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StoppedOnExit:
    """A context manager for a server its subclass started as `self.process`, writing to
    the open file `self.log`: on exit, SIGTERM; SIGKILL after 30 s; then the log closed."""

    process: subprocess.Popen
    log: IO[str]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def clinic_env(instance: Path, database_url: str | None) -> dict:
    """The environment of a server on `database_url` (None: SQLite in `instance`)."""
    env = {**os.environ, "STEPCARE_INSTANCE_PATH": str(instance), **UNLIMITED}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def flask(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def build_demo(env: dict, reset: bool = False) -> None:
    """The demo clinic; `reset` wipes a database that holds data (a fresh one needs not)."""
    done = flask(env, "demo", "--yes", *(["--reset"] if reset else []))
    if done.returncode != 0:
        raise RuntimeError(f"flask demo failed:\n{done.stdout}\n{done.stderr}")


def _without_control_socket() -> list[str]:
    """gunicorn 27's control socket has one default path: servers side by side (xdist, a
    restart) would share it. Older versions have none."""
    from gunicorn.config import KNOWN_SETTINGS

    known = any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)
    return ["--no-control-socket"] if known else []


class Gunicorn:
    """gunicorn with gthread workers; `kill()` is SIGKILL to the master and every worker."""

    def __init__(self, env: dict, workers: int = 4, threads: int = 8, log: str | None = None):
        self.env, self.workers, self.threads = env, workers, threads
        self.log = log or os.environ.get("STEPCARE_LOAD_LOG", os.devnull)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 300) -> Gunicorn:
        with open(self.log, "a") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
                 "--workers", str(self.workers),
                 "--worker-class", "gthread", "--threads", str(self.threads),
                 *_without_control_socket(),
                 "--graceful-timeout", "5", "--bind", f"127.0.0.1:{self.port}",
                 "app:create_app()"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the kernel's OOM killer would; the master starts another."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill(self) -> None:
        """The whole server dies at once: no worker finishes its request."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), then SIGKILL for whatever is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        self.kill()


def stored_writes(env: dict) -> dict:
    """What the database holds now, read by a fresh process: see `_dump`."""
    done = subprocess.run([sys.executable, "-c", "from bench.server import _dump; _dump()"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True,
                          timeout=300)
    return json.loads(done.stdout.splitlines()[-1])


def _dump() -> None:
    from app import create_app
    from app.accounts.models import Role, User
    from app.db import db
    from app.messaging.models import Message
    from programmes.models import ExerciseAnswer, MoodEntry

    with create_app().app_context():
        patients = db.session.execute(db.select(User.email).where(
            User.role == Role.PATIENT, User.phone.is_not(None)).order_by(User.id)).scalars()
        diary = db.session.execute(db.select(User.email, MoodEntry.day).join(
            MoodEntry, MoodEntry.patient_id == User.id))
        answers = db.session.execute(db.select(User.email, ExerciseAnswer.block_id).join(
            ExerciseAnswer, ExerciseAnswer.patient_id == User.id))
        print(json.dumps({
            "patients": list(patients),
            "diary": [[email, day.isoformat()] for email, day in diary],
            "answers": [list(row) for row in answers],
            "messages": list(db.session.execute(db.select(Message.body)).scalars()),
        }))
