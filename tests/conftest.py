"""Fixtures: an app on a freshly migrated database, a client, a runner, and personas.

The schema is built by the real migrations, once per session. On SQLite each test gets a
copy of that migrated file; on PostgreSQL (``DATABASE_URL`` set) it gets emptied tables.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import textmodel
from app import PACKAGES, create_app
from app.accounts import passwords
from app.accounts.models import Role, User
from app.caseload.models import CareAssignment
from app.db import db, utcnow
from app.extensions import limiter
from app.reminders import mail
from tests import route_builders

route_builders.install()  # every test builds an app: compile each URL rule's builder once


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (``test_gw0``,
    ``test_gw1``...), created beside the one named, because the tests empty their tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    named = make_url(url)
    database = f"{named.database}_{worker}"
    engine = create_engine(_normalised_postgres(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    worker_url = named.set(database=database).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = worker_url  # for commands the tests run in a subprocess
    return worker_url


def _normalised_postgres(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        "postgres://", "postgresql+psycopg://", 1
    )


POSTGRES_URL = _worker_database(os.environ.get("DATABASE_URL"))

PERSONA_PASSWORD = "correct horse battery staple"
PERSONA_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _test_config(database_uri: str, instance_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production-checks",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "RATELIMIT_STORAGE_URI": "memory://",
        "DEFAULT_LANGUAGE": "en",
        # CSRF stays ON: tests send real tokens, as browsers do.
        "WTF_CSRF_ENABLED": True,
        "INSTANCE_PATH": str(instance_path / "instance"),
    }


# Content is shipped data, not per-test state: loaded once, kept between tests.
CONTENT_TABLES = {"programme", "programme_module"}


def _migrate(database_uri: str, instance_path: Path) -> None:
    from flask_migrate import upgrade

    from programmes.operations import load_content

    app = create_app(_test_config(database_uri, instance_path))
    with app.app_context():
        upgrade()
        load_content(app.config["CONTENT_DIR"])
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database URI whose schema the migrations built (once per test session)."""
    instance = tmp_path_factory.mktemp("instance")
    if POSTGRES_URL:
        engine = create_engine(_normalised_postgres(POSTGRES_URL))
        with engine.begin() as conn:
            _end_other_connections(conn)
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(POSTGRES_URL, instance)
        return POSTGRES_URL
    template = instance / "template.db"
    _migrate(f"sqlite:///{template}", instance)
    return str(template)


def _end_other_connections(conn) -> None:
    """This worker's database is its own: a connection left on it by an earlier run (a
    killed server, an abandoned transaction) would make DROP or TRUNCATE wait forever."""
    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))


def _fresh_sqlite_copy(template: str, target: Path) -> None:
    # The online backup API copies a consistent database, WAL included.
    with sqlite3.connect(template) as source, sqlite3.connect(target) as dest:
        source.backup(dest)


def _empty_postgres_tables(app) -> None:
    with app.app_context():
        names = [t.name for t in db.metadata.sorted_tables if t.name not in CONTENT_TABLES]
        for attempt in range(10):
            try:
                _wipe(names)
                return
            except OperationalError:
                # A request of the previous test's live server (a browser still polling)
                # can hold a row this needs: PostgreSQL picks one of the two to abort,
                # or the lock timeout ends the wait. A connection still idle in its
                # transaction after a few tries is one its server left behind.
                if attempt == 9:
                    raise
                if attempt >= 3:
                    with db.engine.begin() as conn:
                        _end_other_connections(conn)
                time.sleep(0.5)


# The sequences of the emptied tables, restarted so that every test sees ids from 1.
_OWNED_SEQUENCES = """
SELECT setval(s.oid, 1, false) FROM pg_class s
JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND t.relname IN ({tables})"""


def _wipe(names: list[str]) -> None:
    """Empty the tables in one transaction. DELETE with triggers off (the foreign keys and
    the audit table's append-only guard are triggers) costs about 10 ms a test, where
    TRUNCATE of every table cost about 400 ms: a third of the PostgreSQL run. The
    statements go as one string, one round trip instead of one per table."""
    # Table names from the models, not from input; no parameters, so psycopg sends the
    # statements together.
    deletes = "".join(f"DELETE FROM {name};" for name in names)  # noqa: S608
    sequences = _OWNED_SEQUENCES.format(tables=", ".join(f"'{name}'" for name in names))
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "SET LOCAL lock_timeout = '5s'; SET LOCAL session_replication_role = replica;"
            + deletes + sequences)


def make_app(migrated_database, tmp_path, packages=PACKAGES, *, empty=True, config=None):
    """An app on this test's database: a fresh copy (SQLite) or emptied tables (PostgreSQL)."""
    database = tmp_path / "stepcare.db"
    if not POSTGRES_URL and (empty or not database.exists()):
        _fresh_sqlite_copy(migrated_database, database)
    uri = POSTGRES_URL or f"sqlite:///{database}"
    app = create_app({**_test_config(uri, tmp_path), **(config or {})}, packages=packages)
    if POSTGRES_URL and empty:
        _empty_postgres_tables(app)
    limiter.reset()
    return app


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(migrated_database, tmp_path):
    app = make_app(migrated_database, tmp_path)
    yield app
    close(app)


@pytest.fixture
def cheap_hashing(monkeypatch):
    """argon2 at a test's cost, for tests that build the demo clinic: its 48 accounts at full
    strength take about 10 s of CPU, and nobody signs in there by password."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- personas --------------------------------------------------------------------------------
# As healthchecks has Alice, Bob and Charlie: two patients, Alice's therapist,
# a therapist unrelated to Alice (Bob's), and an administrator.


@dataclass
class Personas:
    alice: User  # patient A
    bob: User  # patient B
    theo: User  # Alice's therapist
    una: User  # unrelated to Alice: Bob's therapist
    ada: User  # administrator

    def all(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in ("alice", "bob", "theo", "una", "ada")}


@pytest.fixture(scope="session")
def persona_password_hash() -> str:
    # argon2id at full strength is slow on purpose; hash the shared password once.
    return passwords.hash_password(PERSONA_PASSWORD)


def make_user(name: str, role: Role, password_hash: str, **extra) -> User:
    user = User(
        email=f"{name.split()[0].lower()}@example.com",
        name=name,
        role=str(role),
        password_hash=password_hash,
        language=extra.pop("language", "en"),
        # The personas confirmed their addresses long ago (tests of verification unset it).
        email_verified_at=extra.pop("email_verified_at", utcnow()),
        **extra,
    )
    if role.is_clinician:
        user.totp_secret = PERSONA_TOTP_SECRET
        user.totp_confirmed_at = utcnow()
    db.session.add(user)
    return user


@pytest.fixture
def personas(app, persona_password_hash) -> Personas:
    from datetime import date

    with app.app_context():
        people = Personas(
            alice=make_user("Alice Andersen", Role.PATIENT, persona_password_hash,
                            date_of_birth=date(1990, 4, 1), phone="+4520112233",
                            gp_practice="Lægehuset Nørrebro", emergency_name="Anne Andersen",
                            emergency_relation="sister", emergency_phone="+4531445566"),
            bob=make_user("Bob Berg", Role.PATIENT, persona_password_hash,
                          date_of_birth=date(1985, 9, 12), phone="+4540778899"),
            theo=make_user("Theo Thomsen", Role.THERAPIST, persona_password_hash),
            una=make_user("Una Ulriksen", Role.THERAPIST, persona_password_hash),
            ada=make_user("Ada Admin", Role.ADMIN, persona_password_hash),
        )
        db.session.flush()
        db.session.add_all(
            [
                CareAssignment(patient_id=people.alice.id, therapist_id=people.theo.id),
                CareAssignment(patient_id=people.bob.id, therapist_id=people.una.id),
            ]
        )
        db.session.commit()
        for user in people.all().values():
            db.session.refresh(user)
        db.session.expunge_all()
    return people


# --- real browser ----------------------------------------------------------------------------
# Debian's Chromium driven by Playwright; never `playwright install`.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def loaded_text_model(app):
    """Load the app's text model before a browser test starts its clock.

    The model loads lazily, on the first patient text a process checks for risk language
    (about 7 s: torch, transformers and the encoder), and then stays loaded for the process.
    Paid inside a browser test, it eats the test's timeouts on a busy machine: the first
    autosave stays at "Saving…".
    """
    with app.app_context():
        if textmodel.mode() == "model":
            textmodel.load()


@pytest.fixture
def live_server(app, loaded_text_model):
    """The app served on a loopback port by a real threaded HTTP server."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# --- screening data ----------------------------------------------------------------------------

INTAKE = {
    "presenting_problem": "Low mood and poor sleep since the spring.",
    "goals": "Sleep better.",
    "previous_treatment": "no",
    "substance_use": "none",
    "bipolar": "no",
    "psychosis": "no",
    "suicidal_plan": "no",
    "preferred_format": "written_guidance",
}


def phq9_page(values=(2, 2, 1, 1, 1, 1, 1, 1, 0), difficulty=1) -> dict:
    answers = {f"phq9_{i}": v for i, v in enumerate(values, start=1)}
    return {**answers, "phq9_difficulty": difficulty}


def gad7_page(values=(1, 1, 1, 1, 1, 1, 1)) -> dict:
    return {f"gad7_{i}": v for i, v in enumerate(values, start=1)}


WSAS_ITEMS = ("wsas_work", "wsas_home", "wsas_social_leisure", "wsas_private_leisure",
              "wsas_relationships")


def wsas_page(values=(3, 3, 3, 3, 3)) -> dict:
    return dict(zip(WSAS_ITEMS, values, strict=True))


def complete_screening(patient_id: int, *, phq9=None, intake=None, submit=True):
    """A screening with every page answered (and submitted), made through the operations."""
    from screening import operations

    patient = db.session.get(User, patient_id)
    screening = operations.start(patient)
    operations.save_page(screening, "phq9", phq9_page(*([phq9] if phq9 else [])))
    operations.save_page(screening, "gad7", gad7_page())
    operations.save_page(screening, "wsas", wsas_page())
    operations.save_page(screening, "intake", {**INTAKE, **(intake or {})})
    if submit:
        operations.submit(screening)
    db.session.commit()
    return screening.id


@pytest.fixture
def screened(request, app, personas):
    """Alice has sent a screening with a risky PHQ-9 item 9 (so an open alert); Bob has
    one in progress. Modules that set ``WITH_DUE_FOLLOW_UP`` also get a follow-up of
    Alice's that is due (the route matrices, so that its page has an object)."""
    from screening import operations
    from screening.models import RiskAlert

    with app.app_context():
        personas.alice_screening = complete_screening(
            personas.alice.id, phq9=(2, 2, 1, 1, 1, 1, 1, 1, 1)
        )
        personas.alice_alert = db.session.execute(db.select(RiskAlert.id)).scalar_one()
        bob = db.session.get(User, personas.bob.id)
        operations.start(bob)
        db.session.commit()
        _enrol_alice(personas)
        _book_alice_video(personas)
        _alice_message_and_alert(personas)
        if getattr(request.module, "WITH_DUE_FOLLOW_UP", False):
            add_due_follow_up(personas)
            add_erasure_request(personas)
            add_fhir_client(personas)
            add_push_subscription(personas)
            add_vr_session(personas)
    return personas


def _alice_message_and_alert(personas) -> None:
    from app.caseload import alerts
    from app.caseload.models import ClinicalAlert
    from app.messaging import operations as messaging

    alice = db.session.get(User, personas.alice.id)
    personas.alice_message = messaging.send(alice, alice, "Is it normal to feel worse?").id
    alerts.raise_alert(alice.id, "inactive", f"inactive:{alice.id}:test")
    db.session.commit()
    personas.alice_clinical_alert = db.session.execute(db.select(ClinicalAlert.id)).scalar_one()


def enrol(patient_id: int, slug: str, therapist_id: int | None):
    """Enrol a patient (content loaded first); returns the enrolment."""
    from programmes import operations as programmes

    programmes.ensure_content_loaded()
    patient = db.session.get(User, patient_id)
    therapist = db.session.get(User, therapist_id) if therapist_id else None
    enrolment = programmes.enrol(patient, programmes.programme_by_slug(slug), therapist)
    db.session.commit()
    return enrolment


def _enrol_alice(personas) -> None:
    """Alice in the depression programme with Theo, with homework sent from module 1."""
    from programmes import operations as programmes

    enrolment = enrol(personas.alice.id, "depression", personas.theo.id)
    welcome, second = enrolment.programme.current_modules[:2]
    blocks = programmes.as_content_module(welcome, "en").blocks
    homework = next(b for b in blocks if b.type == "homework")
    other = next(b for b in blocks if b.type != "homework")
    alice = db.session.get(User, personas.alice.id)
    answer = programmes.save_answer(alice, welcome, homework, {"text": "My first homework."})
    submission = programmes.submit_homework(alice, welcome, answer, personas.theo.id)
    db.session.commit()
    personas.alice_enrolment, personas.alice_submission = enrolment.id, submission.id
    personas.alice_block, personas.alice_homework_block = other.id, homework.id
    personas.alice_locked_module = second.id


def _book_alice_video(personas) -> None:
    """A video appointment of Alice with Theo that starts now, so its room is open."""
    from video import operations as video

    alice, theo = db.session.get(User, personas.alice.id), db.session.get(User, personas.theo.id)
    appointment = video.book(therapist=theo, patient=alice, starts_at=utcnow(),
                             duration_minutes=45, by=theo)
    db.session.commit()
    personas.alice_appointment, personas.alice_room = appointment.id, appointment.room_id


# --- email ------------------------------------------------------------------------------------

HEALTH_WORDS = ("depress", "anxi", "phq", "gad", "risk", "suicid", "mood", "homework",
                "feedback", "therap", "questionnaire", "screening", "angst", "selvmord")


class Inbox(MessageHandler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False,
                      TESTING=False)
    mail.init_app(app)
    yield handler.messages
    controller.stop()


def add_push_subscription(personas):
    """A push subscription of Alice's phone (made-up keys: nothing is sent to it)."""
    from app.push import operations

    found = operations.subscribe(db.session.get(User, personas.alice.id),
                                 "https://push.example.com/send/alice-phone",
                                 "BPlaceholderKeyOfAlicesPhone", "placeholder-auth",
                                 "Mozilla/5.0 (Linux; Android 14) Chrome/130.0")
    db.session.commit()
    personas.alice_push = found.id


def add_vr_session(personas):
    """A finished VR exposure session of Alice's (its page: the therapist's feedback). No
    persona is in the anxiety programme, so it hangs on her enrolment's first module."""
    from programmes.models import Enrolment, VrRating, VrSession

    enrolment = db.session.get(Enrolment, personas.alice_enrolment)
    session = VrSession(patient_id=personas.alice.id, enrolment_id=enrolment.id,
                        module_id=enrolment.programme.current_modules[0].id,
                        block_id="vr-heights", scene="heights", highest_level=1,
                        ended_at=utcnow())
    session.ratings = [VrRating(level=0, phase="before", suds=40),
                       VrRating(level=1, phase="during", suds=55)]
    db.session.add(session)
    db.session.commit()
    personas.alice_vr_session = session.id


def add_due_follow_up(personas):
    """A follow-up of Alice's that is due now (for the route matrices): as if an earlier
    course of hers had ended three months ago."""
    from datetime import timedelta

    from app.caseload.models import StepAssignment
    from screening.models import FollowUp

    now = utcnow()
    ended = now - timedelta(days=92)
    course = StepAssignment(patient_id=personas.alice.id, step=1,
                            started_at=ended - timedelta(weeks=8), ended_at=ended)
    db.session.add(course)
    db.session.flush()
    followup = FollowUp(patient_id=personas.alice.id, step_assignment_id=course.id,
                        discharged_at=ended, due_at=now - timedelta(days=1))
    db.session.add(followup)
    db.session.commit()
    personas.alice_followup = followup.id
    return personas


def add_erasure_request(personas):
    """A third patient, Eve, who asked for erasure (for the route matrices' admin pages)."""
    from app.erasure.models import ErasureRequest

    eve = make_user("Eve Eriksen", Role.PATIENT, personas.alice.password_hash,
                    disabled_at=utcnow())
    db.session.flush()
    found = ErasureRequest(user_id=eve.id, status="pending")
    db.session.add(found)
    db.session.commit()
    personas.eve_erasure = found.id
    return personas


def add_fhir_client(personas):
    """A region's record system registered for the FHIR API (its admin page's object)."""
    from interop.api.models import FhirClient

    client = FhirClient(name="Region Syddanmark EPJ", client_id="matrix-client",
                        public_key="(a public key)", scopes="system/Observation.read")
    db.session.add(client)
    db.session.commit()
    personas.fhir_client = client.id
    return personas
