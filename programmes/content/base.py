"""The data types of programme content, and the field checks on the core's YAML loader."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from app.content.loader import ContentError as LayerError
from app.content.loader import LineDict, LineList, parse_yaml
from programmes import content_models as models

UNLOCK_MODES = ("all", "weekly", "therapist")
STEPS = (1, 2)

_SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_MODULE_FILE_RE = re.compile(r"^(?P<slug>[^.]+)\.(?P<lang>[^.]+)\.md$")

KEBAB_HINT = "lowercase letters, digits and single hyphens, starting with a letter"


# --------------------------------------------------------------------------------------
# Data types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, at ``path:line``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised by the loaders; ``problems`` lists everything that was found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Block:
    """An interactive block. ``fields`` holds every field of the type, defaults filled in
    (optional fields without a default are ``None``; lists are tuples). ``line`` is the
    file line of the ``::: <type> <id>`` opening line."""

    type: str
    id: str
    fields: Mapping[str, Any] = field(hash=False)
    line: int


@dataclass(frozen=True)
class Module:
    slug: str
    lang: str
    title: str
    summary: str
    minutes: int
    tags: tuple[str, ...]
    body_markdown: str  # everything after the front matter, block markup included
    blocks: tuple[Block, ...]
    path: Path


@dataclass(frozen=True)
class ModuleRef:
    """An entry of ``modules:`` in programme.yaml; ``line`` is its line there."""

    slug: str
    optional: bool = False
    line: int = 0


@dataclass(frozen=True)
class Programme:
    slug: str
    version: int
    step: int
    languages: tuple[str, ...]
    title: Mapping[str, str] = field(hash=False)
    description: Mapping[str, str] = field(hash=False)
    unlock: str
    module_refs: tuple[ModuleRef, ...]
    tags: tuple[str, ...]
    modules: Mapping[tuple[str, str], Module] = field(hash=False)  # (module slug, lang)
    path: Path  # the programme folder

    def module(self, slug: str, lang: str) -> Module:
        return self.modules[(slug, lang)]


# --------------------------------------------------------------------------------------
# Field schemas: pydantic models in programmes.content_models
# --------------------------------------------------------------------------------------

BLOCK_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    name: tuple(field for field in model.model_fields if field != "type")
    for name, model in models.BLOCK_MODELS.items()})
BLOCK_TYPES = tuple(BLOCK_FIELDS)

# Fields whose value shapes the stored answer, so they must match across languages.
_STRUCTURAL_FIELDS = {
    "reflection": ("max_length",),
    "activity_planner": ("days",),
    "exposure_ladder": ("steps",),
    "slider": ("min", "max"),
    "vr_exposure": ("scene",),
}

_PROGRAMME_KEYS = (
    "slug",
    "version",
    "step",
    "languages",
    "title",
    "description",
    "unlock",
    "modules",
    "tags",
)


# --------------------------------------------------------------------------------------
# YAML with line numbers (app.content.loader)
# --------------------------------------------------------------------------------------

_Lines = dict[tuple[Any, ...], int]


class _Reporter:
    """Collects problems for one file."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.problems = problems

    def __call__(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))


_FAILED = object()


def _load_yaml(text: str, first_line: int, report: _Reporter) -> tuple[Any, _Lines] | object:
    """Parse ``text`` whose first line is file line ``first_line``.

    Returns ``(data, lines)`` where ``lines`` maps a key path (mapping keys and list
    indexes) to its file line, or ``_FAILED`` after reporting a syntax error.
    """
    try:
        data = parse_yaml(text, str(report.path), first_line)
    except LayerError as error:
        report(error.line, error.message.replace("not valid YAML:", "YAML syntax error:"))
        return _FAILED
    lines: _Lines = {(): getattr(data, "line", first_line)}
    _collect_lines(data, (), lines)
    return data, lines


def _collect_lines(node: Any, prefix: tuple[Any, ...], lines: _Lines) -> None:
    if isinstance(node, LineDict):
        for key, value in node.items():
            lines[prefix + (str(key),)] = node.key_lines[key]
            _collect_lines(value, prefix + (str(key),), lines)
    elif isinstance(node, LineList):
        for index, item in enumerate(node):
            lines[prefix + (index,)] = node.item_lines[index]
            _collect_lines(item, prefix + (index,), lines)


def _check_mapping(
    data: Mapping[Any, Any],
    schema: type[BaseModel] | str,
    lines: _Lines,
    prefix: tuple[Any, ...],
    owner_line: int,
    report: _Reporter,
    where: str,
    what: str,
) -> tuple[bool, dict[str, Any]]:
    """Check keys and values against a model; returns ``(ok, values with defaults)``."""
    own = {str(key): lines[prefix + (str(key),)] for key in data
           if prefix + (str(key),) in lines}
    return models.check(schema, data, own, owner_line, report, where, what)


def _check_value(name: str, value: Any, check: Any, line: int, report: _Reporter,
                 where: str) -> tuple[bool, Any]:
    """One value through one of the models' field checks; ``(False, None)`` if bad."""
    try:
        return True, check(value)
    except ValueError as error:
        report(line, f"{where}'{name}'{error}")
        return False, None
