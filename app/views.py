"""Pages that belong to no single domain: the front page, the patient's home, health."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, current_app, jsonify, redirect, render_template
from flask_babel import get_locale
from flask_login import current_user
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.models import Role
from app.accounts.views import home_url, terms_for
from app.caseload.operations import current_assignment
from app.db import db
from app.openapi import operation
from app.security import patient_data, roles_required
from app.signals import home_panels, sorted_panels

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return render_template("main/index.html")


@bp.route("/home")
@roles_required(Role.PATIENT)
@patient_data
def patient_home():
    assignment = current_assignment(current_user)
    return render_template(
        "main/patient_home.html", therapist=assignment.therapist if assignment else None,
        panels=sorted_panels(home_panels, current_user)
    )


@bp.route("/terms")
def terms():
    return render_template("main/terms.html", terms=terms_for(str(get_locale())))


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "unreachable"]


@bp.route("/healthz")
@operation("Whether the app and its database take a write (for load balancers).", public=True,
           responses={200: (Health, "Healthy."), 503: (Health, "The database is unreachable "
                                                                 "or read-only.")})
def healthz():
    """Tell the truth on every poll: the database must take a write, not only a read.

    The probe rewrites the migration marker to its own value and rolls back, so it leaves
    nothing behind; a read-only or full disk fails it where ``SELECT 1`` would pass.
    """
    try:
        db.session.execute(db.text("UPDATE alembic_version SET version_num = version_num"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable or read-only")
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    db.session.rollback()
    return jsonify(status="ok", database="ok")
