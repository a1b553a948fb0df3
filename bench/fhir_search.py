"""The FHIR API in-process: one patient's year of weekly scores as one search.

Usage (from the root of the checkout; run by hand, never by pytest)::

    python bench/fhir_search.py [--repetitions 200] [--append]

Migrates a fresh SQLite file, gives one patient 52 weekly PHQ-9 and GAD-7 responses (104
scored responses, a year of a programme and its follow-up), registers a region's system and
gets it a token, then through Flask's test client times:

- ``GET /fhir/R4/Observation?patient=…&code=http://loinc.org|44261-6&_count=100``: the
  year of PHQ-9 totals, 52 Observations in one Bundle (goal: under 100 ms);
- ``GET /fhir/R4/QuestionnaireResponse?patient=…&_count=100``: the 100 newest… oldest
  responses with every item, the heaviest page a client can ask for;
- ``GET /fhir/R4/metadata``: the floor, a FHIR answer with no database work;

with the statements each sends. Each search's median is also given as a multiple of the
floor's, measured in the same run, so that a busy machine moves both together.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path.cwd()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from inprocess import count_statements, migrated_app  # noqa: E402

RESULTS_PATH = ROOT / "bench" / "RESULTS.md"
GOAL_MS = 100.0
WEEKS = 52
SCOPES = "system/Observation.read system/QuestionnaireResponse.read"


def seed_year(app) -> int:
    """A patient with a year of weekly PHQ-9 and GAD-7, every item answered; their id."""
    from app.accounts.models import Role, User
    from app.accounts.passwords import hash_password
    from app.db import db
    from screening.instruments import load_instrument
    from screening.models import Answer, QuestionnaireResponse

    start = datetime.now(UTC) - timedelta(weeks=WEEKS)
    with app.app_context():
        patient = User(email="year@example.com", name="Birgitte Holm", role=Role.PATIENT,
                       language="da", password_hash=hash_password(secrets.token_urlsafe(16)))
        db.session.add(patient)
        db.session.flush()
        for instrument_id in ("phq9", "gad7"):
            instrument = load_instrument(instrument_id, app.config["CONTENT_DIR"])
            for week in range(WEEKS):
                values = [(week + i) % 3 for i, _ in enumerate(instrument.scored_items)]
                db.session.add(QuestionnaireResponse(
                    patient_id=patient.id, instrument_id=instrument_id,
                    instrument_version=instrument.version, context="weekly",
                    submitted_at=start + timedelta(weeks=week), total=sum(values),
                    band="mild", idempotency_key=f"bench-{instrument_id}-{week}",
                    answers=[Answer(item_id=item.id, value_int=value)
                             for item, value in zip(instrument.scored_items, values,
                                                    strict=True)]))
        db.session.commit()
        return patient.id


def bearer(app, client) -> dict[str, str]:
    """Register a region's system with a fresh key and get it a token."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from app.db import db
    from interop.api.models import FhirClient

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    client_id = f"bench-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        db.session.add(FhirClient(name="Bench EPJ", client_id=client_id, public_key=public,
                                  scopes=SCOPES))
        db.session.commit()
    key = RSAKey.import_key(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    now = int(time.time())
    assertion = jwt.encode({"alg": "RS384"}, {
        "iss": client_id, "sub": client_id, "aud": "http://localhost/fhir/auth/token",
        "iat": now, "exp": now + 240, "jti": uuid.uuid4().hex}, key, algorithms=["RS384"])
    answer = client.post("/fhir/auth/token", data={
        "grant_type": "client_credentials", "client_assertion": assertion, "scope": SCOPES,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert answer.status_code == 200, answer.json
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def timed(client, url: str, headers: dict, repetitions: int) -> tuple[float, float, int]:
    """Median and p95 in ms, and the entries of the last answer."""
    samples, entries = [], 0
    for _ in range(repetitions):
        started = time.perf_counter()
        answer = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
        entries = len(answer.json.get("entry", []))
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], entries


def run(repetitions: int) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="stepcare-fhir-bench-"))
    app = migrated_app(workdir)
    patient = seed_year(app)
    client = app.test_client()
    headers = bearer(app, client)
    base = f"/fhir/R4/{{}}?patient=patient-{patient}&_count=100"
    pages = [
        ("metadata (the floor)", "/fhir/R4/metadata"),
        ("a year of PHQ-9 totals: Observation?code=44261-6 (52 entries)",
         base.format("Observation") + "&code=http://loinc.org|44261-6"),
        ("every response: QuestionnaireResponse (100 of 104 entries)",
         base.format("QuestionnaireResponse")),
    ]
    # count_statements sends no headers of its own: the token goes with every request.
    client.environ_base["HTTP_AUTHORIZATION"] = headers["Authorization"]
    rows, floor = [], None
    for label, url in pages:
        timed(client, url, headers, 5)  # warm: content, templates, the token's row
        statements, _after = count_statements(app, client, url)
        median, p95, entries = timed(client, url, headers, repetitions)
        floor = floor or median
        goal = f"< {GOAL_MS:.0f} ms" if "PHQ-9" in label else ""
        rows.append(f"| {label} | {entries} | {statements} | {median:.1f} | {p95:.1f} | "
                    f"{median / floor:.1f}× | {goal} |")
    load = os.getloadavg()[0]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        f"## FHIR API search, in-process ({stamp})", "",
        f"`python bench/fhir_search.py --repetitions {repetitions}`: SQLite, one patient "
        f"with {WEEKS} weekly PHQ-9 and GAD-7, Flask's test client with a bearer token; "
        f"load average (1 min) {load:.2f} at the end.", "",
        "| request | entries | SQL statements | median ms | p95 ms | × metadata | goal |",
        "|---|---|---|---|---|---|---|", *rows, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=200)
    parser.add_argument("--append", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    report = run(args.repetitions)
    print(report)
    if args.append:
        with RESULTS_PATH.open("a", encoding="utf-8") as results:
            results.write("\n" + report)


if __name__ == "__main__":
    main()
