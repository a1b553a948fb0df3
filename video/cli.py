"""``flask --app app expire-video-rooms``: run from cron, e.g. every 5 minutes."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app.db import db, utcnow
from video.operations import due_rooms, expire_room, forget_old_signals


@click.command("expire-video-rooms")
@with_appcontext
def expire_video_rooms_command() -> None:
    """Close video rooms whose time is over (recording no-shows) and drop vanished participants."""
    now = utcnow()
    changed = 0
    for room_id in due_rooms(now):
        # One transaction per room: a room's row lock is never held while waiting for another.
        changed += expire_room(room_id, now)
        db.session.commit()
    forget_old_signals(now)
    db.session.commit()
    click.echo(f"Updated {changed} video room(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(expire_video_rooms_command)
