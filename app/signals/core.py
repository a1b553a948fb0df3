"""The namespace every signal belongs to, and how the core sends them.

Receivers connect once per process, but an app is made of the packages listed for it
(``create_app``). Sending through ``send`` skips the receivers of packages that another
app in the process set up and this one did not, so two apps never see each other's
domains (tests build apps with and without a package).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from blinker import Namespace
from flask import current_app, has_app_context

if TYPE_CHECKING:  # pragma: no cover
    from app.signals.pages import Panel

_signals = Namespace()

_set_up: set[str] = set()  # every package some app in this process has set up


def use_packages(app: Any, names: Sequence[str]) -> None:
    """Record which packages ``app`` is made of (``create_app`` calls this)."""
    app.extensions["stepcare_packages"] = tuple(names)
    _set_up.update(names)


def _skipped() -> tuple[str, ...]:
    if not has_app_context():
        return ()
    enabled = current_app.extensions.get("stepcare_packages", ())
    return tuple(name for name in _set_up if name not in enabled)


def _belongs(receiver: Any, packages: tuple[str, ...]) -> bool:
    module = getattr(receiver, "__module__", None) or ""
    return any(module == name or module.startswith(name + ".") for name in packages)


def send(signal: Any, sender: Any = None, **kwargs: Any) -> list[tuple[Any, Any]]:
    """``signal.send``, without the receivers of packages this app is not made of."""
    skipped = _skipped()
    return [(receiver, receiver(sender, **kwargs))
            for receiver in signal.receivers_for(sender)
            if not (skipped and _belongs(receiver, skipped))]


def answers(signal: Any, sender: Any = None, **kwargs: Any) -> list[Any]:
    """The non-empty results of the signal's receivers, in no particular order."""
    return [found for _receiver, found in send(signal, sender, **kwargs) if found is not None]


def flattened(signal: Any, sender: Any = None, **kwargs: Any) -> list[Any]:
    """The receivers' iterables of results, joined."""
    items: list[Any] = []
    for found in answers(signal, sender, **kwargs):
        items.extend(found)
    return items


def sorted_panels(signal: Any, sender: Any) -> list[Panel]:
    return sorted(answers(signal, sender), key=lambda panel: panel.order)
