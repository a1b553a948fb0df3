"""The access-control matrix: every route × every role.

Built from ``app.url_map``: a new route fails ``test_it_classifies_every_route``
until it is added below, so no route ships without its access rule.
Out-of-scope requests get 404 (never 403, which would confirm a record
exists); anonymous ones are sent to the login page.
"""

from __future__ import annotations

import pytest

from app import create_app
from tests.helpers import csrf_token, sign_in

# Every object page needs an object: the world gets a follow-up of Alice's that is due.
WITH_DUE_FOLLOW_UP = True

EVERYONE = {"alice", "bob", "theo", "una", "ada"}
PATIENTS = {"alice", "bob"}
THERAPISTS = {"theo", "una"}
CLINICIANS = {"theo", "una", "ada"}
ADMINS = {"ada"}

# Open to anyone, signed in or not.
PUBLIC = {
    "static",
    "programmes.static",
    "video.static",
    "safety.static",
    "main.index",
    "main.terms",
    "main.healthz",
    # The installable web app: its manifest, service worker and offline page (no user data).
    "pwa.manifest",
    "pwa.service_worker",
    "pwa.offline",
    # The JSON API's OpenAPI document: shapes of requests and answers, never data.
    "openapi.openapi_json",
    "accounts.login",
    "accounts.logout",
    "accounts.register",
    "accounts.mfa_verify",
    "accounts.mfa_recovery",
    "accounts.mfa_setup",
    "accounts.set_language",
    # Forgotten passwords and email verification: the links work without signing in.
    "accounts.forgot_password",
    "accounts.reset_link",
    "accounts.reset_password",
    "accounts.verify_link",
    "accounts.verify_email",
    # A change of email address: the link to the new address works without signing in.
    "accounts.change_link",
    "accounts.confirm_email_change",
    # OpenID Connect: start a sign-in, the provider's callback, and registering from claims.
    "accounts.oidc_start",
    "accounts.oidc_callback",
    "accounts.oidc_register",
}
# Public pages that take an emailed link's token in their URL: a made-up one (they store it
# in the session and redirect; tests/test_recovery.py follows real ones).
TOKEN_LINKS: dict[str, dict[str, str]] = {
    "accounts.reset_link": {"token": "not-a-real-token"},
    "accounts.verify_link": {"token": "not-a-real-token"},
    "accounts.change_link": {"token": "not-a-real-token"},
    "accounts.oidc_start": {"name": "nothing"},
    "accounts.oidc_callback": {"name": "nothing"},
}

# Routes a system reaches with a bearer token, never with a session: the FHIR API
# (interop/api). A browser session grants nothing here; tests/interop/test_fhir_api.py holds
# their token, scope and 404 rules. Endpoint -> why it is outside the session matrix.
TOKEN_ROUTES: dict[str, str] = {
    "fhir.token": "the OAuth token endpoint: a system posts a signed client assertion "
                  "(no session, no cookie, so exempt from CSRF)",
    "fhir.metadata": "the CapabilityStatement: what the server supports, never data",
    "fhir.read": "a resource by id, for a bearer token with system/<Type>.read",
    "fhir.search": "a search, for a bearer token with system/<Type>.read",
}
BEARER_URLS = {"fhir.read": "/fhir/R4/Patient/patient-{alice}",
               "fhir.search": "/fhir/R4/Observation?patient=patient-{alice}"}

# Signed-in pages without an object id: who may use them.
ROLE_PAGES: dict[str, set[str]] = {
    "main.patient_home": PATIENTS,
    "audit.access_log": PATIENTS,
    "patient_export.export": PATIENTS,
    "accounts.account": EVERYONE,
    "accounts.reauthenticate": EVERYONE,
    "accounts.oidc_link": EVERYONE,
    "accounts.change_password": EVERYONE,
    "accounts.change_email": EVERYONE,
    "accounts.cancel_email_change": EVERYONE,
    "drafts.show": EVERYONE,
    "drafts.discard": EVERYONE,
    "contact.edit": PATIENTS,
    "contact.required": PATIENTS,
    "accounts.resend_verification": PATIENTS,
    "accounts.new_recovery_codes": CLINICIANS,
    "accounts.admin_users": ADMINS,
    "accounts.admin_new_user": ADMINS,
    "erasure.ask": PATIENTS,
    "erasure.admin_requests": ADMINS,
    "caseload.index": THERAPISTS,
    "caseload.admin_patients": ADMINS,
    "screening.index": PATIENTS,
    "screening.start": PATIENTS,
    # A patient's own: Bob's is in progress; Alice has sent hers and is told so (Back after
    # sending used to give her a 404).
    "screening.confirm": PATIENTS,
    "screening.submit": PATIENTS,  # a repeat send goes to the result: one response stands
    "screening.result": PATIENTS,
    "screening.weekly": PATIENTS,
    "screening.support": PATIENTS,
    "screening.review_queue": CLINICIANS,
    "screening.alerts": CLINICIANS,
    "textmodel.status": ADMINS,
    "textmodel.load": ADMINS,
    "reports.outcomes_report": ADMINS,
    "fhir_admin.clients": ADMINS,
    "fhir_admin.new_client": ADMINS,
    # interop's receivers of referral messages (GP practices, psychiatry, municipalities).
    "referral_message.receivers": ADMINS,
    "referral_message.toggle_receiver": ADMINS,
    "programmes.index": PATIENTS,
    "programmes.exercises": PATIENTS,
    "programmes.diary": PATIENTS,
    "programmes.homework_queue": THERAPISTS,
    # A patient's own VR session only (an empty body is refused: 400 shows she got in).
    "programmes.vr_rate": PATIENTS,
    "programmes.vr_end": PATIENTS,
    "messaging.patient_thread": PATIENTS,
    "messaging.inbox": THERAPISTS,
    "video.appointments": PATIENTS | THERAPISTS,
    "video.new_appointment": THERAPISTS,
    "video.today_panel": THERAPISTS,
    "video.precall_test": PATIENTS | THERAPISTS,
    "video.echo": PATIENTS | THERAPISTS,
    # A patient's own safety plan (Alice has none here: the page says so, print redirects).
    "safety.mine": PATIENTS,
    "safety.add": PATIENTS,
    "safety.print_mine": PATIENTS,
    # Push reminders (app.push): a patient's own devices and channel.
    "push.subscribe": PATIENTS,
    "push.channel": PATIENTS,
}

# Pages about one of Alice's records: the URL arguments, and who may reach them.
OBJECT_PAGES: dict[str, tuple] = {
    "screening.followup_page": (lambda p: {"followup_id": p.alice_followup}, {"alice"}),
    "caseload.patient": (lambda p: {"patient_id": p.alice.id}, {"theo", "ada"}),
    "caseload.assign": (lambda p: {"patient_id": p.alice.id}, ADMINS),
    "accounts.admin_disable_user": (lambda p: {"user_id": p.alice.id}, ADMINS),
    "accounts.admin_enable_user": (lambda p: {"user_id": p.alice.id}, ADMINS),
    "accounts.admin_toggle_duty": (lambda p: {"user_id": p.una.id}, ADMINS),
    "fhir_admin.revoke": (lambda p: {"client_pk": p.fhir_client}, ADMINS),
    "erasure.admin_anonymise": (lambda p: {"request_id": p.eve_erasure}, ADMINS),
    "screening.page": (lambda p: {"page_id": "phq9"}, {"bob"}),
    "screening.review": (lambda p: {"screening_id": p.alice_screening}, {"theo", "ada"}),
    "screening.alert": (lambda p: {"alert_id": p.alice_alert}, {"theo", "ada"}),
    # Alice is enrolled in the depression programme; Bob is in none.
    "programmes.programme": (lambda p: {"slug": "depression"}, {"alice"}),
    "programmes.module": (lambda p: {"slug": "depression", "module_slug": "welcome"},
                          {"alice"}),
    "programmes.save_answer": (lambda p: {"slug": "depression", "module_slug": "welcome",
                                          "block_id": p.alice_block}, {"alice"}),
    "programmes.send_homework": (lambda p: {"slug": "depression", "module_slug": "welcome",
                                            "block_id": p.alice_homework_block}, {"alice"}),
    "programmes.complete": (lambda p: {"slug": "depression", "module_slug": "welcome"},
                            {"alice"}),
    "programmes.homework": (lambda p: {"submission_id": p.alice_submission}, {"theo", "ada"}),
    # VR exposure is in the anxiety programme, which no persona is in: 404 for everyone
    # here; tests/programmes/test_vr_api.py opens it for a patient.
    "programmes.vr_scene": (lambda p: {"slug": "anxiety", "module_slug": "exposure",
                                       "block_id": "vr-heights"}, set()),
    "programmes.vr_session": (lambda p: {"slug": "anxiety", "module_slug": "exposure",
                                         "block_id": "vr-heights"}, set()),
    # Only Alice's own therapist assigns her VR scenes (she has none in depression: the
    # page says so; tests/programmes/test_vr_care.py assigns them in anxiety).
    "programmes.vr_assign": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "programmes.vr_unassign": (lambda p: {"patient_id": p.alice.id, "scene": "heights"},
                               {"theo"}),
    # A finished VR session of Alice's: her therapist gives feedback; admins read it.
    "programmes.vr_feedback": (lambda p: {"session_id": p.alice_vr_session}, {"theo", "ada"}),
    "programmes.unlock": (lambda p: {"enrolment_id": p.alice_enrolment,
                                     "module_id": p.alice_locked_module}, {"theo"}),
    "messaging.therapist_thread": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "messaging.edit": (lambda p: {"message_id": p.alice_message}, {"alice", "theo"}),
    # Only Alice's own therapist changes her care; admins read the record but do not act.
    "caseload.add_note": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "caseload.change_step": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "caseload.referral": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    # The letter as a FHIR message (interop): Alice has no letter yet, so Theo is sent to
    # write one (302); tests/interop/test_referral_message.py sends and downloads one.
    "referral_message.download": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "referral_message.send": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "caseload.acknowledge_alert": (lambda p: {"alert_id": p.alice_clinical_alert},
                                   {"theo", "ada"}),
    # Alice has a video appointment with Theo whose room is open now.
    "video.appointment": (lambda p: {"appointment_id": p.alice_appointment}, {"alice", "theo"}),
    "video.reschedule": (lambda p: {"appointment_id": p.alice_appointment}, {"theo"}),
    "video.cancel": (lambda p: {"appointment_id": p.alice_appointment}, {"theo"}),
    "video.invitation": (lambda p: {"appointment_id": p.alice_appointment}, {"alice", "theo"}),
    "video.call": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.ice_servers": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.join": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.poll": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.signal": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.connected": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.hang_up": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.leave": (lambda p: {"room_id": p.alice_room}, {"alice", "theo"}),
    "video.admit": (lambda p: {"room_id": p.alice_room}, {"theo"}),
    # Alice's safety plan: her therapist drafts it; admins read it.
    "safety.plan": (lambda p: {"patient_id": p.alice.id}, {"theo", "ada"}),
    "safety.edit": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "safety.history": (lambda p: {"patient_id": p.alice.id}, {"theo", "ada"}),
    "safety.print_plan": (lambda p: {"patient_id": p.alice.id}, {"theo", "ada"}),
    "screening.log_contact_view": (lambda p: {"alert_id": p.alice_alert}, {"theo", "ada"}),
    # A device of Alice's that gets her push reminders: only she removes it.
    "push.remove": (lambda p: {"subscription_id": p.alice_push}, {"alice"}),
}

# JSON endpoints: the body sent (CSRF token in the X-CSRFToken header), and the answers
# that show an allowed user got past the access check. A made-up tab token gets 409
# ("replaced"); the echo gets 400 for a body that is not an SDP offer.
STALE_TAB = {"session": "not-a-real-tab", "after": 0, "version": 0, "wait": 0}
JSON_BODIES: dict[str, tuple[dict, set[int]]] = {
    "video.echo": ({"type": "offer", "sdp": "not an sdp"}, {400}),
    "video.join": ({}, {200}),
    "video.poll": (STALE_TAB, {409}),
    "video.signal": ({"session": "not-a-real-tab", "to": "x", "message": {"type": "bye"}},
                     {409}),
    "video.connected": (STALE_TAB, {409}),
    "video.hang_up": (STALE_TAB, {409}),
    "video.admit": (STALE_TAB, {409}),
    "video.leave": (STALE_TAB, {200}),
    # Push is off in the tests (no VAPID keys): an allowed patient is told so.
    "push.subscribe": ({}, {409}),
    "programmes.vr_rate": ({"session": 0, "level": 0, "phase": "before", "suds": 0,
                            "at": None}, {400}),
    "programmes.vr_end": ({"session": 0}, {400}),
}

ROLES = ["anonymous", *sorted(EVERYONE)]


def _endpoints(tmp_path) -> set[str]:
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def test_it_classifies_every_route(tmp_path):
    classified = PUBLIC | set(ROLE_PAGES) | set(OBJECT_PAGES) | set(TOKEN_ROUTES)
    unclassified = _endpoints(tmp_path) - classified
    assert not unclassified, f"add these routes to the access matrix: {sorted(unclassified)}"


def test_it_lists_no_route_that_does_not_exist(tmp_path):
    stale = (set(ROLE_PAGES) | set(OBJECT_PAGES) | PUBLIC | set(TOKEN_ROUTES)) - _endpoints(
        tmp_path)
    assert not stale, f"remove these from the access matrix: {sorted(stale)}"


def _request(app, client, personas, endpoint: str, role: str, url_args: dict):
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **url_args)
    if role != "anonymous":
        sign_in(app, client, getattr(personas, role))
    methods = next(r.methods for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    if "GET" in methods:
        return client.get(url)
    token = csrf_token(client, "/account" if role != "anonymous" else "/login")
    if endpoint in JSON_BODIES:
        return client.post(url, json=JSON_BODIES[endpoint][0], headers={"X-CSRFToken": token})
    return client.post(url, data={"csrf_token": token})


def _expect(response, role: str, allowed: set[str], endpoint: str = "") -> None:
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.location
    elif role in allowed:
        # 422: allowed in, but the empty form the matrix sends was (rightly) refused.
        ok = JSON_BODIES[endpoint][1] if endpoint in JSON_BODIES else (200, 302, 422)
        assert response.status_code in ok, response.status_code
        assert "/login" not in (response.location or "")
    else:
        assert response.status_code == 404



@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROLE_PAGES))
def test_it_enforces_role_pages(app, client, screened, endpoint, role):
    response = _request(app, client, screened, endpoint, role, {})
    _expect(response, role, ROLE_PAGES[endpoint], endpoint)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(OBJECT_PAGES))
def test_it_scopes_object_pages_to_their_owner(app, client, screened, endpoint, role):
    make_args, allowed = OBJECT_PAGES[endpoint]
    response = _request(app, client, screened, endpoint, role, make_args(screened))
    _expect(response, role, allowed, endpoint)


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("endpoint", sorted(OBJECT_PAGES))
def test_it_answers_404_for_records_that_do_not_exist(app, client, screened, endpoint, role):
    make_args, _allowed = OBJECT_PAGES[endpoint]
    missing = {name: 987654 if isinstance(value, int) else "nothing"
               for name, value in make_args(screened).items()}
    assert _request(app, client, screened, endpoint, role, missing).status_code == 404


@pytest.mark.parametrize("endpoint", sorted(PUBLIC - {"static", "programmes.static", "video.static",
                                                         "safety.static", "accounts.logout",
                                                         "accounts.set_language"}))
def test_it_serves_public_pages_without_signing_in(client, endpoint, app):
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **TOKEN_LINKS.get(endpoint, {}))
    assert client.get(url).status_code in (200, 302)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(BEARER_URLS))
def test_it_gives_a_session_no_access_to_the_fhir_api(app, client, screened, endpoint, role):
    if role != "anonymous":
        sign_in(app, client, getattr(screened, role))
    response = client.get(BEARER_URLS[endpoint].format(alice=screened.alice.id))
    assert response.status_code == 401
    assert response.mimetype == "application/fhir+json"


def test_it_takes_a_token_request_without_a_csrf_token(client):
    # Not a browser form: the answer is OAuth's, not the CSRF error page.
    response = client.post("/fhir/auth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_it_serves_the_capability_statement_to_anyone(client):
    assert client.get("/fhir/R4/metadata").status_code == 200
