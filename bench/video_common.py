"""Shared parts of the video benchmarks: a clinic of open rooms, signed-in cookies, gunicorn.

Never imported by the tests. Media stays on loopback: the server runs with the documented
settings ``STEPCARE_VIDEO_HOST_ADDRESSES=127.0.0.1`` and
``STEPCARE_VIDEO_MEDIA_NETWORKS=127.0.0.0/8`` and no ICE servers (browser.md, "WebRTC on
loopback only").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import StoppedOnExit, free_port  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "RESULTS.md"
COOKIE_NAME = "stepcare"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "stepcare_video_bench"  # never the test suite's "test" database
SECRET_KEY = "video-benchmark-secret-key-" + "x" * 24
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required",
]


@dataclass(frozen=True)
class Room:
    room_id: str
    patient_cookie: str
    therapist_cookie: str


def server_env(database_url: str, instance: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "STEPCARE_INSTANCE_PATH": str(instance),
        "STEPCARE_SECRET_KEY": SECRET_KEY,
        "STEPCARE_DEFAULT_LANGUAGE": "en",
        "STEPCARE_VIDEO_HOST_ADDRESSES": "127.0.0.1",
        "STEPCARE_VIDEO_MEDIA_NETWORKS": "127.0.0.0/8",
        "STEPCARE_VIDEO_ECHO_MAX_SESSIONS": "16",
    }


def database_url(kind: str, instance: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{instance / 'stepcare.db'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_SERVER.replace("postgresql://", "postgresql+psycopg://")
                           + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    engine.dispose()
    return f"{PG_SERVER}/{PG_DATABASE}"


def prepare(env: dict[str, str], rooms: int, extra_patients: int = 0) -> tuple[list[Room],
                                                                                 list[str]]:
    """Migrate; create ``rooms`` therapist-patient pairs with an appointment starting now.

    Returns the rooms and, for the echo benchmark, cookies of ``extra_patients`` more patients.
    """
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.models import Role, User, UserSession
    from app.accounts.sessions import SESSION_KEY
    from app.caseload.models import CareAssignment
    from app.db import db, utcnow
    from video import operations

    app = create_app()
    with app.app_context():
        upgrade()
        serializer = app.session_interface.get_signing_serializer(app)

        def person(name: str, role: Role) -> tuple[User, str]:
            user = User(email=f"{name}@bench.example", name=name.title(), role=str(role),
                        password_hash="x", language="en")  # noqa: S106 (cookie sign-in only)
            if role != Role.PATIENT:
                user.totp_secret, user.totp_confirmed_at = "A" * 32, utcnow()
            db.session.add(user)
            db.session.flush()
            token = secrets.token_urlsafe(32)
            now = utcnow()
            db.session.add(UserSession(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                       user_id=user.id, created_at=now, last_seen_at=now,
                                       reauthenticated_at=now))
            cookie = serializer.dumps({SESSION_KEY: token, "_user_id": str(user.id),
                                       "_fresh": True})
            return user, cookie

        made: list[Room] = []
        for n in range(rooms):
            therapist, therapist_cookie = person(f"therapist{n}", Role.THERAPIST)
            patient, patient_cookie = person(f"patient{n}", Role.PATIENT)
            db.session.add(CareAssignment(patient_id=patient.id, therapist_id=therapist.id))
            db.session.flush()
            appointment = operations.book(therapist=therapist, patient=patient,
                                          starts_at=utcnow(), duration_minutes=60,
                                          by=therapist)
            made.append(Room(appointment.room_id, patient_cookie, therapist_cookie))
        extra = [person(f"echo{n}", Role.PATIENT)[1] for n in range(extra_patients)]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return made, extra


class Server(StoppedOnExit):
    """Stepcare under gunicorn with threaded workers (each waiting long poll holds a thread)."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class",
             "gthread", "--threads", str(threads), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "60", "app:create_app()"],
            env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer in {timeout} s; see {self.log.name}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [self.process.pid, *workers]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the comm field)
    return total / ticks


def temporary_instance() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="stepcare-video-bench-")


@contextlib.contextmanager
def running_server(database: str, workers: int, threads: int, rooms: int,
                   extra_patients: int = 0):
    """A fresh instance prepared with ``rooms`` rooms (see ``prepare``) and gunicorn serving
    it, ready; yields the server, the rooms and the extra patients' cookies."""
    with temporary_instance() as tmp:
        instance = Path(tmp)
        env = server_env(database_url(database, instance), instance)
        prepared, cookies = prepare(env, rooms, extra_patients)
        with Server(env, workers, threads, instance / "gunicorn.log") as server:
            server.wait_ready()
            yield server, prepared, cookies


def machine_line() -> str:
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    return (f"Python {platform.python_version()}, {cores} cores; load average (1 min) "
            f"{load:.2f} at the start: other work on the machine slows every figure.")


def append_results(title: str, command: str, body: str) -> None:
    """Add a subsection at the end of the "## Video" section (made if missing)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = RESULTS_PATH.read_text(encoding="utf-8").rstrip("\n") + "\n"
    if "\n## Video\n" not in text:
        text += "\n## Video\n"
    start = text.index("\n## Video\n") + len("\n## Video\n")
    end = text.find("\n## ", start)
    end = len(text) if end == -1 else end + 1
    entry = f"\n### {title} ({stamp})\n\n`{command}`\n\n{body.strip()}\n"
    RESULTS_PATH.write_text(text[:end].rstrip("\n") + "\n" + entry + (
        "\n" + text[end:] if text[end:] else ""), encoding="utf-8")


def publish(title: str, text: str, append: bool) -> None:
    """Print a run's text and, with --append, add it to RESULTS.md with its command."""
    print(text)
    if append:
        command = "python " + " ".join(["bench/" + Path(sys.argv[0]).name, *sys.argv[1:]])
        append_results(title, command, text)


def add_server_options(parser: argparse.ArgumentParser, threads: int) -> None:
    """--database, --workers and --threads: the server a video bench starts."""
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=threads)


def run_and_publish(parser: argparse.ArgumentParser, title: str, run) -> None:
    """Add --append, parse the command line, run and publish under ``title``."""
    parser.add_argument("--append", action="store_true")
    args = parser.parse_args()
    publish(title, run(args), args.append)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
