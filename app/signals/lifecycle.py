"""The process's life: worker start-up, content loading, cron jobs and the demo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.signals.core import _signals

if TYPE_CHECKING:  # pragma: no cover
    import random

    from app.accounts.models import User


worker_starting = _signals.signal(
    "worker-starting",
    doc="""Sent by the gunicorn hook (app/gunicorn_conf.py) in an app context, with the app
as sender, before a worker takes its first request. Receivers load now what a request
would otherwise load while it holds the database: screening loads the text model, whose
load (seconds, tens of them on a busy machine) inside a diary save held SQLite's write
lock until other writers gave up with "database is locked". Receivers must never raise.""",
)


# --- commands: cron jobs and the demo -------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """An email to send once: ``key`` is the same for the same situation."""

    user: User
    kind: str  # questionnaire | feedback | message | inactive | appointment
    key: str


collect_reminders = _signals.signal(
    "collect-reminders",
    doc="""Sent by ``flask send-reminders`` with the app as sender and
``now=datetime``. Receivers return an iterable of the ``Reminder`` that are due; the core
sends each one at most once.""",
)

alert_sweep = _signals.signal(
    "alert-sweep",
    doc="""Sent by ``flask check-alerts`` with ``now=datetime``. Receivers
raise the clinical alerts that are due (``app.caseload.alerts.raise_alert``) and return how
many they raised.""",
)


@dataclass
class DemoClinic:
    """The demo's core clinic, which the packages' demo hooks fill in."""

    admin: User
    therapists: list[User]
    patients: list[User]
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    #: The story patients by key (app.demo_story.STORY), each in one step and state.
    story: dict[str, User] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoHook:
    """A package's part of ``flask demo``.

    ``prepare()`` runs on the emptied database before any account exists (load content);
    ``populate(clinic, rng)`` adds the package's data. Hooks run by ``order``, so a hook
    can build on what a lower one made (programmes adds progress to the enrolments that
    screening's reviews made).
    """

    order: int
    populate: Callable[[DemoClinic, random.Random], None] | None = None
    prepare: Callable[[], None] | None = None


demo_hooks = _signals.signal(
    "demo-hooks",
    doc="""Sent by ``flask demo`` with the app as sender. Receivers return a
``DemoHook``.""",
)


# --- content ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentPart:
    """What one package built from the content folder, and what is wrong with it.

    ``value`` is handed back to the package by ``app.content.part(name)``; ``problems``
    are ``app.content.ContentError`` (file, line, message). A broken piece is None in
    ``value`` and has at least one problem.
    """

    name: str
    value: Any = None
    problems: tuple[Any, ...] = ()


content_load = _signals.signal(
    "content-load",
    doc="""Sent by ``app.content`` at start-up (``init_app``) and for ``flask
content check``, with the app as sender and ``content_dir=Path``. Each package reads and checks its
own files there and returns a ``ContentPart``. Receivers never raise on bad content: they
report it as problems.""",
)
