"""Issue 13, fuzzing harness: every POST route gets garbage, as every persona allowed on it.

Generated from ``app.url_map`` and the access matrix: a route added later is fuzzed the day it
is added. Form fields are read from the pages each persona can open (every ``<form
method=post>`` whose action is the route); JSON endpoints get the keys of their matrix body.
Each request carries a valid CSRF token, so the garbage reaches the view. The answer must
not be a 5xx, and a 4xx must have written nothing (the audit trail and the session's
last-seen time are bookkeeping, written by every request on purpose).
"""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from app import create_app
from app.accounts.contact_forms import ContactForm
from app.accounts.forms import (
    ConfirmForm,
    OidcRegisterForm,
    RecoveryCodeForm,
    ResetPasswordForm,
    TotpForm,
)
from app.accounts.models import User
from app.db import db
from app.extensions import limiter
from app.messaging.forms import MessageForm
from app.push.views import ChannelForm, RemoveForm
from interop.referral.forms import ReceiverToggleForm, SendForm
from programmes.forms import FeedbackForm, VrAssignForm
from safety.forms import AddItemForm
from tests.conftest import PERSONA_PASSWORD
from tests.helpers import csrf_token, post_form, sign_in
from tests.safety.test_safety_plans import make_plan
from tests.screening.test_weekly import put_in_step, weekly_form
from tests.test_access_matrix import (
    EVERYONE,
    JSON_BODIES,
    OBJECT_PAGES,
    PUBLIC,
    ROLE_PAGES,
    TOKEN_LINKS,
)
from tests.test_get_writes import BOOKKEEPING, WriteRecorder

# Every object page needs an object: the world gets a follow-up of Alice's that is due.
WITH_DUE_FOLLOW_UP = True

# POST routes the harness does not send garbage to, and why.
NOT_FUZZED = {
    # Its form is the CSRF token alone, and a valid one loads the language model (seconds of
    # CPU): there is no field to fuzz, and the access matrix covers the route.
    "textmodel.load": "only a CSRF token; a valid post loads the text model",
    # Its form is the CSRF token alone, and a valid one closes the persona's account for good
    # (signed out everywhere): tests/erasure covers it.
    "erasure.ask": "only a CSRF token; a valid post closes the persona's account",
    # It reads no body (it opens or continues a session), and no persona is in the anxiety
    # programme; tests/programmes/test_vr_api.py covers it. Its ratings route is fuzzed.
    "programmes.vr_session": "no body; no persona has a VR block open",
}


def _fields(form_class) -> set[str]:
    """The field names a WTForms class declares (the CSRF token aside)."""
    return {name for name in dir(form_class)
            if isinstance(getattr(form_class, name), UnboundField)} - {"csrf_token"}


# Forms the personas' pages do not show in the test data (a half-finished sign-in, a plan or
# a due questionnaire the persona lacks, a button shown only in another state): their fields.
FIELDS = {
    "accounts.mfa_verify": _fields(TotpForm),
    "accounts.mfa_recovery": _fields(RecoveryCodeForm),
    "accounts.mfa_setup": _fields(TotpForm),
    "accounts.logout": _fields(ConfirmForm),
    # Without a link's token in the session these pages show why, not their form.
    "accounts.reset_password": _fields(ResetPasswordForm),
    "accounts.verify_email": _fields(ConfirmForm),
    "accounts.confirm_email_change": _fields(ConfirmForm),
    "accounts.cancel_email_change": _fields(ConfirmForm),  # shown only while a change waits
    "accounts.resend_verification": _fields(ConfirmForm),  # shown only before verifying
    "drafts.discard": set(),  # shown only when a draft was kept: the CSRF token alone
    # Shown only after a provider's answer (registering) or for ?provider= of a configured
    # provider (linking); the personas' clinic has none.
    "accounts.oidc_register": _fields(OidcRegisterForm),
    "accounts.oidc_link": _fields(ConfirmForm),
    # Shown only once the clinic has receivers of referral messages; the personas' has none.
    "referral_message.toggle_receiver": _fields(ReceiverToggleForm),
    "referral_message.send": _fields(SendForm),
    "accounts.admin_enable_user": _fields(ConfirmForm),
    "screening.start": _fields(ConfirmForm),
    "screening.submit": _fields(ConfirmForm),
    "screening.weekly": set(weekly_form()),
    "screening.followup_page": set(weekly_form()),  # the same two questionnaires
    "contact.required": _fields(ContactForm),
    "safety.add": _fields(AddItemForm),
    "messaging.edit": _fields(MessageForm),
    "programmes.homework": _fields(FeedbackForm),
    # Alice's programme has no VR scene (the page says so, without its form), and she has no
    # scene assigned to take off; the feedback form shows on her finished session's page.
    "programmes.vr_assign": _fields(VrAssignForm),
    "programmes.vr_unassign": _fields(ConfirmForm),
    "programmes.vr_feedback": _fields(FeedbackForm),
    # The FHIR token endpoint: an OAuth form a system posts, not a page's form.
    "fhir.token": {"grant_type", "client_assertion_type", "client_assertion", "scope"},
    # Push reminders are off in the tests (no VAPID keys), so the account page shows neither.
    "push.channel": _fields(ChannelForm),
    "push.remove": _fields(RemoveForm),
}



# The second step of signing in: the garbage goes to a real half-finished sign-in.
HALF_SIGNED_IN = {"accounts.mfa_verify": "theo", "accounts.mfa_recovery": "theo",
                  "accounts.mfa_setup": "una"}

ROLES = ["anonymous", *sorted(EVERYONE)]
FUZZ = settings(max_examples=4, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))

NASTY = [
    b"\x00", b"a\x00b", b"\r\nSet-Cookie: x=1", b"\x1b[2J\x07\x08", b"\xff\xfe\xfd", b"\xc3\x28",
    b"-1", b"-9999999999999999999999", b"9" * 40, b"2147483648", b"9223372036854775808",
    b"1e309", b"NaN", b"-0", b"0000-01-01", b"10000-01-01", "٢٠٢٤-٠١-٠١".encode(),
    "１２３４５６".encode(), b"x" * 5000, b"y" * 70000, b"<script>alert(1)</script>", b"",
    b" ", b"true", b"[]", b"{}", b"/\t/evil.com", b"//evil.com", "\u202eevil".encode(),
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.binary(max_size=24),
    st.text(max_size=24).map(str.encode),
    st.integers(min_value=-(2**80), max_value=2**80).map(lambda n: str(n).encode()),
)

DEEP = b"[" * 5000 + b"]" * 5000
RAW_JSON = [
    DEEP, b'{"a":' * 5000 + b"1" + b"}" * 5000, b'{"session": "\xff\xfe"}',
    b'{"session": "a", "session": 1, "type": "offer", "type": []}', b"", b"null", b"[]",
    b'"\\u0000"', b"{" , b"1e999999", b'{"after": 1e999, "wait": -1e999, "version": NaN}',
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["\x00", "x" * 5000, "\r\n", "٣", "-1", "9" * 30]),
)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=8), inner, max_size=3), max_leaves=6)


# --- which routes, which fields -----------------------------------------------------------------

def _allowed() -> dict[str, set[str]]:
    allowed = {endpoint: set(roles) for endpoint, roles in ROLE_PAGES.items()}
    allowed |= {endpoint: set(roles) for endpoint, (_args, roles) in OBJECT_PAGES.items()}
    allowed |= {endpoint: {"anonymous"} for endpoint in PUBLIC}
    # The token endpoint takes a system's post, signed in or not: fuzzed as anyone.
    allowed["fhir.token"] = {"anonymous", *EVERYONE}
    return allowed


def _post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


def _url(app, endpoint: str, personas) -> str:
    from flask import url_for

    make_args = OBJECT_PAGES.get(endpoint, (lambda _p: TOKEN_LINKS.get(endpoint, {}), None))[0]
    with app.test_request_context():
        return url_for(endpoint, **make_args(personas))


def _forms(html: str, page: str) -> dict[str, set[str]]:
    """The fields of each POST form on a page, by the path the form is sent to."""
    found: dict[str, set[str]] = {}
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        path = urlsplit(form.get("action") or page).path or page
        names = {tag.get("name") for tag in form.find_all(["input", "textarea", "select",
                                                            "button"]) if tag.get("name")}
        found.setdefault(path, set()).update(names - {"csrf_token"})
    return found


def _discover(app, client, personas, role: str, allowed: dict[str, set[str]]):
    """Open every GET page this persona may open and collect its forms."""
    methods = {rule.endpoint: rule.methods or set() for rule in app.url_map.iter_rules()}
    forms: dict[str, set[str]] = {}
    for endpoint, roles in sorted(allowed.items()):
        if role not in roles or "GET" not in methods.get(endpoint, ()) or "static" in endpoint:
            continue
        url = _url(app, endpoint, personas)
        page = client.get(url)
        if page.status_code == 200 and page.mimetype == "text/html":
            for path, names in _forms(page.get_data(as_text=True), urlsplit(url).path).items():
                forms.setdefault(path, set()).update(names)
    return forms


# --- sending garbage ------------------------------------------------------------------------------

def _form_body(token: str, pairs: list[tuple[str, bytes]]) -> bytes:
    fields = [(b"csrf_token", token.encode()), *((k.encode(), v) for k, v in pairs)]
    return b"&".join(quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode()
                     for k, v in fields)


def _form_payloads(fields: set[str]):
    # Each field missing, once, or twice (duplicated), plus a field nobody expects.
    per_field = {name: st.lists(VALUES, max_size=2) for name in sorted(fields)}
    return st.tuples(st.fixed_dictionaries(per_field), st.lists(
        st.tuples(st.text(min_size=1, max_size=8), VALUES), max_size=1)).map(
        lambda t: [(k, v) for k, vs in t[0].items() for v in vs] + t[1])


def _form_examples(fields: set[str]) -> list[list[tuple[str, bytes]]]:
    names = sorted(fields) or ["unexpected"]
    return [[(name, value) for name in names] for value in (
        b"\x00", b"\xff\xfe", b"z" * 70000, b"9223372036854775808", "٣٤".encode())] + [
        [(name, value) for name in names for value in (b"1", b"\x00two")]]


def _json_payloads(keys: list[str]):
    body = st.fixed_dictionaries({}, optional={key: JSON_VALUES for key in keys})
    return st.one_of(body, JSON_VALUES).map(
        lambda value: json.dumps(value, allow_nan=True).encode())


def _check(app, client, url: str, body: bytes, content_type: str, token: str) -> str | None:
    """Send one request; a sentence describing what went wrong, or None."""
    with app.app_context():
        engine = db.engine
    try:
        with WriteRecorder(engine) as recorder:
            response = client.post(url, data=body, content_type=content_type,
                                   headers={"X-CSRFToken": token})
    except Exception as exc:  # noqa: BLE001 - an unhandled error is a 500 for the user
        return f"raised {exc!r}"
    if response.status_code >= 500:
        return f"answered {response.status_code}"
    written = recorder.tables - BOOKKEEPING
    if response.status_code >= 400 and written:
        return f"answered {response.status_code} but wrote {sorted(written)}"
    return None


def _fuzz_route(app, client, url: str, fields: set[str] | None, json_keys: list[str] | None,
                token: str):
    """Run hypothesis against one route; the first problem found, described, or None."""
    problems: list[str] = []

    def send(body: bytes, content_type: str) -> None:
        limiter.reset()
        if problem := _check(app, client, url, body, content_type, token):
            problems.append(f"{url} {problem} for {body[:160]!r}")
        assert not problems

    if json_keys is not None:
        def run(body: bytes) -> None:
            send(body, "application/json")
        strategy, examples = _json_payloads(json_keys), RAW_JSON
    else:
        def run(pairs) -> None:
            send(_form_body(token, pairs), "application/x-www-form-urlencoded")
        strategy, examples = _form_payloads(fields or set()), _form_examples(fields or set())
    test = given(strategy)(run)
    for case in examples:
        test = example(case)(test)
    try:
        FUZZ(test)()
    except Exception:
        if not problems:  # the harness itself failed: say so, never pass quietly
            raise
    return problems[0] if problems else None


def _client_for(app, personas, role: str, endpoint: str):
    """A client signed in as the persona (or half-way, for the second step), and its token."""
    client = app.test_client()
    if role != "anonymous":
        sign_in(app, client, getattr(personas, role))
        return client, csrf_token(client, "/account")
    if endpoint not in HALF_SIGNED_IN:
        return client, csrf_token(client, "/login")
    user = getattr(personas, HALF_SIGNED_IN[endpoint])
    if endpoint == "accounts.mfa_setup":
        with app.app_context():  # a clinician who has not set up the second step yet
            db.session.get(User, user.id).totp_confirmed_at = None
            db.session.commit()
    started = post_form(client, "/login", {"email": user.email, "password": PERSONA_PASSWORD})
    assert "/login/two-step" in started.location, "the first step of signing in failed"
    url = _url(app, endpoint, personas)
    return client, csrf_token(client, url)


def _fuzz_as(app, personas, role: str, endpoints: set[str]) -> dict[str, str]:
    allowed = _allowed()
    client = app.test_client()
    if role != "anonymous":
        # Bob in step 2 has his weekly questionnaires due (Alice answered PHQ-9 today in her
        # screening): their real form is fuzzed.
        put_in_step(app, personas.bob.id, 2)
        # Alice has a safety plan, so her page shows the form that adds to it.
        make_plan(app, personas.alice.id, personas.theo.id)
        sign_in(app, client, getattr(personas, role))
    forms = _discover(app, client, personas, role, allowed)
    problems = {}
    for endpoint in sorted(endpoints - set(NOT_FUZZED)):
        if role not in allowed.get(endpoint, ()):
            continue
        url = _url(app, endpoint, personas)
        json_keys = sorted(JSON_BODIES[endpoint][0]) if endpoint in JSON_BODIES else None
        fields = forms.get(urlsplit(url).path, FIELDS.get(endpoint))
        if json_keys is None and fields is None:
            problems[endpoint] = "no form posts here: add its fields to FIELDS or NOT_FUZZED"
            continue
        client, token = _client_for(app, personas, role, endpoint)
        if problem := _fuzz_route(app, client, url, fields, json_keys, token):
            problems[endpoint] = problem
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_it_survives_garbage_on_every_post_route(app, screened, role):
    problems = _fuzz_as(app, screened, role, _post_endpoints(app))
    assert problems == {}, "\n".join(f"{e}: {p}" for e, p in sorted(problems.items()))


def test_it_fuzzes_every_post_route_or_says_why_not(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    allowed = _allowed()
    posts = _post_endpoints(app)
    unreachable = {e for e in posts - set(NOT_FUZZED) if not allowed.get(e)}
    assert unreachable == set(), "give these routes their personas in the access matrix"
    assert set(NOT_FUZZED) <= posts, "NOT_FUZZED lists a route that does not exist"
    # The harness posts; a route taking PUT, PATCH or DELETE would escape it unseen.
    others = {rule.endpoint for rule in app.url_map.iter_rules()
              if (rule.methods or set()) - {"GET", "HEAD", "OPTIONS", "POST"}}
    assert others == set(), "teach the harness this method, or make the route a POST"


# --- the harness can fail ----------------------------------------------------------------------

def _probe(app, view) -> str | None:
    """Fuzz one made-up route of this app (added before its first request)."""
    app.add_url_rule("/fuzz-probe", "fuzz_probe", view, methods=["POST"])
    client = app.test_client()
    return _fuzz_route(app, client, "/fuzz-probe", {"text"}, None, csrf_token(client))


def test_it_reports_a_route_that_writes_and_then_answers_4xx(app, personas):
    from sqlalchemy import update

    from app.accounts.models import User

    def half_written():
        db.session.execute(update(User).where(User.id == personas.alice.id).values(name="x"))
        return "refused", 422

    assert "answered 422 but wrote ['user_account']" in _probe(app, half_written)


def test_it_reports_a_route_that_fails_with_a_server_error(app):
    def broken():
        raise ValueError("a crash on odd input")

    assert "raised ValueError" in _probe(app, broken)
