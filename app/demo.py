"""``flask --app app demo``: fill an empty database with a demo clinic.

A second run keeps whatever the database holds (it only brings the schema up to date), so
the README's set-up command can be run again without losing anything; ``--reset`` wipes
the database and builds the demo afresh.

The demo grows with every feature, so that it always shows the whole product.
Other packages add to it through ``app.signals.demo_hooks``; their hooks run by order.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import downgrade, upgrade

from app import demo_story, notify
from app.accounts import operations, phones, recovery
from app.accounts.models import Consent, Role, User
from app.accounts.terms import load_terms
from app.audit.demo import access_history
from app.caseload.operations import assign
from app.db import db, utcnow
from app.erasure import operations as erasure
from app.signals import DemoClinic, DemoHook, answers, demo_hooks

DEMO_PASSWORD = "stepcare-demo-2026"  # noqa: S105 (printed for the demo on purpose)
# A fixed TOTP secret, so that an authenticator app can be set up once for the demo.
DEMO_TOTP_SECRET = "STEPCAREDEMOTOTPSECRETXYZ234567A"  # noqa: S105

THERAPISTS = [
    ("Mette Kjær", "mette@demo.stepcare.dk"),
    ("Jonas Lund", "jonas@demo.stepcare.dk"),
    ("Amira Haddad", "amira@demo.stepcare.dk"),
]
PATIENT_NAMES = [
    "Anna Sørensen", "Mikkel Holm", "Sofie Nielsen", "Ahmed Khan", "Laura Jensen",
    "Frederik Møller", "Ida Christensen", "Emil Rasmussen", "Freja Poulsen", "Oliver Larsen",
    "Nanna Madsen", "Kasper Olsen", "Maja Thomsen", "Lucas Hansen", "Clara Pedersen",
    "William Andersen", "Ella Kristensen", "Noah Jørgensen", "Karla Mortensen", "Victor Berg",
    "Alma Dahl", "Oscar Winther", "Emma Lauridsen", "Magnus Svendsen", "Asta Bach",
    "Malthe Friis", "Josefine Vestergaard", "Elias Nørgaard", "Agnes Holst", "Yusuf Demir",
]


def reset_database() -> None:
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        _drop_sqlite_tables()
    else:
        downgrade(revision="base")
    upgrade()


def _drop_sqlite_tables() -> None:
    """Downgrading a filled SQLite database trips its foreign keys (a batch migration
    copies and drops tables that others point at), so the demo drops every table with
    foreign keys off; the migrations then build the schema afresh."""
    raw = db.engine.raw_connection()  # autocommit (app.db): the PRAGMA needs no transaction
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        tables = [row[0] for row in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


def _clinician(name: str, email: str, role: Role) -> User:
    user = operations.create_user(email=email, password=DEMO_PASSWORD, role=role, name=name)
    user.totp_secret = DEMO_TOTP_SECRET
    user.totp_confirmed_at = utcnow()
    operations.replace_recovery_codes(user)
    return user


def _patient(name: str, index: int, rng: random.Random, language: str | None = None) -> User:
    email = _email(name)
    language = language or ("en" if index % 5 == 3 else "da")
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
    user = operations.create_user(
        email=email,
        password=DEMO_PASSWORD,
        role=Role.PATIENT,
        name=name,
        language=language,
        date_of_birth=born,
    )
    config = current_app.config
    terms = load_terms(config["CONTENT_DIR"], config["TERMS_VERSION"], language)
    # The demo runs outside a request, so the consent records no IP address.
    db.session.add(
        Consent(
            user_id=user.id,
            terms_version=terms.version,
            language=language,
            terms_text_sha256=hashlib.sha256(terms.text.encode()).hexdigest(),
        )
    )
    user.created_at = utcnow() - timedelta(days=rng.randrange(1, 120))
    _contact(user, index, language, rng)
    return user


GP_PRACTICES = ["Lægehuset Nørrebro", "Lægerne i Valby", "Lægehuset Amagerbrogade",
                "Lægerne ved Søerne", "Lægepraksis Frederiksberg Allé", "Lægehuset i Vanløse"]
RELATIONS = {"da": ["mor", "søster", "kæreste", "ven", "far"],
             "en": ["mother", "sister", "partner", "friend", "father"]}
CONTACT_NAMES = ["Hanne", "Peter", "Louise", "Rasmus", "Camilla", "Thomas", "Sara"]
#: This patient registered before phones were asked for: they are asked at sign-in.
NO_PHONE_INDEX = 28


def _mobile(rng: random.Random) -> str:
    while True:  # not every 8-digit number is in use in the Danish numbering plan
        number = f"+45{rng.choice((2, 3, 4, 5))}{rng.randrange(1000000, 9999999)}"
        try:
            return phones.normalise(number, "DK")
        except phones.InvalidPhone:
            continue


def _contact(user: User, index: int, language: str, rng: random.Random) -> None:
    """Made-up numbers in the ranges of Danish mobiles; some have an emergency contact."""
    if index == NO_PHONE_INDEX:
        return
    details = {"phone": _mobile(rng),
               "gp_practice": GP_PRACTICES[index % len(GP_PRACTICES)] if index % 4 else None}
    if index % 3 == 0:
        surname = user.name.split()[-1]
        details.update(emergency_name=f"{rng.choice(CONTACT_NAMES)} {surname}",
                       emergency_relation=rng.choice(RELATIONS[language]),
                       emergency_phone=_mobile(rng))
    operations.set_contact_details(user, details)


def populate(seed: int = 2026) -> DemoClinic:
    rng = random.Random(seed)
    hooks: list[DemoHook] = sorted(answers(demo_hooks, current_app._get_current_object()),
                                   key=lambda hook: hook.order)
    for hook in hooks:
        if hook.prepare is not None:
            hook.prepare()
    admin = _clinician("Birgitte Admin", "admin@demo.stepcare.dk", Role.ADMIN)
    therapists = [_clinician(n, e, Role.THERAPIST) for n, e in THERAPISTS]
    patients = [_patient(name, i, rng) for i, name in enumerate(PATIENT_NAMES)]
    # Most patients are on a caseload; the last five wait for an administrator.
    for i, patient in enumerate(patients[:-5]):
        assign(patient, therapists[i % len(therapists)], by=admin)
    db.session.flush()
    clinic = DemoClinic(admin=admin, therapists=therapists, patients=patients,
                        story=_story_patients(therapists, admin, rng))
    clinic.logins = _logins()
    # Before the hooks: interop's records the letter's delivery as a FHIR message.
    demo_story.send_referral(clinic)
    for hook in hooks:
        if hook.populate is not None:
            hook.populate(clinic, rng)
    demo_story.write_notes(clinic)
    demo_story.record_contacts(clinic)
    # Anna (Danish) and Ahmed (English) find a week of their therapist's work in their log.
    access_history(therapists[0], admin, [patients[0], patients[3]])
    _erasure_request(patients[ERASURE_INDEX])
    # Anna wants her reminders both by email and as a notification on her phone (her
    # account page shows the choice once the clinic sets its VAPID keys).
    patients[0].reminder_channel = "both"
    # Ahmed asked to move his account to his work address and has not followed the link
    # yet: his account page shows the change waiting, with its cancel button.
    recovery.issue(patients[3], recovery.CHANGE, email="ahmed.khan@example.org")
    return clinic


#: This patient, waiting for a therapist, asked for erasure nine days ago: the admins'
#: page of erasure requests shows her request and the day her record may be purged.
ERASURE_INDEX = 26


def _erasure_request(patient: User) -> None:
    found = erasure.request_erasure(patient)
    found.requested_at = utcnow() - timedelta(days=9)


def _story_patients(therapists: list[User], admin: User, rng: random.Random) -> dict[str, User]:
    """After the first thirty, so that their accounts and random draws stay as they were."""
    now, story = utcnow(), {}
    for offset, persona in enumerate(demo_story.STORY):
        patient = _patient(persona.name, len(PATIENT_NAMES) + offset, rng, persona.language)
        patient.created_at = persona.started_at(now) - timedelta(days=3)
        assign(patient, therapists[persona.therapist], by=admin)
        demo_story.backdate_assignment(patient, persona, now)
        story[persona.key] = patient
    return story


def _email(name: str) -> str:
    return f"{name.split()[0].lower()}@demo.stepcare.dk".replace("ø", "oe").replace("æ", "ae")


def _logins() -> list[tuple[str, str, str]]:
    """One login per role and state: (persona, email, step and state)."""
    named = {i: _email(PATIENT_NAMES[i]) for i in (0, 1, 3, NO_PHONE_INDEX, -1)}
    return [
        ("admin", "admin@demo.stepcare.dk", "TOTP; outcomes at /admin/outcomes"),
        *[("therapist", email, "TOTP") for _, email in THERAPISTS],
        ("patient", named[0], "step 1, video room open now, safety plan"),
        ("patient (English)", named[3], "step 3, safety plan"),
        ("patient (open risk alert)", named[1], "step 2, alert with safety plan"),
        ("patient (waiting)", named[-1], "waiting for a therapist"),
        ("patient (no phone yet)", named[NO_PHONE_INDEX], "asked for it at sign-in"),
        *[(f"patient ({p.name.split()[0]}, {p.language})", p.email,
           f"step {p.step}: {p.state}") for p in demo_story.STORY],
    ]


@click.command("demo")
@with_appcontext
@click.option("--reset", is_flag=True, help="Wipe the database and build the demo afresh.")
@click.option("--yes", is_flag=True, help="Allow the demo in a production configuration.")
def demo_command(reset: bool, yes: bool) -> None:
    """Set up the demo clinic. A second run keeps what is there; --reset starts afresh."""
    if not yes and current_app.config["ENV"] == "production":
        raise click.ClickException(
            "Refusing to put the demo clinic, with its published passwords, into a production "
            "database (add --yes to do it anyway).")
    db.session.remove()
    upgrade()  # an existing database is brought up to date either way
    if _holds_data() and not reset:
        click.echo("The database already holds data, so it was kept as it is (and brought up "
                   "to date). To wipe it and build the demo afresh: flask --app app demo --reset")
        _echo_sign_in(_existing_logins())
        return
    if reset:
        reset_database()
    with notify.holding():  # the demo's alerts are recorded, nobody is emailed
        clinic = populate()
    notify.settle_held_for_demo()
    db.session.commit()
    click.echo("Demo clinic ready.")
    _echo_sign_in(clinic.logins)


def _holds_data() -> bool:
    return db.session.execute(db.select(User.id).limit(1)).first() is not None


def _existing_logins() -> list[tuple[str, str, str]]:
    """The demo's logins whose accounts are still in the database."""
    present = set(db.session.execute(
        db.select(User.email).where(User.email.like("%@demo.stepcare.dk"))).scalars())
    return [login for login in _logins() if login[1] in present]


def _echo_sign_in(logins: list[tuple[str, str, str]]) -> None:
    if not logins:
        return
    click.echo("Every demo account's password is: " + DEMO_PASSWORD)
    click.echo(
        "Staff sign in with two-step login: add this key to an authenticator app "
        f"(type: time-based): {DEMO_TOTP_SECRET}"
    )
    click.echo(f"  {'persona':<28} {'email':<28} step and state")
    for role, email, note in logins:
        click.echo(f"  {role:<28} {email:<28} {note}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
