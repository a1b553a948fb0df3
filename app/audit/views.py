from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts.models import Role, User
from app.audit.models import Action, AuditEvent
from app.audit.operations import record
from app.db import db
from app.security import patient_data, roles_required

bp = Blueprint("audit", __name__)

ACCESS_LOG_LIMIT = 200


@bp.route("/account/access-log")
@roles_required(Role.PATIENT)
@patient_data
def access_log():
    """The patient's own "Min Log": who has looked at or changed their records."""
    rows = db.session.execute(
        db.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.patient_id == current_user.id)
        .order_by(AuditEvent.id.desc())
        .limit(ACCESS_LOG_LIMIT)
    ).all()
    record(Action.READ, "access_log", current_user.id, patient_id=current_user.id)
    return render_template("audit/access_log.html", rows=rows, limit=ACCESS_LOG_LIMIT)
