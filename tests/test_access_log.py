"""Finding 10: the patient's access log pages, filters, groups and speaks her language."""

from bs4 import BeautifulSoup

from app.audit.models import Action
from app.audit.operations import record, record_many
from app.audit.views import PER_PAGE
from app.db import db
from tests.helpers import sign_in


def write_rows(app, actor, patient_id, action, resource_type, times=1):
    """Rows as a view signed in as ``actor`` would write them."""
    with app.test_request_context():
        from flask_login import login_user

        login_user(actor)
        for _ in range(times):
            record(action, resource_type, patient_id, patient_id=patient_id)
        db.session.commit()


def log_rows(client, query=""):
    page = client.get(f"/account/access-log{query}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in soup.select("#access-log tbody tr")], soup


def test_it_pages_beyond_one_page(app, client, personas):
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "patient", PER_PAGE + 5)
    sign_in(app, client, personas.alice)
    first, soup = log_rows(client)
    second, _ = log_rows(client, "?page=2")
    assert len(first) == PER_PAGE and len(second) == 5
    assert soup.find("a", rel="next")


def test_it_shows_only_others_by_default(app, client, personas):
    write_rows(app, personas.alice, personas.alice.id, Action.UPDATE, "mood_entry", 3)
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "patient")
    sign_in(app, client, personas.alice)
    rows, _ = log_rows(client)
    assert [r[1] for r in rows] == ["Theo Thomsen (therapist)"]


def test_it_shows_her_own_actions_when_asked(app, client, personas):
    write_rows(app, personas.alice, personas.alice.id, Action.UPDATE, "mood_entry")
    sign_in(app, client, personas.alice)
    rows, _ = log_rows(client, "?show=all")
    assert "You" in [r[1] for r in rows]


def test_it_groups_a_days_list_views_of_one_viewer(app, client, personas):
    with app.test_request_context():
        from flask_login import login_user

        login_user(personas.theo)
        for _ in range(4):
            record_many(Action.READ, "caseload_row", [(personas.alice.id, personas.alice.id)])
        db.session.commit()
    sign_in(app, client, personas.alice)
    rows, _ = log_rows(client)
    assert len(rows) == 1 and "4 times that day" in rows[0][2]


def test_it_keeps_single_record_views_apart(app, client, personas):
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "patient", 2)
    sign_in(app, client, personas.alice)
    rows, _ = log_rows(client)
    assert len(rows) == 2


def test_it_names_resources_in_plain_words(app, client, personas):
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "video_ice_servers")
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "caseload_row")
    sign_in(app, client, personas.alice)
    rows, _ = log_rows(client)
    names = {r[3] for r in rows}
    assert names == {"connection details for a video call", "the therapist's list of patients"}


def test_it_names_resources_in_danish(app, client, personas):
    write_rows(app, personas.theo, personas.alice.id, Action.READ, "video_ice_servers")
    sign_in(app, client, personas.alice)
    with app.app_context():
        from app.accounts.models import User

        db.session.get(User, personas.alice.id).language = "da"
        db.session.commit()
    rows, _ = log_rows(client)
    assert rows[0][3] == "forbindelsesoplysninger til et videoopkald"


def test_it_treats_a_nonsense_page_as_the_first(app, client, personas):
    sign_in(app, client, personas.alice)
    for query in ("?page=abc", "?page=-3", f"?page={2**70}"):
        assert client.get(f"/account/access-log{query}").status_code == 200
