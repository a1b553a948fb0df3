"""Command-line tools: ``flask --app app <command>``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.accounts import operations, passwords
from app.accounts.models import Role
from app.audit.operations import verify_chain
from app.db import db

audit_cli = AppGroup("audit", help="Check the audit trail.")


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


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check the hash chain; name the first broken link."""
    count, broken = verify_chain()
    if broken is None:
        click.echo(f"Audit trail intact: {count} rows checked.")
        return
    row_id, why = broken
    raise click.ClickException(f"Audit trail broken at row {row_id}: {why}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(audit_cli)
