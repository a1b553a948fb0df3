"""The therapist sees the patient's VR sessions on the record: SUDS curve and table."""

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.db import db
from programmes import operations, vr
from programmes.models import Enrolment
from tests.helpers import parsed, sign_in
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
        reads = db.session.execute(db.select(AuditEvent).where(
            AuditEvent.resource_type == "vr_session", AuditEvent.action == "R",
            AuditEvent.resource_id == str(session_id))).scalars().all()
        assert reads


def test_it_leaves_the_panel_out_for_a_patient_without_vr_scenes(app, client, personas):
    from tests.conftest import enrol

    with app.app_context():
        enrol(personas.alice.id, "depression", personas.theo.id)
    sign_in(app, client, personas.theo)
    page = parsed(client.get(f"/patients/{personas.alice.id}"))
    assert page.select_one("section.vr-record") is None
