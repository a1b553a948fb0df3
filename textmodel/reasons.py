"""The text model's reasons ("why rules mode", "why loading failed") in the page's language.

The encoder states its reasons in English for the log and the benchmarks. The admin page
is read in Danish too, so each known reason is matched here and said again through
gettext; paths, package names and the loader's own error text stay as they are.
"""

from __future__ import annotations

import re

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

_REASONS: tuple[tuple[re.Pattern[str], LazyString], ...] = (
    (re.compile(r"(?P<packages>.+) not installed \(install the 'ml' extra: (?P<command>.+)\)"),
     _l("%(packages)s not installed. Install the 'ml' extra: %(command)s")),
    (re.compile(r"no model folder: TEXT_MODEL_PATH is empty and (?P<package>\S+) is not "
                r"installed"),
     _l("No model folder: TEXT_MODEL_PATH is empty and %(package)s is not installed.")),
    (re.compile(r"model folder (?P<path>.+) does not exist"),
     _l("The model folder %(path)s does not exist.")),
    (re.compile(r"model folder (?P<path>.+) has no config\.json"),
     _l("The model folder %(path)s has no config.json.")),
    (re.compile(r"(?P<path>.+) is not a folder"),
     _l("%(path)s is not a folder.")),
    (re.compile(r"loading (?P<path>.+?) failed: (?P<detail>.*)", re.DOTALL),
     _l("Loading %(path)s failed. The loader said: %(detail)s")),
)


def describe(reason: str) -> str:
    """``reason`` in the current language; an unknown reason is shown as it is."""
    for pattern, message in _REASONS:
        found = pattern.fullmatch(reason)
        if found:
            params = dict(found.groupdict())
            if "packages" in params:
                # "torch and transformers": a list of names needs no English "and".
                params["packages"] = ", ".join(params["packages"].split(" and "))
            return str(message) % params
    return reason
