"""The therapist sees the patient's VR sessions on the record: SUDS curve and table."""

from app.accounts.models import User
from app.db import db
from programmes import operations, vr
from programmes.models import Enrolment
from tests.helpers import audited_lines, parsed, sign_in
from tests.programmes.vr_support import open_exposure

CURVE = [("before", 0, 30), ("during", 1, 45), ("during", 2, 65), ("during", 3, 50),
         ("after", 3, 25)]


def a_session(app, personas) -> int:
    with app.app_context():
        enrolment = db.session.get(Enrolment, open_exposure(personas.alice.id, personas.theo.id))
        module = next(m for m in enrolment.programme.current_modules if m.slug == "exposure")
        block = operations.block_of(module, "vr-heights", "en")
        patient = db.session.get(User, personas.alice.id)
        session = vr.open_session(patient, enrolment, module, block)
        for phase, level, suds in CURVE:
            vr.rate(session, level=level, phase=phase, suds=suds, at=None, levels=5)
        vr.end_session(session)
        db.session.commit()
        return session.id


def test_it_shows_each_sessions_suds_curve_and_highest_level(app, client, personas):
    session_id = a_session(app, personas)
    sign_in(app, client, personas.theo)
    page = parsed(client.get(f"/patients/{personas.alice.id}"))
    panel = page.select_one("section.vr-record")
    assert panel is not None
    assert "Highest level reached: 3 of 5" in panel.get_text(" ", strip=True)
    chart = panel.select_one("svg.chart")
    assert len(chart.select("circle")) == len(CURVE) and chart.select_one("polyline")
    cells = [row.select("td")[-1].get_text(strip=True) for row in panel.select("tbody tr")]
    assert cells == [str(suds) for _phase, _level, suds in CURVE]
    with app.app_context():
        reads = audited_lines("vr_session", action="R")
        assert str(session_id) in [line.resource_id for line in reads]


def test_it_leaves_the_panel_out_for_a_patient_without_vr_scenes(app, client, personas):
    from tests.conftest import enrol

    with app.app_context():
        enrol(personas.alice.id, "depression", personas.theo.id)
    sign_in(app, client, personas.theo)
    page = parsed(client.get(f"/patients/{personas.alice.id}"))
    assert page.select_one("section.vr-record") is None


def test_it_reads_the_enrolments_once_for_the_records_panels(app, client, personas):
    from sqlalchemy import event

    a_session(app, personas)
    sign_in(app, client, personas.theo)
    with app.app_context():
        engine = db.engine
    reads = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith("SELECT") and "FROM enrolment" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = parsed(client.get(f"/patients/{personas.alice.id}"))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.select_one("section.vr-record form")  # the assign form, with its scenes
    assert len(reads) == 1
