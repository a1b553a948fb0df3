import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.db import db
from tests.conftest import PERSONA_PASSWORD
from tests.helpers import login, post_form

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "da" / "LC_MESSAGES"


def test_it_follows_the_browsers_language(client):
    page = client.get("/login", headers={"Accept-Language": "da,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="da">' in page and "Log ind" in page


def test_it_falls_back_to_the_configured_default_language(app, client):
    app.config["DEFAULT_LANGUAGE"] = "da"
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="da">' in page


def test_it_switches_language_with_the_header_buttons(client):
    response = post_form(client, "/language", {"lang": "da", "next": "/register"})
    assert response.location.endswith("/register")
    page = client.get("/register").get_data(as_text=True)
    assert '<html lang="da">' in page and "Kom i gang" in page


def test_it_refuses_an_unknown_language(client):
    assert post_form(client, "/language", {"lang": "xx"}).status_code == 400


def test_it_uses_the_users_preferred_language_after_login(app, client, personas):
    with app.app_context():
        db.session.get(User, personas.alice.id).language = "da"
        db.session.commit()
    login(client, personas.alice, PERSONA_PASSWORD)
    assert '<html lang="da">' in client.get("/home").get_data(as_text=True)


def test_it_saves_the_switchers_choice_as_the_users_preference(app, client, personas):
    login(client, personas.alice, PERSONA_PASSWORD)
    post_form(client, "/language", {"lang": "da", "next": "/home"}, token_from="/home")
    with app.app_context():
        assert db.session.get(User, personas.alice.id).language == "da"


def test_it_shows_times_in_copenhagen(app):
    with app.test_request_context():
        summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
        assert "12:00" in app.jinja_env.filters["datetime"](summer)


def test_it_translates_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (CATALOGUE / "messages.po").open("rb") as f:
        danish = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in danish
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        and not m.fuzzy
    }
    missing = sorted(wanted - translated)
    assert not missing, f"run the steps in README 'Translations'; untranslated: {missing[:10]}"


def _entries(catalogue) -> dict:
    as_key = lambda v: tuple(v) if isinstance(v, list | tuple) else v  # noqa: E731
    return {as_key(m.id): as_key(m.string) for m in catalogue if m.id and not m.fuzzy}


def test_it_ships_a_compiled_catalogue_that_matches_the_source(tmp_path):
    with (CATALOGUE / "messages.po").open("rb") as f:
        source = _entries(read_po(f))
    with (CATALOGUE / "messages.mo").open("rb") as f:
        compiled = _entries(read_mo(f))
    assert compiled == source, "run: pybabel compile -d app/translations"
