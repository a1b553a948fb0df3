"""Parse and check programme content under ``content/programmes/``.

The format is documented for content writers in ``content/README.md``. This module is
pure Python (PyYAML only, no Flask or database), so it can be used by the web app, the
``flask content check`` command, ``python -m programmes.content check`` and the tests.

Public API:

- ``parse_module(path) -> Module`` and ``load_programme(folder) -> Programme`` raise
  ``ContentError`` (with ``.problems``) when anything is wrong.
- ``load_programmes(root) -> dict[slug, Programme]`` loads every programme, or raises.
- ``check_content(root) -> list[Problem]`` checks everything and never raises for content
  problems.
- ``split_body(module)`` gives the body as ``("markdown", text)`` and ``("block", Block)``
  segments, in order, for rendering.

Every ``Problem`` has a file path and a 1-based line number in that file (0 only when the
problem is a missing file or folder, so there is no line to point at).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = [
    "BLOCK_FIELDS",
    "BLOCK_TYPES",
    "UNLOCK_MODES",
    "Block",
    "ContentError",
    "Module",
    "ModuleRef",
    "Problem",
    "Programme",
    "check_content",
    "find_programmes_dir",
    "load_programme",
    "load_programmes",
    "main",
    "parse_module",
    "split_body",
]

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
# Field schemas
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    kind: str  # "text" | "int" | "bool" | "text_list" | "tag_list"
    required: bool = False
    default: Any = None
    min: int | None = None
    max: int | None = None
    min_items: int | None = None
    max_items: int | None = None


_TEXT = _Field("text", required=True)

BLOCK_FIELDS: Mapping[str, Mapping[str, _Field]] = MappingProxyType(
    {
        "reflection": {
            "prompt": _TEXT,
            "hint": _Field("text"),
            "max_length": _Field("int", default=4000, min=1),
        },
        "thought_record": {"prompt": _TEXT},
        "activity_planner": {
            "prompt": _TEXT,
            "days": _Field("int", default=7, min=1, max=14),
            "suggestions": _Field("text_list", default=()),
        },
        "worry_log": {"prompt": _TEXT},
        "exposure_ladder": {
            "prompt": _TEXT,
            "steps": _Field("int", default=6, min=3, max=10),
        },
        "slider": {
            "prompt": _TEXT,
            "min": _Field("int", default=0),
            "max": _Field("int", default=10),
            "min_label": _TEXT,
            "max_label": _TEXT,
        },
        "quiz": {
            "question": _TEXT,
            "options": _Field("text_list", required=True, min_items=2, max_items=6),
            "answer": _Field("int", required=True, min=0),
            "explanation": _TEXT,
        },
        "homework": {"prompt": _TEXT},
    }
)
BLOCK_TYPES = tuple(BLOCK_FIELDS)

# Fields whose value shapes the stored answer, so they must match across languages.
_STRUCTURAL_FIELDS = {
    "reflection": ("max_length",),
    "activity_planner": ("days",),
    "exposure_ladder": ("steps",),
    "slider": ("min", "max"),
}

_FRONT_MATTER_FIELDS: Mapping[str, _Field] = {
    "title": _TEXT,
    "summary": _TEXT,
    "minutes": _Field("int", required=True, min=1),
    "tags": _Field("tag_list", default=()),
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
# YAML with line numbers
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
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {(): first_line}
        lines: _Lines = {}
        if not _collect_lines(node, (), first_line, lines, report):
            return _FAILED
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        what = exc.problem or exc.context or "cannot be read"
        if exc.context and exc.context_mark is not None and exc.problem:
            start = first_line + exc.context_mark.line
            where = f"line {start}" if start != line else "this line"
            what += f" ({exc.context} that starts on {where})"
        report(line, f"YAML syntax error: {what}")
        return _FAILED
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors
        report(first_line, f"YAML syntax error: {exc}")
        return _FAILED
    finally:
        loader.dispose()
    return data, lines


def _collect_lines(
    node: yaml.Node, prefix: tuple[Any, ...], first: int, lines: _Lines, report: _Reporter
) -> bool:
    lines.setdefault(prefix, first + node.start_mark.line)
    ok = True
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            line = first + key_node.start_mark.line
            if key in seen:
                report(line, f"'{key}' appears twice (first on line {seen[key]})")
                ok = False
                continue
            seen[key] = line
            lines[prefix + (key,)] = line
            ok = _collect_lines(value_node, prefix + (key,), first, lines, report) and ok
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            ok = _collect_lines(item, prefix + (index,), first, lines, report) and ok
    return ok


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no value {str(value).lower()}"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a set of 'key: value' lines"
    if isinstance(value, (int, float)):
        return str(value)
    return f"'{value}'"


def _check_value(
    name: str, value: Any, spec: _Field, line: int, report: _Reporter, where: str
) -> tuple[bool, Any]:
    """Validate one value against ``spec``; report and return ``(False, None)`` if bad."""
    label = f"{where}'{name}'"
    if spec.kind == "text":
        if not isinstance(value, str):
            hint = " (put it in quotes)" if value is not None else ""
            report(line, f"{label} must be text, got {_describe(value)}{hint}")
            return False, None
        if not value.strip():
            report(line, f"{label} must not be empty")
            return False, None
        return True, value.strip()
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            report(line, f"{label} must be a whole number, got {_describe(value)}")
            return False, None
        if spec.min is not None and spec.max is not None:
            if not spec.min <= value <= spec.max:
                report(line, f"{label} must be from {spec.min} to {spec.max}, got {value}")
                return False, None
        elif spec.min is not None and value < spec.min:
            report(line, f"{label} must be at least {spec.min}, got {value}")
            return False, None
        return True, value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            report(line, f"{label} must be true or false, got {_describe(value)}")
            return False, None
        return True, value
    if spec.kind in ("text_list", "tag_list"):
        if not isinstance(value, list):
            report(line, f"{label} must be a list like [a, b], got {_describe(value)}")
            return False, None
        if spec.kind == "tag_list":
            bad = [_describe(x) for x in value if not isinstance(x, str) or not _SLUG_RE.match(x)]
            if bad:
                verb = "is not a valid tag" if len(bad) == 1 else "are not valid tags"
                report(
                    line,
                    f"{label}: {', '.join(bad)} {verb}; tags are English identifiers like "
                    "'self-compassion' (a-z, 0-9 and hyphens), the same in every language",
                )
                return False, None
        else:
            for item in value:
                if not isinstance(item, str) or not item.strip():
                    report(
                        line, f"{label}: every item must be non-empty text, got {_describe(item)}"
                    )
                    return False, None
        if spec.kind == "tag_list" and len(set(value)) != len(value):
            report(line, f"{label} lists the same tag twice")
            return False, None
        count = len(value)
        if (
            spec.min_items is not None
            and spec.max_items is not None
            and not spec.min_items <= count <= spec.max_items
        ):
            report(
                line, f"{label} must have {spec.min_items} to {spec.max_items} items, got {count}"
            )
            return False, None
        return True, tuple(item.strip() for item in value)
    raise AssertionError(spec.kind)  # pragma: no cover


def _check_mapping(
    data: Mapping[Any, Any],
    schema: Mapping[str, _Field],
    lines: _Lines,
    prefix: tuple[Any, ...],
    owner_line: int,
    report: _Reporter,
    where: str,
    what: str,
) -> tuple[bool, dict[str, Any]]:
    """Check keys and values; returns ``(ok, values with defaults)``."""
    ok = True
    values: dict[str, Any] = {}
    for key in data:
        if key not in schema:
            allowed = ", ".join(schema)
            report(
                lines.get(prefix + (str(key),), owner_line),
                f"{where}unknown field '{key}' in {what} (allowed: {allowed})",
            )
            ok = False
    for name, spec in schema.items():
        if name not in data:
            if spec.required:
                report(owner_line, f"{where}{what} is missing required field '{name}'")
                ok = False
            values[name] = spec.default
            continue
        line = lines.get(prefix + (name,), owner_line)
        good, value = _check_value(name, data[name], spec, line, report, where)
        ok = ok and good
        values[name] = value if good else spec.default
    return ok, values


# --------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Header:
    """A well-formed block opening line, whether or not the block itself is valid."""

    type: str
    id: str
    line: int
    fields: Mapping[str, Any] | None  # None when the block could not be checked


@dataclass
class _ParsedModule:
    module: Module
    headers: list[_Header]
    tags_ok: bool  # front matter read and its tags valid
    tags_line: int


@dataclass(frozen=True)
class _RawBlock:
    type: str | None
    id: str | None
    open_line: int  # file line of "::: type id"
    body_start: int  # file line of the first body line
    body: str
    closed: bool
    well_formed: bool


def _scan_blocks(
    body_lines: Sequence[str], first_line: int, report: _Reporter | None
) -> Iterator[tuple[str, Any]]:
    """Yield ("markdown", [lines]) and ("block", _RawBlock) items in order.

    ``first_line`` is the file line of ``body_lines[0]``. Structural problems (stray
    closing line, malformed or unclosed opening line) are reported when ``report`` is set.
    """
    markdown: list[str] = []
    current: dict[str, Any] | None = None

    def finish(closed: bool) -> _RawBlock:
        assert current is not None
        if not closed and report is not None:
            name = f"block '{current['id']}'" if current["id"] else "this block"
            report(
                current["open_line"],
                f"{name} is never closed: add a line with only ':::' after its fields",
            )
        return _RawBlock(
            type=current["type"],
            id=current["id"],
            open_line=current["open_line"],
            body_start=current["open_line"] + 1,
            body="\n".join(current["lines"]),
            closed=closed,
            well_formed=current["well_formed"],
        )

    def open_block(text: str, line: int) -> dict[str, Any]:
        parts = text[3:].split()
        well_formed = len(parts) == 2
        if not well_formed and report is not None:
            report(
                line,
                "a block must open with '::: <type> <block-id>', "
                f"for example '::: reflection my-thoughts' (got '{text}')",
            )
        return {
            "type": parts[0] if parts else None,
            "id": parts[1] if len(parts) > 1 else None,
            "open_line": line,
            "lines": [],
            "well_formed": well_formed,
        }

    for offset, raw in enumerate(body_lines):
        line = first_line + offset
        text = raw.strip()
        if current is None:
            if text == ":::":
                if report is not None:
                    report(line, "':::' closes a block, but no block is open here")
                markdown.append(raw)
            elif text.startswith(":::"):
                if markdown:
                    yield "markdown", markdown
                    markdown = []
                current = open_block(text, line)
            else:
                markdown.append(raw)
        elif text == ":::":
            yield "block", finish(closed=True)
            current = None
        elif text.startswith(":::"):
            yield "block", finish(closed=False)
            current = open_block(text, line)
        else:
            current["lines"].append(raw)
    if current is not None:
        yield "block", finish(closed=False)
    if markdown:
        yield "markdown", markdown


def _check_block(raw: _RawBlock, report: _Reporter) -> tuple[bool, Mapping[str, Any] | None]:
    """Check a closed, well-formed block's type, id and fields."""
    assert raw.type is not None and raw.id is not None
    ok = True
    where = f"block '{raw.id}': "
    if not _SLUG_RE.match(raw.id):
        report(raw.open_line, f"block id '{raw.id}' must be {KEBAB_HINT}")
        ok = False
    schema = BLOCK_FIELDS.get(raw.type)
    if schema is None:
        report(
            raw.open_line,
            f"unknown block type '{raw.type}' (known types: {', '.join(BLOCK_TYPES)})",
        )
        return False, None
    loaded = _load_yaml(raw.body, raw.body_start, report)
    if loaded is _FAILED:
        return False, None
    data, lines = loaded  # type: ignore[misc]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        report(
            lines.get((), raw.body_start),
            f"{where}the lines inside a block must be 'field: value' lines",
        )
        return False, None
    good, values = _check_mapping(
        data, schema, lines, (), raw.open_line, report, where, f"{raw.type} block"
    )
    ok = ok and good
    if raw.type == "slider" and good and values["max"] <= values["min"]:
        report(
            lines.get(("max",), raw.open_line),
            f"{where}'max' ({values['max']}) must be greater than 'min' ({values['min']})",
        )
        ok = False
    if raw.type == "quiz" and good and values["answer"] >= len(values["options"]):
        count = len(values["options"])
        report(
            lines.get(("answer",), raw.open_line),
            f"{where}'answer' is {values['answer']}, but with {count} options it must be "
            f"0 to {count - 1} (0 is the first option)",
        )
        ok = False
    return ok, MappingProxyType(values)


def _read_text(path: Path, report: _Reporter) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        report(1, f"file is not UTF-8 text ({exc.reason})")
    except OSError as exc:
        report(0, f"cannot read file: {exc.strerror or exc}")
    return None


def _parse_module(path: Path, problems: list[Problem]) -> _ParsedModule | None:
    """Parse one module file, appending problems. Returns None if unreadable."""
    report = _Reporter(path, problems)
    match = _MODULE_FILE_RE.match(path.name)
    if match and _SLUG_RE.match(match["slug"]) and _LANG_RE.match(match["lang"]):
        slug, lang = match["slug"], match["lang"]
    else:
        report(
            1,
            "module file name must be '<module-slug>.<language>.md', like 'sleep.en.md' "
            f"(module slug: {KEBAB_HINT}; language: 2-3 lowercase letters)",
        )
        slug, lang = path.name.split(".")[0], ""
    text = _read_text(path, report)
    if text is None:
        return None
    all_lines = text.splitlines()

    # Front matter: line 1 is '---', then YAML, then a closing '---'.
    front: dict[str, Any] = {}
    front_lines: _Lines = {}
    front_ok = False
    body_first = 1
    if not all_lines or all_lines[0].strip() != "---":
        report(1, "a module file must start with a '---' line, then its front matter")
        body_lines = all_lines
    else:
        closing = next((i for i in range(1, len(all_lines)) if all_lines[i].strip() == "---"), None)
        if closing is None:
            report(1, "front matter is never closed: add a '---' line after it")
            body_lines = []
        else:
            body_lines = all_lines[closing + 1 :]
            body_first = closing + 2
            loaded = _load_yaml("\n".join(all_lines[1:closing]), 2, report)
            if loaded is not _FAILED:
                data, front_lines = loaded  # type: ignore[misc]
                if isinstance(data, dict):
                    front, front_ok = data, True
                else:
                    report(1, "front matter must be 'key: value' lines (title, summary, ...)")

    values: dict[str, Any] = {name: spec.default for name, spec in _FRONT_MATTER_FIELDS.items()}
    tags_ok = False
    if front_ok:
        before = len(problems)
        _, values = _check_mapping(
            front, _FRONT_MATTER_FIELDS, front_lines, (), 1, report, "", "front matter"
        )
        tags_line = front_lines.get(("tags",), 1)
        tags_ok = not any(p.line == tags_line for p in problems[before:]) or "tags" not in front

    # Blocks.
    blocks: list[Block] = []
    headers: list[_Header] = []
    seen_ids: dict[str, int] = {}
    any_block = False
    for kind, item in _scan_blocks(body_lines, body_first, report):
        if kind != "block":
            continue
        any_block = True
        if not item.well_formed:
            continue
        if item.id in seen_ids:
            report(
                item.open_line,
                f"block id '{item.id}' is already used on line {seen_ids[item.id]}; "
                "every block in a module needs its own id",
            )
            continue
        seen_ids[item.id] = item.open_line
        fields = None
        if item.closed:
            good, fields = _check_block(item, report)
            if good and fields is not None:
                blocks.append(Block(item.type, item.id, fields, item.open_line))
        headers.append(_Header(item.type, item.id, item.open_line, fields))
    if not any_block:
        report(
            1,
            "module has no interactive block; add at least one "
            "(for example '::: reflection my-thoughts')",
        )

    module = Module(
        slug=slug,
        lang=lang,
        title=values["title"] or "",
        summary=values["summary"] or "",
        minutes=values["minutes"] or 0,
        tags=values["tags"] or (),
        body_markdown="\n".join(body_lines) + ("\n" if body_lines else ""),
        blocks=tuple(blocks),
        path=path,
    )
    return _ParsedModule(module, headers, tags_ok, front_lines.get(("tags",), 1))


def parse_module(path: str | Path) -> Module:
    """Parse and check one module file; raise ``ContentError`` if anything is wrong."""
    problems: list[Problem] = []
    parsed = _parse_module(Path(path), problems)
    if problems or parsed is None:
        raise ContentError(problems)
    return parsed.module


def split_body(module: Module) -> list[tuple[str, Any]]:
    """The module body in order: ``("markdown", text)`` and ``("block", Block)``.

    Markdown segments have leading and trailing blank lines removed; segments that are
    only whitespace are left out.
    """
    blocks = iter(module.blocks)
    segments: list[tuple[str, Any]] = []
    for kind, item in _scan_blocks(module.body_markdown.splitlines(), 1, None):
        if kind == "markdown":
            text = "\n".join(item).strip("\n")
            if text.strip():
                segments.append(("markdown", text))
        else:
            segments.append(("block", next(blocks)))
    return segments


# --------------------------------------------------------------------------------------
# Programmes
# --------------------------------------------------------------------------------------


def _check_text_by_language(
    name: str,
    data: Mapping[str, Any],
    lines: _Lines,
    languages: Sequence[str],
    report: _Reporter,
) -> dict[str, str] | None:
    value = data[name]
    line = lines.get((name,), 1)
    if not isinstance(value, dict):
        report(line, f"'{name}' must give one text per language, like {{en: \"...\"}}")
        return None
    ok = True
    result: dict[str, str] = {}
    for lang, text in value.items():
        item_line = lines.get((name, str(lang)), line)
        if languages and lang not in languages:
            report(item_line, f"'{name}' has text for '{lang}', which is not in 'languages'")
            ok = False
            continue
        good, text = _check_value(str(lang), text, _TEXT, item_line, report, f"'{name}' ")
        if good:
            result[str(lang)] = text
        ok = ok and good
    for lang in languages:
        if lang not in value:
            report(line, f"'{name}' has no '{lang}' text")
            ok = False
    return result if ok else None


def _check_programme_yaml(
    folder: Path, yaml_path: Path, report: _Reporter
) -> tuple[dict[str, Any], _Lines] | None:
    """Returns checked values (``None`` for bad ones) or ``None`` if unusable."""
    text = _read_text(yaml_path, report)
    if text is None:
        return None
    loaded = _load_yaml(text, 1, report)
    if loaded is _FAILED:
        return None
    data, lines = loaded  # type: ignore[misc]
    if not isinstance(data, dict):
        report(1, "programme.yaml must be 'key: value' lines (slug, version, step, ...)")
        return None

    for key in data:
        if key not in _PROGRAMME_KEYS:
            report(
                lines.get((str(key),), 1),
                f"unknown key '{key}' (allowed: {', '.join(_PROGRAMME_KEYS)})",
            )
    for key in _PROGRAMME_KEYS:
        if key != "tags" and key not in data:
            report(1, f"programme.yaml is missing required key '{key}'")

    v: dict[str, Any] = dict.fromkeys(_PROGRAMME_KEYS)

    def line_of(*path: Any) -> int:
        return lines.get(path, 1)

    def simple(key: str, spec: _Field) -> None:
        if key in data:
            good, value = _check_value(key, data[key], spec, line_of(key), report, "")
            v[key] = value if good else None

    simple("slug", _TEXT)
    if v["slug"] is not None and not _SLUG_RE.match(v["slug"]):
        report(line_of("slug"), f"slug '{v['slug']}' must be {KEBAB_HINT}")
        v["slug"] = None
    elif v["slug"] is not None and v["slug"] != folder.name:
        report(
            line_of("slug"),
            f"slug '{v['slug']}' must be the same as the folder name '{folder.name}'",
        )
        v["slug"] = None
    simple("version", _Field("int", required=True, min=1))
    if "step" in data:
        step = data["step"]
        if isinstance(step, bool) or step not in STEPS:
            report(
                line_of("step"),
                f"step must be 1 (unguided self-help) or 2 (therapist-guided), "
                f"got {_describe(step)}",
            )
        else:
            v["step"] = step
    if "languages" in data:
        langs = data["languages"]
        line = line_of("languages")
        if not isinstance(langs, list) or not langs:
            report(line, "'languages' must be a list of language codes, like [en, da]")
        else:
            bad = [x for x in langs if not isinstance(x, str) or not _LANG_RE.match(x)]
            if bad:
                report(
                    line,
                    f"'languages': {_describe(bad[0])} is not a language code "
                    "(use two lowercase letters, like en or da)",
                )
            elif len(set(langs)) != len(langs):
                report(line, "'languages' lists the same language twice")
            else:
                v["languages"] = tuple(langs)
    for key in ("title", "description"):
        if key in data:
            v[key] = _check_text_by_language(key, data, lines, v["languages"] or (), report)
    if "unlock" in data:
        unlock = data["unlock"]
        if unlock not in UNLOCK_MODES:
            report(
                line_of("unlock"),
                f"unlock must be one of {', '.join(UNLOCK_MODES)}, got {_describe(unlock)}",
            )
        elif unlock == "therapist" and v["step"] == 1:
            report(
                line_of("unlock"),
                "unlock 'therapist' needs a therapist-guided programme (step: 2)",
            )
        else:
            v["unlock"] = unlock
    if "modules" in data:
        v["modules"], v["mentioned"] = _check_module_refs(data["modules"], lines, report)
    v["tags"] = ()
    simple("tags", _Field("tag_list"))
    return v, lines


def _check_module_refs(
    value: Any, lines: _Lines, report: _Reporter
) -> tuple[tuple[ModuleRef, ...], set[str] | None]:
    """Returns the valid entries, and every slug mentioned (valid or not) so that a bad
    entry does not also make its files look unlisted (None: 'modules' is not a list)."""
    line = lines.get(("modules",), 1)
    mentioned: set[str] = set()
    if not isinstance(value, list) or not value:
        report(line, "'modules' must be a list of entries like '- slug: welcome'")
        return (), None
    refs: list[ModuleRef] = []
    seen: dict[str, int] = {}
    schema = {"slug": _TEXT, "optional": _Field("bool", default=False)}
    for index, entry in enumerate(value):
        entry_line = lines.get(("modules", index), line)
        if isinstance(entry, str):
            mentioned.add(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("slug"), str):
            mentioned.add(entry["slug"])
        if not isinstance(entry, dict):
            report(
                entry_line,
                f"each module entry must look like '- slug: ...', got {_describe(entry)}",
            )
            continue
        good, values = _check_mapping(
            entry, schema, lines, ("modules", index), entry_line, report, "", "module entry"
        )
        if not good:
            continue
        slug = values["slug"]
        if not _SLUG_RE.match(slug):
            report(entry_line, f"module slug '{slug}' must be {KEBAB_HINT}")
            continue
        if slug in seen:
            report(entry_line, f"module '{slug}' is already listed on line {seen[slug]}")
            continue
        seen[slug] = entry_line
        refs.append(ModuleRef(slug, values["optional"], entry_line))
    return tuple(refs), mentioned


def _describe_lang(lang: str) -> str:
    return {"en": "English", "da": "Danish"}.get(lang, f"'{lang}'")


def _compare_languages(
    versions: Mapping[str, _ParsedModule], languages: Sequence[str], problems: list[Problem]
) -> None:
    """Every language version must have the same block ids, types and answer shapes."""
    present = [lang for lang in languages if lang in versions]
    if len(present) < 2:
        return
    ref_lang = present[0]
    ref = versions[ref_lang]
    ref_headers = {h.id: h for h in ref.headers}
    ref_report = _Reporter(ref.module.path, problems)
    for lang in present[1:]:
        other = versions[lang]
        report = _Reporter(other.module.path, problems)
        other_headers = {h.id: h for h in other.headers}
        for block_id, header in ref_headers.items():
            if block_id not in other_headers and header.type in BLOCK_FIELDS:
                ref_report(
                    header.line,
                    f"block '{block_id}' ({header.type}) is missing from the "
                    f"{_describe_lang(lang)} version {other.module.path.name}",
                )
        for block_id, header in other_headers.items():
            ref_header = ref_headers.get(block_id)
            if header.type not in BLOCK_FIELDS:
                continue
            if ref_header is None:
                report(
                    header.line,
                    f"block '{block_id}' is not in the {_describe_lang(ref_lang)} version "
                    f"{ref.module.path.name}; every language needs the same blocks",
                )
            elif ref_header.type not in BLOCK_FIELDS:
                continue
            elif ref_header.type != header.type:
                report(
                    header.line,
                    f"block '{block_id}' is a '{header.type}' block here but a "
                    f"'{ref_header.type}' block in {ref.module.path.name}; every language "
                    "needs the same block types",
                )
            elif header.fields is not None and ref_header.fields is not None:
                _compare_shapes(header, ref_header, ref.module.path.name, report)
        ref_tags, tags = ref.module.tags, other.module.tags
        if set(tags) != set(ref_tags) and ref.tags_ok and other.tags_ok:
            report(
                other.tags_line,
                f"tags [{', '.join(tags)}] differ from [{', '.join(ref_tags)}] in "
                f"{ref.module.path.name}; tags are identifiers, not translated, so every "
                "language must use the same tags",
            )


def _compare_shapes(header: _Header, ref: _Header, ref_name: str, report: _Reporter) -> None:
    assert header.fields is not None and ref.fields is not None
    names = list(_STRUCTURAL_FIELDS.get(header.type, ()))
    if header.type == "quiz":
        names = ["answer"]
        if len(header.fields["options"]) != len(ref.fields["options"]):
            report(
                header.line,
                f"block '{header.id}' has {len(header.fields['options'])} options but "
                f"{len(ref.fields['options'])} in {ref_name}; keep the options in the same "
                "order in every language",
            )
    for name in names:
        if header.fields[name] != ref.fields[name]:
            report(
                header.line,
                f"block '{header.id}': '{name}' is {header.fields[name]} here but "
                f"{ref.fields[name]} in {ref_name}; it must be the same in every language",
            )


def _load_programme(folder: Path, problems: list[Problem]) -> Programme | None:
    yaml_path = folder / "programme.yaml"
    report = _Reporter(yaml_path, problems)
    if not yaml_path.is_file():
        problems.append(Problem(folder, 0, "this programme folder has no programme.yaml"))
        checked = None
    else:
        checked = _check_programme_yaml(folder, yaml_path, report)
    values, lines = checked if checked is not None else ({}, {})
    languages: tuple[str, ...] = values.get("languages") or ()
    refs: tuple[ModuleRef, ...] = values.get("modules") or ()
    listed: set[str] | None = values.get("mentioned")

    modules_dir = folder / "modules"
    parsed: dict[tuple[str, str], _ParsedModule] = {}
    present: set[tuple[str, str]] = set()  # module files seen, even if unreadable
    if not modules_dir.is_dir():
        if checked is not None:
            report(lines.get(("modules",), 1), "the folder modules/ is missing")
    else:
        for path in sorted(modules_dir.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_dir():
                problems.append(Problem(path, 0, "unexpected folder inside modules/"))
                continue
            name = _MODULE_FILE_RE.match(path.name)
            if name:
                present.add((name["slug"], name["lang"]))
            result = _parse_module(path, problems)
            if result is None or not result.module.lang:
                continue
            module = result.module
            if checked is None:
                parsed[(module.slug, module.lang)] = result
                continue
            if listed is not None and module.slug not in listed:
                problems.append(
                    Problem(
                        path,
                        1,
                        f"module '{module.slug}' is not listed under 'modules' in "
                        "programme.yaml; list it or delete the file",
                    )
                )
            elif languages and module.lang not in languages:
                problems.append(
                    Problem(
                        path,
                        1,
                        f"language '{module.lang}' is not in the programme's languages "
                        f"({', '.join(languages)})",
                    )
                )
            else:
                parsed[(module.slug, module.lang)] = result

    if checked is None:
        return None

    for ref in refs:
        for lang in languages:
            if (ref.slug, lang) not in present and modules_dir.is_dir():
                report(
                    ref.line,
                    f"module '{ref.slug}' has no {_describe_lang(lang)} file "
                    f"(expected modules/{ref.slug}.{lang}.md)",
                )
        versions = {
            lang: parsed[(ref.slug, lang)] for lang in languages if (ref.slug, lang) in parsed
        }
        _compare_languages(versions, languages, problems)

    if values.get("step") == 1:
        for result in parsed.values():
            for header in result.headers:
                if header.type == "homework":
                    problems.append(
                        Problem(
                            result.module.path,
                            header.line,
                            f"block '{header.id}': homework goes to a therapist, but this is "
                            "a step 1 (unguided) programme; use a reflection block instead",
                        )
                    )

    if any(values.get(key) is None for key in _PROGRAMME_KEYS):
        return None
    return Programme(
        slug=values["slug"],
        version=values["version"],
        step=values["step"],
        languages=languages,
        title=MappingProxyType(values["title"]),
        description=MappingProxyType(values["description"]),
        unlock=values["unlock"],
        module_refs=refs,
        tags=values["tags"],
        modules=MappingProxyType({key: p.module for key, p in parsed.items()}),
        path=folder,
    )


def load_programme(folder: str | Path) -> Programme:
    """Load and check one programme folder; raise ``ContentError`` if anything is wrong."""
    problems: list[Problem] = []
    programme = _load_programme(Path(folder), problems)
    if problems or programme is None:
        raise ContentError(_sorted(problems))
    return programme


def find_programmes_dir(root: str | Path) -> Path | None:
    """Accept the project root, ``content/`` or ``content/programmes/`` itself."""
    root = Path(root)
    if (root / "content" / "programmes").is_dir():
        return root / "content" / "programmes"
    if root.name == "content" and (root / "programmes").is_dir():
        return root / "programmes"
    if root.name == "programmes" and root.is_dir() and not (root / "__init__.py").exists():
        return root
    return None


def _programme_folders(programmes_dir: Path) -> list[Path]:
    return [
        p
        for p in sorted(programmes_dir.iterdir())
        if p.is_dir() and not p.name.startswith((".", "_"))
    ]


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path), p.line))


def check_content(root: str | Path) -> list[Problem]:
    """Check every programme under ``root`` (see ``find_programmes_dir``).

    Returns all problems sorted by file and line; an empty list means all is well.
    """
    programmes_dir = find_programmes_dir(root)
    if programmes_dir is None:
        return [Problem(Path(root), 0, "no content/programmes folder here")]
    problems: list[Problem] = []
    for folder in _programme_folders(programmes_dir):
        _load_programme(folder, problems)
    return _sorted(problems)


def load_programmes(root: str | Path) -> dict[str, Programme]:
    """Load every programme under ``root``, keyed by slug; raise ``ContentError`` if any
    content problem is found."""
    programmes_dir = find_programmes_dir(root)
    if programmes_dir is None:
        raise ContentError([Problem(Path(root), 0, "no content/programmes folder here")])
    problems: list[Problem] = []
    programmes: dict[str, Programme] = {}
    for folder in _programme_folders(programmes_dir):
        programme = _load_programme(folder, problems)
        if programme is not None:
            programmes[programme.slug] = programme
    if problems:
        raise ContentError(_sorted(problems))
    return programmes


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m programmes.content", description="Check programme content."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check everything under content/programmes/")
    check.add_argument(
        "root", nargs="?", default=".", help="project root, content/ or content/programmes/"
    )
    args = parser.parse_args(argv)

    problems = check_content(Path(args.root))
    for problem in problems:
        print(f"{_display(problem.path)}:{problem.line}: {problem.message}")
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        print(f"{len(problems)} {noun} found", file=sys.stderr)
        return 1
    programmes_dir = find_programmes_dir(Path(args.root))
    count = len(_programme_folders(programmes_dir)) if programmes_dir else 0
    print(f"content OK: {count} programme(s) checked", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
