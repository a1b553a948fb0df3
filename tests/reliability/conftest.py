"""Servers for the reliability tests: a demo clinic under gunicorn, on a database of its own.

On PostgreSQL each test gets a database beside the suite's (``<db>_load``...), so that the
xdist workers and the suite's emptied tables never meet; on SQLite, a file in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.server import Gunicorn, build_demo, clinic_env
from tests.conftest import POSTGRES_URL, _normalised_postgres

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Every test in this folder is marked `reliability` (`-m "not reliability"` skips them)."""
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.reliability)


def fresh_database(suffix: str) -> str | None:
    """An empty PostgreSQL database named after the suite's, or None on SQLite."""
    if not POSTGRES_URL:
        return None
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_{suffix}"
    engine = create_engine(_normalised_postgres(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def demo_clinic(tmp_path, suffix: str, database_url: str | None = None) -> dict:
    """The environment of a server on a fresh demo clinic."""
    env = clinic_env(tmp_path / "instance", database_url or fresh_database(suffix))
    build_demo(env)
    return env


@pytest.fixture
def serve():
    """serve(env, workers=...) starts gunicorn; every server started is killed at the end,
    whatever the test did."""
    started: list[Gunicorn] = []

    def start(env: dict, **options) -> Gunicorn:
        server = Gunicorn(env, **options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()
