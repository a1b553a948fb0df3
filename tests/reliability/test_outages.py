"""An outage ends in a clear page without the database, and recovery without a restart."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app.db import db
from tests.conftest import POSTGRES_URL
from tests.helpers import sign_in


@pytest.fixture
def database_down(app, client, personas):
    """Alice is signed in; then every statement fails, as when the database has gone."""
    sign_in(app, client, personas.alice)

    with app.app_context():
        engine = db.engine

    def refuse(*args, **kwargs):
        raise _driver_error(engine, "unable to open database file")

    event.listen(engine, "before_cursor_execute", refuse)
    yield
    event.remove(engine, "before_cursor_execute", refuse)


def _driver_error(engine, message):
    """The database driver's own OperationalError, which SQLAlchemy wraps as it would a real one."""
    return engine.dialect.loaded_dbapi.OperationalError(message)


def _page(response):
    soup = BeautifulSoup(response.text, "html.parser")
    return {
        "lang": soup.html["lang"],
        "title": soup.h1.get_text(strip=True),
        "crisis": [a["href"] for a in soup.select("footer .crisis a[href^='tel:']")],
    }


def test_it_answers_an_outage_with_a_503_page_that_needs_no_database(client, database_down):
    response = client.get("/home", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert _page(response) == {"lang": "en", "title": "Stepcare is briefly unavailable",
                               "crisis": ["tel:112", "tel:70201201"]}


def test_it_speaks_the_readers_language_on_the_outage_page(client, database_down):
    response = client.get("/home", headers={"Accept-Language": "da"})
    assert _page(response)["lang"] == "da"
    assert _page(response)["title"] == "Stepcare er kortvarigt utilgængelig"


def test_it_answers_503_when_the_commit_fails(app, client, personas, monkeypatch):
    """A failure after the view (the request's one commit) gets the same page."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    sign_in(app, client, personas.alice)

    with app.app_context():
        session_type = type(db.session())
    def commit(self):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(session_type, "commit", commit)
    response = client.get("/home")
    assert response.status_code == 503
    assert _page(response)["title"] in ("Stepcare is briefly unavailable",
                                        "Stepcare er kortvarigt utilgængelig")


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's read-only connection state")
def test_it_recovers_from_a_read_only_spell_without_a_restart(app, client):
    """A connection that saw its database read-only is discarded, not handed out again."""
    with app.app_context(), db.engine.connect() as connection:
        # The pool's one connection now refuses writes, as after a read-only spell.
        connection.exec_driver_sql("PRAGMA query_only = 1")
    assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_it_checks_that_the_database_takes_a_write(app, client):
    with app.app_context():
        engine = db.engine

    def read_only(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE"):
            raise _driver_error(engine, "attempt to write a readonly database")

    event.listen(engine, "before_cursor_execute", read_only)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(engine, "before_cursor_execute", read_only)
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
