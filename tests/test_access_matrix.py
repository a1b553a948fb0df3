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
    "accounts.login",
    "accounts.logout",
    "accounts.register",
    "accounts.mfa_verify",
    "accounts.mfa_recovery",
    "accounts.mfa_setup",
    "accounts.set_language",
}

# Signed-in pages without an object id: who may use them.
ROLE_PAGES: dict[str, set[str]] = {
    "main.patient_home": PATIENTS,
    "audit.access_log": PATIENTS,
    "accounts.account": EVERYONE,
    "accounts.reauthenticate": EVERYONE,
    "accounts.change_password": EVERYONE,
    "contact.edit": PATIENTS,
    "contact.required": PATIENTS,
    "accounts.new_recovery_codes": CLINICIANS,
    "accounts.admin_users": ADMINS,
    "accounts.admin_new_user": ADMINS,
    "caseload.index": THERAPISTS,
    "caseload.admin_patients": ADMINS,
    "screening.index": PATIENTS,
    "screening.start": PATIENTS,
    # A patient's own, while a screening is in progress (Bob's is; Alice has sent hers).
    "screening.confirm": {"bob"},
    "screening.submit": PATIENTS,  # a repeat send goes to the result: one response stands
    "screening.result": PATIENTS,
    "screening.weekly": PATIENTS,
    "screening.support": PATIENTS,
    "screening.review_queue": CLINICIANS,
    "screening.alerts": CLINICIANS,
    "textmodel.status": ADMINS,
    "textmodel.load": ADMINS,
    "reports.outcomes_report": ADMINS,
    "programmes.index": PATIENTS,
    "programmes.exercises": PATIENTS,
    "programmes.diary": PATIENTS,
    "programmes.homework_queue": THERAPISTS,
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
}

# Pages about one of Alice's records: the URL arguments, and who may reach them.
OBJECT_PAGES: dict[str, tuple] = {
    "caseload.patient": (lambda p: {"patient_id": p.alice.id}, {"theo", "ada"}),
    "caseload.assign": (lambda p: {"patient_id": p.alice.id}, ADMINS),
    "accounts.admin_disable_user": (lambda p: {"user_id": p.alice.id}, ADMINS),
    "accounts.admin_enable_user": (lambda p: {"user_id": p.alice.id}, ADMINS),
    "accounts.admin_toggle_duty": (lambda p: {"user_id": p.una.id}, ADMINS),
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
    "programmes.unlock": (lambda p: {"enrolment_id": p.alice_enrolment,
                                     "module_id": p.alice_locked_module}, {"theo"}),
    "messaging.therapist_thread": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "messaging.edit": (lambda p: {"message_id": p.alice_message}, {"alice", "theo"}),
    # Only Alice's own therapist changes her care; admins read the record but do not act.
    "caseload.add_note": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "caseload.change_step": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
    "caseload.referral": (lambda p: {"patient_id": p.alice.id}, {"theo"}),
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
}

ROLES = ["anonymous", *sorted(EVERYONE)]


def _endpoints(tmp_path) -> set[str]:
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def test_it_classifies_every_route(tmp_path):
    classified = PUBLIC | set(ROLE_PAGES) | set(OBJECT_PAGES)
    unclassified = _endpoints(tmp_path) - classified
    assert not unclassified, f"add these routes to the access matrix: {sorted(unclassified)}"


def test_it_lists_no_route_that_does_not_exist(tmp_path):
    stale = (set(ROLE_PAGES) | set(OBJECT_PAGES) | PUBLIC) - _endpoints(tmp_path)
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

        url = url_for(endpoint)
    assert client.get(url).status_code in (200, 302)
