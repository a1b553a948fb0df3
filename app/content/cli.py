"""``flask --app app content check``: every package's content files, as file:line: message."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import content

content_cli = AppGroup("content", help="Check (and, with programmes, load) the content.")


@content_cli.command("check")
def check_command() -> None:
    """Validate every content file, naming the file and line of each problem."""
    problems = content.build(current_app).problems
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the content.")
    click.echo("Content OK.")


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
