"""The research export: de-identified, different pseudonyms each time, and disclosed."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta

import pytest
import sqlite_utils

from app.accounts.models import Role, User, UserSession
from app.caseload import operations as caseload
from app.caseload.models import ClinicianNote, Disclosure
from app.db import db, utcnow
from screening import operations as screening
from screening.models import Answer, QuestionnaireResponse, Screening
from tests.conftest import complete_screening, gad7_page, make_user, phq9_page
from tests.helpers import audited_patients

INTAKE_TEXT = "Quokka-shaped worries at the Skagen lighthouse every Tuesday"
GOALS_TEXT = "Finish the marathon with my cousin Xanthippe"
NOTE_TEXT = "Zebulon talked about his sister Philomena and the red bicycle"
LEAK_IP = "203.0.113.77"
LEAK_EMAIL = "zebulon.quaxworth@leak-test.example"
WEEK_LATER = 14

FORBIDDEN_COLUMN_WORDS = {"name", "email", "birth", "dob", "ip", "note", "notes", "text",
                          "date", "time", "timestamp", "address"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
IPV4 = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b")


@pytest.fixture
def clinic(app, screened, persona_password_hash):
    """Alice (screened) and Zebulon: screened, reviewed into step 2, a weekly measure two
    weeks on, a clinician note, a session from a known IP, then discharged."""
    with app.app_context():
        born = date.today() - timedelta(days=58 * 365)  # 57 or 58 at baseline: band 55-64
        zebulon = make_user("Zebulon Quaxworth", Role.PATIENT, persona_password_hash,
                            date_of_birth=born)
        zebulon.email = LEAK_EMAIL
        db.session.commit()
        screening_id = complete_screening(
            zebulon.id, intake={"presenting_problem": INTAKE_TEXT, "goals": GOALS_TEXT})
        theo = db.session.get(User, screened.theo.id)
        screening.review(db.session.get(Screening, screening_id), step=2, by=theo,
                         reason="Zebulon prefers written work", therapist=theo)
        zebulon = db.session.get(User, zebulon.id)
        weekly = screening.record_weekly(
            zebulon, {"phq9": phq9_page((1, 1, 1, 1, 1, 1, 0, 0, 0)), "gad7": gad7_page()},
            "leak-test")
        for response in weekly:
            response.submitted_at = utcnow() + timedelta(days=WEEK_LATER, hours=1)
        db.session.add(ClinicianNote(patient_id=zebulon.id, author_id=theo.id, body=NOTE_TEXT))
        db.session.add(UserSession(token_hash="x" * 64, user_id=zebulon.id, ip=LEAK_IP))
        caseload.discharge(zebulon, by=theo, reason="Zebulon moved to Aarhus",
                           end_reason="completed")
        db.session.commit()
        screened.zebulon = zebulon.id
    return screened


def export(runner, path, *extra):
    args = ["research-export", str(path), "--recipient", "Example University study team",
            "--purpose", "Study 2026-17: routing accuracy", *extra]
    return runner.invoke(args=args)


@pytest.fixture
def exported(clinic, runner, tmp_path):
    out = tmp_path / "research.db"
    result = export(runner, out)
    assert result.exit_code == 0, result.output
    return out


def tables_and_rows(path) -> dict[str, tuple[list[str], list[tuple]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        select = 'SELECT * FROM "{}"'  # the file's own table names
        return {name: ([c[1] for c in conn.execute(f'PRAGMA table_info("{name}")')],
                       conn.execute(select.format(name)).fetchall()) for name in names}


def text_values(path, *, skip=(), skip_tables=()):
    for table, (_columns, rows) in tables_and_rows(path).items():
        for row in rows:
            if (table, row[0]) in skip or table in skip_tables:
                continue
            yield from (value for value in row if isinstance(value, str))


def test_it_writes_the_tables(exported):
    assert {"patients", "screenings", "step_history", "responses", "item_scores", "items",
            "instruments", "export_info", "column_descriptions"} <= set(tables_and_rows(exported))


def test_it_names_no_column_like_personal_data(exported):
    columns = {(table, column) for table, (names, _rows) in tables_and_rows(exported).items()
               for column in names}
    bad = {(t, c) for t, c in columns
           if set(c.lower().split("_")) & FORBIDDEN_COLUMN_WORDS or c.lower().endswith("_at")}
    assert not bad


def test_it_holds_no_email_address(exported):
    assert not [v for v in text_values(exported) if EMAIL.search(v)]


def test_it_holds_no_date_but_the_day_of_the_export(exported):
    created = ("export_info", "created_on")
    assert not [v for v in text_values(exported, skip={created}) if ISO_DATE.search(v)]


def test_it_keeps_only_the_day_of_the_export(exported):
    with sqlite3.connect(exported) as conn:
        [(value,)] = conn.execute("SELECT value FROM export_info WHERE key = 'created_on'")
    assert ISO_DATE.fullmatch(value)  # a day, without a time


def test_it_holds_no_ip_address(exported):
    assert not [v for v in text_values(exported) if IPV4.search(v)]


def test_it_holds_no_persons_name(app, exported):
    with app.app_context():
        words = {w for (name,) in db.session.execute(db.select(User.name)) for w in name.split()}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
    assert not [v for v in text_values(exported) if pattern.search(v)]


def test_it_holds_no_free_text(app, exported):
    with app.app_context():
        typed = {text for (text,) in db.session.execute(
            db.select(Answer.value_text).where(Answer.value_text.is_not(None)))}
    typed |= {INTAKE_TEXT, GOALS_TEXT, NOTE_TEXT, "Zebulon prefers written work",
              "Zebulon moved to Aarhus", "My first homework."}
    long_typed = {t for t in typed if len(t) > 12}  # short ones are answer codes ("no", ...)
    assert not [v for v in text_values(exported) if any(t in v for t in long_typed)]


def test_it_holds_no_database_id_as_text(app, exported):
    with app.app_context():
        ids = {str(i) for (i,) in db.session.execute(db.select(User.id))}
    # The metadata tables hold instrument versions ("1"), which are no one's id.
    data = text_values(exported, skip_tables={"export_info", "column_descriptions"})
    assert not [v for v in data if v in ids]


def test_it_exports_the_patients_with_data(exported):
    # Alice and Zebulon have sent screenings; Bob's is still in progress.
    assert len(tables_and_rows(exported)["patients"][1]) == 2


def test_it_replaces_the_date_of_birth_with_an_age_band(exported):
    rows = sqlite_utils.Database(exported)["patients"].rows_where("current_step IS NULL "
                                                                  "AND age_band = '55-64'")
    assert len(list(rows)) == 1  # Zebulon, discharged


def test_it_counts_days_since_baseline(exported):
    days = {row["day"] for row in sqlite_utils.Database(exported)["responses"].rows
            if row["context"] == "weekly"}
    assert days == {WEEK_LATER}


def test_it_keeps_the_step_history_with_its_end(exported):
    rows = list(sqlite_utils.Database(exported)["step_history"].rows)
    assert [(r["step"], r["start_day"], r["end_day"], r["end_reason"]) for r in rows] == [
        (2, 0, 0, "completed")]


def test_it_gives_item_scores_their_loinc_codes(exported):
    rows = sqlite_utils.Database(exported)["item_scores"].rows_where("item_id = 'phq9_9'")
    assert {(r["loinc"], r["answer_loinc"]) for r in rows} >= {("44260-8", "LA6568-5")}


def test_it_exports_no_intake_items(exported):
    items = {row["instrument_id"] for row in sqlite_utils.Database(exported)["items"].rows}
    assert items == {"phq9", "gad7", "wsas"}


def test_it_links_the_tables_for_datasette(exported):
    target = sqlite_utils.Database(exported)
    links = {(fk.table, fk.column, fk.other_table, fk.other_column)
             for table in ("responses", "item_scores", "step_history", "screenings", "items")
             for fk in target[table].foreign_keys}
    assert {("responses", "pseudonym", "patients", "pseudonym"),
            ("item_scores", "response_id", "responses", "id"),
            ("item_scores", "item_id", "items", "item_id"),
            ("items", "instrument_id", "instruments", "instrument_id")} <= links


def test_it_describes_every_column(exported):
    tables = tables_and_rows(exported)
    described = {(t, c) for t, c, _d in tables["column_descriptions"][1]}
    assert described == {(t, c) for t, (columns, _r) in tables.items() for c in columns}


def test_it_records_the_instrument_versions(exported):
    info = dict(tables_and_rows(exported)["export_info"][1])
    assert (info["phq9_version"], info["gad7_version"], info["wsas_version"]) == ("1", "1", "1")


def test_it_uses_new_pseudonyms_in_every_export(clinic, runner, tmp_path):
    first, second = tmp_path / "one.db", tmp_path / "two.db"
    assert export(runner, first).exit_code == 0 and export(runner, second).exit_code == 0
    pseudonyms = [{row[0] for row in tables_and_rows(path)["patients"][1]}
                  for path in (first, second)]
    assert len(pseudonyms[0]) == 2 and not pseudonyms[0] & pseudonyms[1]


def test_it_writes_a_disclosure(app, exported):
    with app.app_context():
        disclosure = db.session.execute(db.select(Disclosure)).scalar_one()
    assert (disclosure.kind, disclosure.recipient, disclosure.purpose,
            disclosure.patient_count) == ("research_export", "Example University study team",
                                          "Study 2026-17: routing accuracy", 2)


def test_it_audits_an_export_per_patient(app, clinic, exported):
    with app.app_context():
        patients = set(audited_patients("research_export", action="E"))
    assert patients == {clinic.alice.id, clinic.zebulon}


def test_it_needs_a_purpose(clinic, runner, tmp_path):
    result = runner.invoke(args=["research-export", str(tmp_path / "x.db"), "--recipient", "R"])
    assert result.exit_code != 0 and "--purpose" in result.output


def test_it_refuses_to_overwrite_a_file(app, exported, runner):
    assert export(runner, exported).exit_code != 0
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Disclosure.id))).scalar_one() == 1


def test_it_leaves_no_file_and_no_disclosure_when_it_fails(app, clinic, runner, tmp_path,
                                                           monkeypatch):
    from reporting import research_export

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(research_export, "_write_chunk", broken)
    out = tmp_path / "broken.db"
    assert export(runner, out).exit_code != 0
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Disclosure.id))).scalar_one() == 0
    assert list(tmp_path.glob("broken.db*")) == []


def test_it_shows_how_far_it_has_come(clinic, runner, tmp_path):
    assert "Exporting patients" in export(runner, tmp_path / "p.db").output


def test_it_keeps_scores_whole(app, exported):
    with app.app_context():
        totals = sorted(t for (t,) in db.session.execute(
            db.select(QuestionnaireResponse.total).where(
                QuestionnaireResponse.instrument_id.in_(("phq9", "gad7", "wsas")))))
    assert sorted(r["total"] for r in sqlite_utils.Database(exported)["responses"].rows) == totals
