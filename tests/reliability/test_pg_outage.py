"""PostgreSQL stops for 10 s under light load: a clear 503, then recovery without a restart.

The test runs a PostgreSQL cluster of its own on a free loopback port (initdb and pg_ctl,
as the ``postgres`` user when we are root), so that stopping it touches nothing else. It
runs in the suite's PostgreSQL run only: the SQLite run has no server to lose.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
import requests

from bench.load import Tally, _diary, sign_in
from bench.server import free_port, stored_writes
from tests.conftest import POSTGRES_URL
from tests.reliability.conftest import demo_clinic

pytestmark = pytest.mark.skipif(not POSTGRES_URL,
                                reason="runs in the PostgreSQL run of the suite")

OUTAGE, RECOVERY = 10.0, 5.0


def _binary(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary folder."""

    def __init__(self):
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            pytest.skip("initdb and pg_ctl are not installed")
        self.folder = Path(tempfile.mkdtemp(prefix="stepcare-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/stepcare"
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres", "postgres")

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--no-sync")
        self.start()
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE stepcare")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off")
        self.run(self.pg_ctl, "-D", str(self.data), "-o", options, "-l",
                 str(self.folder / "log"), "-w", "-t", "120", "start")

    def stop(self) -> None:
        self.run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


def _light_load(tally: Tally, base: str, email: str, stop: threading.Event) -> None:
    """A patient saves a diary day a second (the diary takes the last 30 days)."""
    session, n = sign_in(tally, base, email), 0
    while not stop.is_set():
        _diary(tally, session, base, email, date.today() - timedelta(days=n % 30), 5)
        n += 1
        time.sleep(1)


def _poll(session, base: str) -> tuple[int, int, str | None]:
    """(/healthz, /home, the page's Retry-After) as a signed-in patient would see them."""
    try:
        health = requests.get(base + "/healthz", timeout=10).status_code
        page = session.get(base + "/home", timeout=10, allow_redirects=False)
        return health, page.status_code, page.headers.get("Retry-After")
    except requests.RequestException:
        return 599, 599, None


def test_it_answers_503_through_an_outage_and_recovers_within_five_seconds(tmp_path, serve,
                                                                         cluster):
    env = demo_clinic(tmp_path, "outage", cluster.url)
    server = serve(env, workers=2, threads=4)
    tally, stop = Tally(), threading.Event()
    patients = stored_writes(env)["patients"][:3]
    users = [threading.Thread(target=_light_load, args=(tally, server.base, email, stop))
             for email in patients]
    for user in users:
        user.start()
    reader = sign_in(Tally(), server.base, patients[-1])
    time.sleep(4)
    before = set(tally.saved["diary"])
    cluster.stop()
    during, down_since = [], time.monotonic()
    while time.monotonic() - down_since < OUTAGE:
        during.append(_poll(reader, server.base))
        time.sleep(1)
    cluster.start()
    back_at = time.monotonic()
    while _poll(reader, server.base)[:2] != (200, 200) and time.monotonic() - back_at < 30:
        time.sleep(0.2)
    recovery = time.monotonic() - back_at
    time.sleep(2)
    stop.set()
    for user in users:
        user.join(timeout=60)
    print(f"recovered {recovery:.1f} s after PostgreSQL was back")
    assert before, "no diary save was acknowledged before the outage"
    assert set(during) == {(503, 503, "30")}
    assert recovery <= RECOVERY
    stored = {tuple(row) for row in stored_writes(env)["diary"]}
    assert tally.saved["diary"] - stored == set()
    assert tally.server_errors <= {503}  # the outage page, never a bare 500
