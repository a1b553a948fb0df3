"""The content layer: one content folder, read at start-up, every problem as file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app import create_app
from app.accounts.terms import Terms
from app.content import ContentProblems, markdown
from app.content.loader import ContentError, parse_yaml
from app.db import db
from screening import risk_model
from screening.models import Screening
from tests.conftest import _test_config, close, complete_screening, make_app
from tests.helpers import sign_in

SHIPPED = Path(__file__).resolve().parents[1] / "content"


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "clinic-content"  # not named "content": any folder name works
    shutil.copytree(SHIPPED, target)
    return target


def step_2_becomes_3(content: Path) -> None:
    rules = content / "routing.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("    step: 2\n", "    step: 3\n"),
                     encoding="utf-8")


def break_phrases(content: Path) -> None:
    phrases = content / "risk" / "phrases.yaml"
    phrases.write_text(phrases.read_text(encoding="utf-8") + "\n  : [\n", encoding="utf-8")


def clinic_phrase(content: Path) -> None:
    """A clinic adds a phrase of its own (an expression its patients use)."""
    phrases = content / "risk" / "phrases.yaml"
    phrases.write_text(phrases.read_text(encoding="utf-8").replace(
        "      - id: en.si.kill_myself\n",
        "      - id: en.si.clinic_own\n        category: suicidal_ideation\n"
        "        pattern: '\\bgo to the blue door\\b'\n        negatable: false\n"
        "      - id: en.si.kill_myself\n", 1), encoding="utf-8")


EDITS = {"step_2_becomes_3": step_2_becomes_3, "break_phrases": break_phrases,
         "clinic_phrase": clinic_phrase}


@pytest.fixture
def content_dir(request, tmp_path):
    """A copy of the shipped content, edited as the test's parameter names."""
    content = copy_content(tmp_path)
    EDITS[request.param](content)
    return content


@pytest.fixture
def app(migrated_database, tmp_path, content_dir):
    before = risk_model.settings()
    app = make_app(migrated_database, tmp_path, config={"CONTENT_DIR": str(content_dir)})
    yield app
    close(app)
    # The risk layers' settings are process-wide: later tests must not see this copy.
    risk_model.configure(before.classifier_path, before.classifier_threshold,
                         before.similarity_threshold, before.content_dir)


@pytest.mark.parametrize("content_dir", ["step_2_becomes_3"], indirect=True)
def test_it_routes_by_the_rules_of_the_configured_content_dir(app, personas):
    with app.app_context():
        screening_id = complete_screening(personas.alice.id)
        assert db.session.get(Screening, screening_id).recommended_step == 3


@pytest.mark.parametrize("content_dir", ["clinic_phrase"], indirect=True)
def test_it_reads_risk_phrases_from_the_configured_content_dir(app):
    with app.app_context():
        hits = risk_model.risk_signals("Tonight I will go to the blue door.", "en",
                                       encoder=None, classifier=None)
    assert [s.sentence for s in hits] == ["Tonight I will go to the blue door."]


def test_it_keeps_the_line_of_every_node():
    document = parse_yaml("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert (document.key_lines["b"], document["b"].item_lines) == (2, [3, 4])


def test_it_names_file_and_line_of_broken_yaml():
    with pytest.raises(ContentError, match=r"^f.yaml:3: not valid YAML"):
        parse_yaml("a: 1\nb: 2\nc: d: e\n", "f.yaml")


def test_it_refuses_a_key_given_twice():
    with pytest.raises(ContentError, match=r"^f.yaml:2: 'a' appears twice \(first on line 1\)"):
        parse_yaml("a: 1\na: 2\n", "f.yaml")


def test_it_refuses_to_start_in_production_with_broken_risk_phrases(tmp_path):
    content = copy_content(tmp_path)
    break_phrases(content)
    config = {**_test_config(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path),
              "TESTING": False, "ENV": "production", "CONTENT_DIR": str(content)}
    before = risk_model.settings()
    try:
        with pytest.raises(ContentProblems, match=r"risk/phrases.yaml:\d+: "):
            create_app(config)
    finally:
        risk_model.configure(before.classifier_path, before.classifier_threshold,
                             before.similarity_threshold, before.content_dir)


@pytest.mark.parametrize("content_dir", ["break_phrases"], indirect=True)
def test_it_shows_broken_risk_phrases_on_the_admin_page(app, client, personas):
    sign_in(app, client, personas.ada)
    page = BeautifulSoup(client.get("/admin/patients").text, "html.parser")
    box = page.find(id="content-problems")
    assert box is not None and "risk/phrases.yaml:" in box.get_text()


@pytest.mark.parametrize("content_dir", ["break_phrases"], indirect=True)
def test_it_checks_every_domain_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code != 0
    assert "risk/phrases.yaml:" in result.output


def test_it_strips_raw_script_from_content_markdown():
    html = markdown.render("# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    page = BeautifulSoup(str(html), "html.parser")
    assert page.find("script") is None and "alert" not in page.get_text()
    assert page.find("a").get("href") is None and page.find("h1").get_text() == "Hi"


def test_it_renders_the_terms_with_the_same_sanitiser():
    terms = Terms(version="x", language="en", text="Agree.\n\n<script>alert(1)</script>")
    assert BeautifulSoup(str(terms.html), "html.parser").find("script") is None


def test_it_never_falls_back_to_the_packages_own_content(clean_risk_settings):
    risk_model.configure(content_dir=None)
    with pytest.raises(RuntimeError, match="no content folder"):
        risk_model.risk_signals("I want to kill myself.", "en", encoder=None, classifier=None)


@pytest.fixture
def clean_risk_settings():
    before = risk_model.settings()
    yield
    risk_model.configure(before.classifier_path, before.classifier_threshold,
                         before.similarity_threshold, before.content_dir)
