"""Programmes in the app: content loading, enrolment, unlocking, autosave, homework, diary."""

import re
import shutil
from datetime import timedelta

import pytest
import time_machine

from app.accounts.models import User
from app.caseload.operations import set_step
from app.db import db
from programmes import operations
from programmes.models import (
    Enrolment,
    ExerciseAnswer,
    HomeworkSubmission,
    ModuleRecord,
    MoodEntry,
    ProgrammeRecord,
)
from tests.conftest import enrol
from tests.helpers import csrf_token, parsed, post_form, queries_for, sign_in

WELCOME = "/programmes/depression/welcome"


@pytest.fixture
def alice(app, client, personas):
    with app.app_context():
        enrol(personas.alice.id, "depression", personas.theo.id)
    sign_in(app, client, personas.alice)
    return personas.alice


def welcome_blocks(app):
    with app.app_context():
        module = operations.programme_by_slug("depression").current_modules[0]
        return operations.as_content_module(module, "en").blocks


def first_block(app, kind):
    return next(b for b in welcome_blocks(app) if b.type == kind)


def autosave(client, block_id, data):
    token = csrf_token(client, WELCOME)
    return client.post(f"{WELCOME}/answers/{block_id}", data={"csrf_token": token, **data},
                       headers={"Accept": "application/json"})


def stored_answer(app, block_id) -> ExerciseAnswer | None:
    with app.app_context():
        answer = db.session.execute(
            db.select(ExerciseAnswer).where(ExerciseAnswer.block_id == block_id)
        ).scalar_one_or_none()
        if answer is not None:
            db.session.expunge(answer)
        return answer


# --- content -------------------------------------------------------------------------------


def test_it_loads_every_shipped_programme(app):
    with app.app_context():
        slugs = set(db.session.execute(db.select(ProgrammeRecord.slug)).scalars())
        assert slugs == {"depression", "anxiety", "self-help"}
        depression = operations.programme_by_slug("depression")
        assert len(depression.current_modules) >= 8
        assert all({"en", "da"} <= set(m.texts) for m in depression.current_modules)


def test_it_checks_the_shipped_content_from_the_command_line(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0 and "Content OK." in result.output


def test_it_names_the_file_and_line_of_a_content_problem(app, runner, tmp_path):
    broken = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], broken)
    module = broken / "programmes" / "self-help" / "modules" / "sleep.en.md"
    module.write_text(module.read_text().replace("::: slider", "::: sliderx", 1))
    app.config["CONTENT_DIR"] = str(broken)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code != 0
    assert "sleep.en.md:" in result.output and "sliderx" in result.output


def _edited_copy(app, tmp_path, edit):
    copy = tmp_path / "content"
    shutil.copytree(app.config["CONTENT_DIR"], copy)
    edit(copy / "programmes" / "depression")
    return copy


@pytest.fixture
def restore_content(app):
    yield
    # On PostgreSQL loaded content outlives the test: put the shipped content back.
    with app.app_context():
        operations.load_content(app.config["CONTENT_DIR"])
        db.session.commit()


def test_it_keeps_answers_when_a_module_is_edited(app, client, alice, tmp_path,
                                                  restore_content):
    block = first_block(app, "reflection")
    autosave(client, block.id, {f"b-{block.id}-text": "What I used to love"})

    def edit(folder):
        page = folder / "modules" / "welcome.en.md"
        page.write_text(page.read_text().replace("\n\n", "\n\nAn added sentence.\n\n", 1))

    with app.app_context():
        before = operations.programme_by_slug("depression").current_modules[0].version
        summary = operations.load_content(_edited_copy(app, tmp_path, edit))
        db.session.commit()
        module = operations.programme_by_slug("depression").current_modules[0]
        assert summary.modules_changed == 1 and module.version == before + 1
    assert stored_answer(app, block.id).data == {"text": "What I used to love"}
    page = client.get(WELCOME).get_data(as_text=True)
    assert "An added sentence." in page and "What I used to love" in page


def test_it_retires_a_module_the_content_drops(app, tmp_path, restore_content):
    def drop(folder):
        yaml = folder / "programme.yaml"
        yaml.write_text(yaml.read_text().replace("  - slug: sleep\n", ""))
        for f in (folder / "modules").glob("sleep.*.md"):
            f.unlink()

    with app.app_context():
        summary = operations.load_content(_edited_copy(app, tmp_path, drop))
        db.session.commit()
        retired = db.session.execute(
            db.select(ModuleRecord).where(ModuleRecord.slug == "sleep",
                                          ModuleRecord.retired_at.is_not(None))
        ).scalars().all()
    assert summary.modules_retired == 1 and len(retired) == 1


# --- enrolment and unlocking ------------------------------------------------------------------


def _enrolments(app, patient_id):
    with app.app_context():
        return [e.programme.slug for e in db.session.execute(
            db.select(Enrolment).where(Enrolment.patient_id == patient_id)).scalars()]


def test_it_enrols_a_depressed_patient_in_step_2_in_the_depression_programme(app, personas):
    with app.app_context():
        set_step(db.session.get(User, personas.bob.id), 2, by=None,
                 therapist=db.session.get(User, personas.una.id),
                 context={"phq9_total": 14, "gad7_total": 6})
        db.session.commit()
    assert _enrolments(app, personas.bob.id) == ["depression"]


def test_it_enrols_a_patient_whose_worry_dominates_in_the_anxiety_programme(app, personas):
    with app.app_context():
        set_step(db.session.get(User, personas.bob.id), 2, by=None,
                 context={"phq9_total": 8, "gad7_total": 13})
        db.session.commit()
    assert _enrolments(app, personas.bob.id) == ["anxiety"]


def test_it_opens_the_self_help_library_for_step_1(app, personas):
    with app.app_context():
        set_step(db.session.get(User, personas.bob.id), 1, by=None)
        db.session.commit()
    assert _enrolments(app, personas.bob.id) == ["self-help"]


def test_it_answers_404_for_a_module_that_is_not_open_yet(app, client, alice):
    second = "/programmes/depression/behavioural-activation"
    assert client.get(second).status_code == 404


def test_it_opens_the_next_module_after_a_week(app, client, personas):
    second = "/programmes/depression/behavioural-activation"
    with time_machine.travel("2026-11-02 09:00:00+00:00", tick=False) as clock:
        with app.app_context():
            enrol(personas.alice.id, "depression", personas.theo.id)
        clock.shift(timedelta(days=6))
        sign_in(app, client, personas.alice)
        assert client.get(second).status_code == 404
        clock.shift(timedelta(days=1))
        sign_in(app, client, personas.alice)
        assert client.get(second).status_code == 200


def test_it_lets_the_therapist_open_a_module_early(app, client, screened):
    therapist = app.test_client()
    sign_in(app, therapist, screened.theo)
    url = (f"/enrolments/{screened.alice_enrolment}/modules/{screened.alice_locked_module}"
           "/unlock")
    post_form(therapist, url, token_from=f"/patients/{screened.alice.id}")
    sign_in(app, client, screened.alice)
    assert client.get("/programmes/depression/behavioural-activation").status_code == 200


def test_it_answers_404_for_a_programme_the_patient_is_not_in(app, client, alice, personas):
    other = app.test_client()
    sign_in(app, other, personas.bob)
    assert other.get(WELCOME).status_code == 404


# --- answers -------------------------------------------------------------------------------


def test_it_autosaves_an_answer_and_says_when(app, client, alice):
    block = first_block(app, "reflection")
    response = autosave(client, block.id, {f"b-{block.id}-text": "Walking by the sea"})
    assert response.status_code == 200 and response.get_json()["message"].startswith("Saved at")
    assert stored_answer(app, block.id).data == {"text": "Walking by the sea"}


def test_it_updates_the_same_answer_on_every_save(app, client, alice):
    block = first_block(app, "reflection")
    autosave(client, block.id, {f"b-{block.id}-text": "one"})
    autosave(client, block.id, {f"b-{block.id}-text": "one two"})
    answer = stored_answer(app, block.id)
    assert answer.data == {"text": "one two"} and answer.saves == 2


def test_it_explains_an_answer_over_the_limit_and_keeps_the_last_saved_one(app, client, alice):
    block = first_block(app, "reflection")
    autosave(client, block.id, {f"b-{block.id}-text": "short"})
    response = autosave(client, block.id, {f"b-{block.id}-text": "x" * 5000})
    assert response.status_code == 422
    assert re.search(r"longer than \d+ characters", response.get_json()["message"])
    assert stored_answer(app, block.id).data == {"text": "short"}


def test_it_refuses_a_tampered_answer(app, client, alice):
    slider = next((b for b in welcome_blocks(app) if b.type == "slider"), None)
    if slider is None:
        pytest.skip("the welcome module has no slider")
    response = autosave(client, slider.id, {f"b-{slider.id}-value": "99"})
    assert response.status_code == 400 and stored_answer(app, slider.id) is None


def test_it_saves_without_javascript_too(app, client, alice):
    block = first_block(app, "reflection")
    response = post_form(client, f"{WELCOME}/answers/{block.id}",
                         {f"b-{block.id}-text": "no script"}, token_from=WELCOME)
    assert response.status_code == 302 and response.location.endswith(f"#block-{block.id}")


# --- homework and feedback ----------------------------------------------------------------


def test_it_sends_homework_to_the_therapist_and_shows_the_feedback(app, client, alice,
                                                                   personas):
    homework = first_block(app, "homework")
    autosave(client, homework.id, {f"b-{homework.id}-text": "I walked twice this week."})
    post_form(client, f"{WELCOME}/answers/{homework.id}/send", token_from=WELCOME)
    therapist = app.test_client()
    sign_in(app, therapist, personas.theo)
    assert "Alice Andersen" in therapist.get("/homework").get_data(as_text=True)
    with app.app_context():
        submission_id = db.session.execute(db.select(HomeworkSubmission.id)).scalar_one()
    post_form(therapist, f"/homework/{submission_id}",
              {"feedback": "Two walks is a real start. Try one with a friend next."})
    page = client.get(WELCOME).get_data(as_text=True)
    assert "Two walks is a real start." in page and "Feedback from Theo Thomsen" in page


def test_it_refuses_to_send_empty_homework(app, client, alice):
    homework = first_block(app, "homework")
    response = post_form(client, f"{WELCOME}/answers/{homework.id}/send", token_from=WELCOME)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(HomeworkSubmission)
                                  ).scalar_one() == 0


def test_it_requires_feedback_text(app, client, screened):
    sign_in(app, client, screened.theo)
    response = post_form(client, f"/homework/{screened.alice_submission}", {"feedback": " "})
    assert "Write your feedback first." in response.get_data(as_text=True)


def test_it_keeps_the_homework_queue_query_count_flat(app, client, screened):
    sign_in(app, client, screened.theo)
    few = queries_for(app, client, "/homework")
    with app.app_context():
        alice = db.session.get(User, screened.alice.id)
        module = operations.programme_by_slug("depression").current_modules[0]
        answer = db.session.get(HomeworkSubmission, screened.alice_submission).answer_id
        for _ in range(5):
            db.session.add(HomeworkSubmission(patient_id=alice.id, therapist_id=screened.theo.id,
                                              answer_id=answer, module_id=module.id, text="t"))
        db.session.commit()
    assert queries_for(app, client, "/homework") == few


# --- progress, diary, language ------------------------------------------------------------


def test_it_marks_a_module_done_and_shows_progress(app, client, alice):
    post_form(client, f"{WELCOME}/complete", token_from=WELCOME)
    page = client.get("/programmes/depression").get_data(as_text=True)
    assert "1 of 8 modules done" in page


def todays_date(client) -> str:
    page = client.get("/diary").get_data(as_text=True)
    return re.search(r'name="day"[^>]*value="([0-9-]{10})"', page).group(1)


def test_it_keeps_one_diary_entry_per_day(app, client, personas, alice):
    today = todays_date(client)
    post_form(client, "/diary", {"day": today, "mood": "4", "note": "tired"})
    post_form(client, "/diary", {"day": today, "mood": "6", "note": "better"})
    with app.app_context():
        entry = db.session.execute(db.select(MoodEntry)).scalar_one()
        assert (entry.mood, entry.note) == (6, "better")


def test_it_draws_the_diary_as_a_chart_with_a_table(app, client, alice):
    post_form(client, "/diary", {"day": todays_date(client), "mood": "7"})
    page = client.get("/diary").get_data(as_text=True)
    html = parsed(page)
    assert html.select_one("svg.chart .series-mood")
    assert "7" in [td.get_text(strip=True) for td in html.select("table td")]


def test_it_refuses_a_mood_outside_0_to_10(app, client, alice):
    response = post_form(client, "/diary", {"day": todays_date(client), "mood": "11"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(MoodEntry)
                                  ).scalar_one() == 0


def test_it_renders_a_module_in_danish(app, client, alice):
    post_form(client, "/language", {"lang": "da", "next": WELCOME}, token_from=WELCOME)
    page = client.get(WELCOME).get_data(as_text=True)
    with app.app_context():
        module = operations.programme_by_slug("depression").current_modules[0]
        assert module.texts["da"]["title"] in page
    assert '<html lang="da">' in page and "Gem" in page


def test_it_refuses_a_diary_day_in_the_future(app, client, alice):
    from datetime import date

    tomorrow = (date.fromisoformat(todays_date(client)) + timedelta(days=1)).isoformat()
    page = post_form(client, "/diary", {"day": tomorrow, "mood": "5"}).get_data(as_text=True)
    assert "Choose a day within the last 30 days." in page


def test_it_renders_a_modules_markdown_once_per_process(app, client, alice, monkeypatch):
    from app.content import markdown

    markdown.render.cache_clear()
    calls = []
    original = markdown.markdown_lib.markdown
    monkeypatch.setattr(markdown.markdown_lib, "markdown",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    first = prose_of(client.get(WELCOME))
    rendered = len(calls)
    second = prose_of(client.get(WELCOME))
    assert rendered > 0 and len(calls) == rendered
    assert first == second and first


def prose_of(response) -> list[str]:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [str(div) for div in page.select("div.prose")]
