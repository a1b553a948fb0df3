"""Command-line tools: ``flask --app app <command>``."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app import hazards
from app.accounts import operations, passwords
from app.accounts.models import Role
from app.audit.operations import head, holds_anchor, verify_chain
from app.backup.cli import backup_command, restore_command
from app.db import db

audit_cli = AppGroup("audit", help="Check the audit trail.")
safety_cli = AppGroup("safety", help="The clinical hazard log.")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True)
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True)
def create_user_command(email: str, password: str, role: str, name: str, language: str) -> None:
    """Create a therapist, admin or patient account."""
    problems = passwords.policy_problems(password, email=email)
    if problems:
        raise click.BadParameter(" ".join(str(p) for p in problems), param_hint="--password")
    try:
        user = operations.create_user(
            email=email, password=password, role=Role(role), name=name, language=language
        )
    except operations.EmailTaken:
        raise click.BadParameter(
            f"an account with {email} already exists", param_hint="--email"
        ) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if user.role_enum.is_clinician:
        click.echo("They will set up two-step login (TOTP) the first time they sign in.")


def _parse_anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    count, _sep, digest = value.partition(":")
    if not count.isascii() or not count.isdigit() or len(digest) != 64:
        raise click.BadParameter("expected COUNT:HASH, as printed by `flask audit anchor`",
                                 param_hint="--anchor")
    return int(count), digest.lower()


@audit_cli.command("verify")
@click.option("--anchor", metavar="COUNT:HASH",
              help="A head printed earlier by `flask audit anchor`: the trail must still hold it.")
def audit_verify_command(anchor: str | None) -> None:
    """Check the hash chain; name the first broken link."""
    expected = _parse_anchor(anchor)
    count, broken = verify_chain()
    if broken is not None:
        row_id, why = broken
        raise click.ClickException(f"Audit trail broken at row {row_id}: {why}.")
    if expected is not None:
        if count < expected[0]:
            raise click.ClickException(
                f"Audit trail cut short: it holds {count} rows, the anchor saw {expected[0]}.")
        if not holds_anchor(*expected):
            raise click.ClickException(
                f"Audit trail rewritten: row number {expected[0]} no longer has the anchored hash.")
        click.echo(f"Audit trail intact: {count} rows checked; it still holds the anchor "
                   f"{expected[0]}:{expected[1]}.")
        return
    click.echo(f"Audit trail intact: {count} rows checked.")


@audit_cli.command("anchor")
def audit_anchor_command() -> None:
    """Print the trail's head as COUNT:HASH, to keep in a log outside this database."""
    count, digest = head()
    click.echo(f"{count}:{digest}")


@safety_cli.command("report")
@click.option("--run/--no-run", default=True, show_default=True,
              help="Run the tests that prove the controls (needs the source tree and pytest).")
@click.option("--junit", "junit", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the results from this pytest --junitxml report instead of running.")
def safety_report_command(run: bool, junit: Path | None) -> None:
    """Print the hazard log with the status of each control's tests."""
    root = Path(current_app.root_path).parent
    try:
        log = hazards.load(root / "docs" / "safety" / "hazard-log.yaml")
    except hazards.HazardLogError as exc:
        raise click.ClickException(str(exc)) from None
    outcomes = None
    if junit is not None:
        outcomes = hazards.results_from_junit(junit.read_text(encoding="utf-8"))
    elif run:
        outcomes = _run_tests(root, sorted({t for h in log.hazards for t in h.tests}))
    unproven = _print_log(log, outcomes, root)
    if unproven:
        raise click.ClickException(f"Controls without passing tests: {', '.join(unproven)}.")


def _run_tests(root: Path, tests: list[str]) -> dict[str, str]:
    present = [t for t in tests if hazards.find_test(root, t) is not None]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   f"--junitxml={report}", *present]
        subprocess.run(command, cwd=root, check=False, capture_output=True)  # noqa: S603
        if not report.exists():
            raise click.ClickException("pytest produced no report: is it installed?")
        return hazards.results_from_junit(report.read_text(encoding="utf-8"))


def _print_log(log: hazards.HazardLog, outcomes: dict[str, str] | None, root: Path) -> list[str]:
    """Print every hazard and control; return the hazard ids whose tests did not all pass."""
    unproven = []
    acceptable = {hazards.NOT_RUN} if outcomes is None else {hazards.PASSED}
    for hazard in log.hazards:
        click.echo(f"{hazard.id}  {hazard.title}")
        click.echo(f"       severity {hazard.severity}, likelihood {hazard.likelihood}, "
                   f"risk {hazard.risk}/5")
        for control in hazard.controls:
            click.echo(f"    control: {control.description}")
            for test, status in hazards.control_status(control.tests, outcomes, root):
                click.echo(f"      [{status}] {test}")
                if status not in acceptable and hazard.id not in unproven:
                    unproven.append(hazard.id)
    return unproven


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(safety_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
