"""The research export leaves out patients who opted out or asked for erasure."""

from __future__ import annotations

from app.accounts.models import User
from app.db import db
from app.erasure import operations
from reporting.research_export import patients_to_export
from tests.helpers import parsed, post_form, sign_in


def _exported(app) -> list[int]:
    with app.app_context():
        return patients_to_export()


def test_it_includes_a_patient_by_default(app, screened):
    assert screened.alice.id in _exported(app)


def test_it_leaves_out_a_patient_who_opted_out_on_her_account_page(app, client, screened):
    sign_in(app, client, screened.alice)
    box = parsed(client.get("/account")).select_one('input[name="research"]')
    assert box is not None and box.has_attr("checked")
    response = post_form(client, "/account", {"name": "Alice Andersen", "language": "en",
                                              "reminders": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, screened.alice.id).research_opt_out is True
    assert screened.alice.id not in _exported(app)


def test_it_leaves_out_a_patient_who_asked_for_erasure(app, screened):
    with app.app_context():
        operations.request_erasure(db.session.get(User, screened.alice.id))
        db.session.commit()
    assert screened.alice.id not in _exported(app)


def test_it_shows_no_research_setting_to_staff(app, client, personas):
    sign_in(app, client, personas.theo)
    assert parsed(client.get("/account")).select_one('input[name="research"]') is None
