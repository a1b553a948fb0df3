"""``flask --app app content check`` and ``flask --app app content load``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.db import db
from programmes import operations
from programmes.content import ContentError, check_content

content_cli = AppGroup("content", help="Check and load programme content.")


@content_cli.command("check")
def check_command() -> None:
    """Validate every programme, naming the file and line of each problem."""
    problems = check_content(current_app.config["CONTENT_DIR"])
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the content.")
    click.echo("Content OK.")


@content_cli.command("load")
def load_command() -> None:
    """Upsert the content into the database; progress and answers survive edits."""
    try:
        summary = operations.load_content(current_app.config["CONTENT_DIR"])
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem))
        raise click.ClickException("Nothing was loaded: fix the content first.") from None
    db.session.commit()
    click.echo(f"Loaded {summary.programmes} programme(s): {summary.modules_added} module(s) "
               f"added, {summary.modules_changed} changed, {summary.modules_retired} retired.")


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
