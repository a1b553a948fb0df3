"""``flask --app app content load`` (``content check`` is the core's, for all packages)."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.content.cli import content_cli
from app.db import db
from programmes import operations
from programmes.content import ContentError


@click.command("load")
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
    # The core's ``content`` group: ``load`` joins ``check`` there.
    content_cli.add_command(load_command)
