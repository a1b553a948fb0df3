"""A small domain that exists only for the tests: proof that a domain is added by creating
its package and listing it in ``create_app``, with no edit to the core.

It contributes what a real domain does: a setting, a page, a menu entry, a panel on the
patient's home page, and a fact with its own column on the therapist's caseload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, render_template

from app import config, signals
from app.accounts.models import Role, User
from app.html import html
from app.security import roles_required

DEFAULTS: dict[str, Any] = {"EXAMPLE_GREETING": "Welcome to the garden"}
config.register(DEFAULTS)

bp = Blueprint("example_domain", __name__, template_folder="templates")


@bp.route("/garden")
@roles_required(Role.PATIENT, Role.THERAPIST)
def garden():
    return render_template("example_domain/garden.html",
                           greeting=current_app.config["EXAMPLE_GREETING"])


def nav(user: User) -> list[signals.NavEntry]:
    return [signals.NavEntry(35, "Garden", "example_domain.garden", badge=2)]


def home_panel(patient: User) -> signals.Panel:
    return signals.Panel(order=50, template="example_domain/_home_panel.html",
                         context={"plants": 3})


@dataclass(frozen=True)
class GardenFacts(signals.PatientFacts):
    plants_watered: int = 0


def facts(sender: User, *, patient_ids: list[int], **_kwargs: Any) -> signals.CaseloadFacts:
    # A real domain reads its tables here, for all the patients at once.
    return signals.CaseloadFacts(GardenFacts, {pid: GardenFacts(pid % 7) for pid in patient_ids})


def columns(sender: User) -> list[signals.CaseloadColumn]:
    return [signals.CaseloadColumn("garden", 650, _garden_cell, header="Garden",
                                   strings={"garden_unit": "plants"})]


def _garden_cell(row: Any, t: Mapping[str, Any]) -> str:
    return html('<span class="garden-cell">%s %s</span>', row.facts.plants_watered,
                t["garden_unit"])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    signals.nav_entries.connect(nav)
    signals.home_panels.connect(home_panel)
    signals.caseload_facts.connect(facts)
    signals.caseload_columns.connect(columns)



