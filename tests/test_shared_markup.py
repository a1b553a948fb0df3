"""Shared helpers that replaced repeated code (issue 11) render what the repeated code did.

``post_button`` (``_forms.html``) is compared, as parsed HTML, with the hand-written forms
it replaced; the admin pages that use it are checked for each action's form; the message
box partial, the shared email field and ``recovery.keep_link`` for what their users see.
"""

# ruff: noqa: E501 (the hand-written forms are quoted as they stood, one line each)
from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString
from flask import render_template_string
from flask_wtf import FlaskForm

from app.accounts import recovery
from app.accounts.models import User
from app.db import db, utcnow
from app.erasure import operations as erasure
from interop.api.models import FhirClient
from interop.referral.models import FhirReceiver
from tests.helpers import parsed, post_form, sign_in


def canonical(html: str) -> list[str]:
    """Parsed HTML as lines: tags with sorted attributes (class as a set of tokens) and
    text with its white space folded; white space between tags and comments dropped."""

    def walk(node, depth: int) -> list[str]:
        lines: list[str] = []
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                text = re.sub(r"\s+", " ", str(child)).strip()
                lines += [f"{'  ' * depth}{text!r}"] if text else []
                continue
            attrs = {k: " ".join(sorted(v)) if isinstance(v, list) else v
                     for k, v in child.attrs.items()}
            lines.append(f"{'  ' * depth}<{child.name} {sorted(attrs.items())}>")
            lines += walk(child, depth + 1)
        return lines

    return walk(BeautifulSoup(html, "html.parser"), 0)


MACRO = '{% from "_forms.html" import post_button %}'

# The hand-written cells post_button replaced (as they stood before it), and its calls.
CASES = [
    (  # a danger button that names its row for screen readers (record systems, erasure)
        """<form method="post" action="/x/1/revoke">
          {{ form.csrf_token }}
          <button type="submit" class="button button-small button-danger">{{ "Revoke" }}<span class="visually-hidden">: {{ who }}</span></button>
        </form>""",
        """{{ post_button("/x/1/revoke", "Revoke", form, "button-danger", name=who) }}""",
    ),
    (  # a class chosen by state, no name (staff and patients: enable)
        """<form method="post" action="/admin/users/3/enable">
          {{ form.csrf_token }}
          <button type="submit" class="button button-small {{ '' if not active else 'button-danger' }}">{{ "Enable" }}</button>
        </form>""",
        """{{ post_button("/admin/users/3/enable", "Enable", form, '' if not active else 'button-danger') }}""",
    ),
    (  # a hidden field (receivers)
        """<form method="post" action="/admin/fhir-receivers/active">
          {{ form.csrf_token }}
          <input type="hidden" name="receiver" value="7">
          <button type="submit" class="button button-small {{ 'button-danger' if active else '' }}">{{ "Deactivate" }}<span class="visually-hidden">: {{ who }}</span></button>
        </form>""",
        """{{ post_button("/admin/fhir-receivers/active", "Deactivate", form, 'button-danger' if active else '', name=who, fields={'receiver': 7}) }}""",
    ),
    (  # what a call block holds stands before the button (staff: on duty)
        """<form method="post" action="/admin/users/3/duty">
          {{ form.csrf_token }}
          <span class="duty-state">On duty</span>
          <button type="submit" class="button button-small button-secondary">{{ "Take off duty" }}<span class="visually-hidden">: {{ who }}</span></button>
        </form>""",
        """{% call post_button("/admin/users/3/duty", "Take off duty", form, 'button-secondary', name=who) %}
          <span class="duty-state">On duty</span>
        {% endcall %}""",
    ),
]


def test_it_renders_post_button_as_the_hand_written_forms_it_replaced(app):
    with app.test_request_context():
        form = FlaskForm()
        for active in (True, False):
            for by_hand, with_macro in CASES:
                values = {"form": form, "who": "Region <A>", "active": active}
                expected = canonical(render_template_string(by_hand, **values))
                assert canonical(render_template_string(MACRO + with_macro, **values)) == expected
                assert "('name', 'csrf_token')" in expected[1]


# A page's form as it stood by hand before post_form, and its call (with and without action).
POST_FORMS = [
    (
        """{{ error_summary(form) }}
        <form method="post" novalidate>
          {{ form.csrf_token }}
          {{ field(form.name) }}
          <button type="submit" class="button">{{ "Continue" }}</button>
        </form>""",
        """{% call post_form(form, "Continue") %}
          {{ field(form.name) }}
        {% endcall %}""",
    ),
    (
        """{{ error_summary(form) }}
        <form method="post" action="{{ url }}" novalidate>
          {{ form.csrf_token }}
          {{ field(form.name) }}
          <p>{{ "Between" }}</p>
          <button type="submit" class="button">{{ "Save <now>" }}</button>
        </form>""",
        """{% call post_form(form, "Save <now>", action=url) %}
          {{ field(form.name) }}
          <p>{{ "Between" }}</p>
        {% endcall %}""",
    ),
]


def test_it_renders_post_form_as_the_hand_written_forms_it_replaced(app):
    from wtforms import StringField
    from wtforms.validators import InputRequired

    class NameForm(FlaskForm):
        name = StringField("Name", validators=[InputRequired("Enter a name.")])

    imports = '{% from "_forms.html" import field, error_summary, post_form %}'
    with app.test_request_context(method="POST", data={}):
        for check in (False, True):  # without errors, then with the error summary
            form = NameForm()
            if check:
                form.validate()
            values = {"form": form, "url": "/x?a=1&b=<2>"}
            for by_hand, with_macro in POST_FORMS:
                expected = canonical(render_template_string(imports + by_hand, **values))
                assert canonical(render_template_string(imports + with_macro, **values)) == expected
                assert any("error-summary" in line for line in expected) == check


def _action_forms(page) -> dict[str, tuple[list[str], str, str | None]]:
    """Each POST form of the page's table: action -> (button classes, label, hidden name)."""
    found = {}
    for form in parsed(page).select("table form[method=post]"):
        assert form.select_one('input[type=hidden][name="csrf_token"]')["value"]
        button = form.select_one("button[type=submit]")
        hidden = button.select_one(".visually-hidden")
        name = hidden.extract().get_text() if hidden else None
        found[form["action"]] = (sorted(button["class"]), button.get_text(strip=True), name)
    return found


def test_it_shows_each_admin_tables_actions_as_before(app, client, personas):
    with app.app_context():
        db.session.add_all([
            FhirClient(name="Region A", client_id="abc", public_key="k",
                       scopes="system/Observation.read"),
            FhirClient(name="Region B", client_id="def", public_key="k",
                       scopes="system/Patient.read", revoked_at=utcnow()),
            FhirReceiver(name="GP One", kind="gp", endpoint="https://gp.example/fhir",
                         active=True),
        ])
        erasure.request_erasure(db.session.get(User, personas.bob.id))
        db.session.get(User, personas.una.id).on_duty = True
        db.session.commit()
        region_a = db.session.execute(db.select(FhirClient.id).filter_by(client_id="abc"))
        region_a_id = region_a.scalar_one()
    sign_in(app, client, personas.ada)
    small, danger = ["button", "button-small"], ["button", "button-danger", "button-small"]
    assert _action_forms(client.get("/admin/record-systems/")) == {
        f"/admin/record-systems/{region_a_id}/revoke": (danger, "Revoke", ": Region A")}
    [anonymise] = _action_forms(client.get("/admin/erasure-requests")).items()
    assert anonymise[1] == (danger, "Anonymise now", ": Bob Berg")
    receivers = parsed(client.get("/admin/fhir-receivers"))
    assert receivers.select_one('table form input[name="receiver"]')["value"] == "1"
    assert _action_forms(client.get("/admin/fhir-receivers")) == {
        "/admin/fhir-receivers/active": (danger, "Deactivate", ": GP One")}
    staff = _action_forms(client.get("/admin/users"))
    assert staff[f"/admin/users/{personas.una.id}/duty"] == (
        ["button", "button-secondary", "button-small"], "Take off duty", ": Una Ulriksen")
    assert staff[f"/admin/users/{personas.theo.id}/disable"] == (danger, "Disable", None)
    assert f"/admin/users/{personas.ada.id}/disable" not in staff  # never oneself
    patients = _action_forms(client.get("/admin/patients"))
    assert patients[f"/admin/users/{personas.bob.id}/enable"] == (small, "Enable", None)
    assert patients[f"/admin/users/{personas.alice.id}/disable"] == (danger, "Disable", None)


def test_it_keeps_the_message_box_of_both_threads(app, client, personas):
    for who, url, heading in [
        (personas.alice, "/messages", "Write a message"),
        (personas.theo, f"/patients/{personas.alice.id}/messages", "Reply"),
    ]:
        sign_in(app, client, who)
        box = parsed(client.get(url)).select_one("section.card:has(textarea#body)")
        assert box.h2.get_text() == heading
        assert box.select_one('form[method=post] input[name="csrf_token"]')
        assert box.select_one("form button[type=submit]").get_text() == "Send"


def test_it_asks_for_the_email_address_on_both_forms_as_before(app, client, personas):
    page = parsed(post_form(client, "/password/forgot", {"email": ""}))
    assert page.select_one("label[for=email]").get_text() == "Email"
    assert page.select_one("#email-error").get_text(strip=True) == (
        "Enter the email address you sign in with.")
    sign_in(app, client, personas.alice)
    page = parsed(post_form(client, "/account/email", {"email": "nonsense"}))
    assert page.select_one("label[for=email]").get_text() == "New email address"
    assert page.select_one("#email-error").get_text(strip=True) == (
        "Enter a valid email address, like name@example.dk.")
    page = parsed(post_form(client, "/account/email", {"email": ""}))
    assert page.select_one("#email-error").get_text(strip=True) == (
        "Enter your new email address.")


def test_it_keeps_every_links_token_in_the_session_cut_to_length(client):
    too_long = "t" * (recovery.MAX_TOKEN_LENGTH + 50)
    for link, page, key in [("/password/reset/", "/password/reset", "reset_link"),
                            ("/email/verify/", "/email/verify", "verify_link"),
                            ("/email/change/", "/email/change", "change_link")]:
        opened = client.get(link + too_long)
        assert opened.status_code == 302 and urlsplit(opened.location).path == page
        with client.session_transaction() as session:
            assert session[key] == too_long[: recovery.MAX_TOKEN_LENGTH + 1]


def test_it_names_a_titled_page_in_the_tab_and_the_heading_as_before(client):
    page = parsed(client.get("/password/forgot"))
    assert page.title.get_text(strip=True) == "Forgot your password? · Stepcare"
    assert page.select_one("main div.narrow.card > h1").get_text() == "Forgot your password?"
