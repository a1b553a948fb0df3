"""Reports for administrators: the clinic's outcomes, and the de-identified research export.

``GET /admin/outcomes?start=YYYY-MM-DD&end=YYYY-MM-DD`` shows aggregated NHS Talking
Therapies figures (no patient is named, so it writes one audit row, not one per patient).
``flask --app app research-export OUT.db --recipient R --purpose P`` writes the export.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from app.accounts.models import Role
from app.audit.models import Action
from app.audit.operations import record
from app.db import db
from app.security import roles_required
from reporting import outcomes, outcomes_query
from screening.steps import STEP_NAMES

# cli_group=None: the export is `flask research-export`, not `flask reports research-export`.
bp = Blueprint("reports", __name__, cli_group=None, template_folder="templates")

RANGE_PROBLEMS = {
    "malformed": _l("Enter the date as YYYY-MM-DD, for example 2026-01-31."),
    "out_of_bounds": _l("Enter a date between %(first)d and %(last)d.",
                        first=outcomes.EARLIEST_YEAR, last=outcomes.LATEST_YEAR),
    "end_before_start": _l("The end date must be on or after the start date."),
    "too_long": _l("Choose a range shorter than %(years)d years.",
                   years=outcomes.MAX_RANGE_YEARS),
}


class OutcomesRangeForm(FlaskForm):
    """Read from the query string: dates are no personal data, and GET changes nothing."""

    class Meta:
        csrf = False

    start = StringField(_l("From"), render_kw={"type": "date"},
                        description=_l("The first day, included."))
    end = StringField(_l("To"), render_kw={"type": "date"},
                      description=_l("The last day, included."))


@bp.route("/admin/outcomes")
@roles_required(Role.ADMIN)
def outcomes_report():
    form = OutcomesRangeForm(request.args)
    zone = current_app.config["TIMEZONE"]
    report = names = None
    try:
        start, end = outcomes.parse_range(form.start.data, form.end.data,
                                          outcomes_query.today_in(zone))
    except outcomes.RangeError as problem:
        form[problem.field].errors = [str(RANGE_PROBLEMS[problem.problem])]
    else:
        form.start.data, form.end.data = start.isoformat(), end.isoformat()
        report, names = outcomes_query.clinic_report(start, end, zone)
        record(Action.READ, "outcomes_report", None, patient_id=None)
    therapists = []
    if report is not None:
        therapists = sorted(
            ((names.get(key, "") if key is not None else None, figures)
             for key, figures in report.by_therapist.items()),
            key=lambda pair: (pair[0] is None, pair[0] or ""),
        )
    return render_template(
        "reports/outcomes.html", form=form, report=report, therapists=therapists,
        step_names=STEP_NAMES, target=outcomes.NATIONAL_RECOVERY_TARGET,
        min_contacts=outcomes.MIN_TREATMENT_CONTACTS,
    )


@bp.cli.command("research-export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--recipient", required=True, help="Who receives the export (a disclosure).")
@click.option("--purpose", required=True, help="Why: the study or approval it is for.")
def research_export_command(out: Path, recipient: str, purpose: str) -> None:
    """Write a de-identified SQLite file for research (open it with Datasette)."""
    from reporting import research_export

    if out.exists():
        raise click.BadParameter(f"{out} exists; choose a new file", param_hint="OUT")
    recipient, purpose = recipient.strip(), purpose.strip()
    if not recipient or not purpose:
        raise click.UsageError("--recipient and --purpose must not be empty")
    patient_ids = research_export.patients_to_export()
    with click.progressbar(length=len(patient_ids), label="Exporting patients") as bar:
        summary = research_export.export(out, patient_ids, recipient=recipient,
                                         purpose=purpose, progress=bar.update)
    db.session.commit()
    click.echo(f"Wrote {summary.patient_count} patients to {out} "
               f"(disclosure {summary.disclosure_id}).")
