"""Module files: front matter, the ``:::`` blocks, and the body split for rendering."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from programmes import content_models as models
from programmes.content.base import (
    _FAILED,
    _LANG_RE,
    _MODULE_FILE_RE,
    _SLUG_RE,
    BLOCK_FIELDS,
    BLOCK_TYPES,
    KEBAB_HINT,
    Block,
    ContentError,
    Module,
    Problem,
    _check_mapping,
    _Lines,
    _load_yaml,
    _Reporter,
)

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


def _finish_block(current: dict[str, Any], closed: bool, report: _Reporter | None) -> _RawBlock:
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


def _open_block(text: str, line: int, report: _Reporter | None) -> dict[str, Any]:
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


def _scan_blocks(
    body_lines: Sequence[str], first_line: int, report: _Reporter | None
) -> Iterator[tuple[str, Any]]:
    """Yield ("markdown", [lines]) and ("block", _RawBlock) items in order.

    ``first_line`` is the file line of ``body_lines[0]``. Structural problems (stray
    closing line, malformed or unclosed opening line) are reported when ``report`` is set.
    """
    markdown: list[str] = []
    current: dict[str, Any] | None = None
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
                current = _open_block(text, line, report)
            else:
                markdown.append(raw)
        elif text == ":::":
            yield "block", _finish_block(current, True, report)
            current = None
        elif text.startswith(":::"):
            yield "block", _finish_block(current, False, report)
            current = _open_block(text, line, report)
        else:
            current["lines"].append(raw)
    if current is not None:
        yield "block", _finish_block(current, False, report)
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
    if raw.type not in BLOCK_FIELDS:
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
        data, raw.type, lines, (), raw.open_line, report, where, f"{raw.type} block"
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


def _name_parts(path: Path, report: _Reporter) -> tuple[str, str]:
    """The module slug and language from the file name ``<slug>.<lang>.md``."""
    match = _MODULE_FILE_RE.match(path.name)
    if match and _SLUG_RE.match(match["slug"]) and _LANG_RE.match(match["lang"]):
        return match["slug"], match["lang"]
    report(
        1,
        "module file name must be '<module-slug>.<language>.md', like 'sleep.en.md' "
        f"(module slug: {KEBAB_HINT}; language: 2-3 lowercase letters)",
    )
    return path.name.split(".")[0], ""


@dataclass
class _FrontMatter:
    data: dict[str, Any]
    lines: _Lines
    ok: bool  # read as 'key: value' lines
    body_lines: list[str]
    body_first: int  # the file line of body_lines[0]


def _front_matter(all_lines: list[str], report: _Reporter) -> _FrontMatter:
    """Line 1 is '---', then YAML, then a closing '---'; the rest is the body."""
    if not all_lines or all_lines[0].strip() != "---":
        report(1, "a module file must start with a '---' line, then its front matter")
        return _FrontMatter({}, {}, False, all_lines, 1)
    closing = next((i for i in range(1, len(all_lines)) if all_lines[i].strip() == "---"), None)
    if closing is None:
        report(1, "front matter is never closed: add a '---' line after it")
        return _FrontMatter({}, {}, False, [], 1)
    found = _FrontMatter({}, {}, False, all_lines[closing + 1 :], closing + 2)
    loaded = _load_yaml("\n".join(all_lines[1:closing]), 2, report)
    if loaded is not _FAILED:
        data, found.lines = loaded  # type: ignore[misc]
        if isinstance(data, dict):
            found.data, found.ok = data, True
        else:
            report(1, "front matter must be 'key: value' lines (title, summary, ...)")
    return found


def _module_blocks(body_lines: list[str], body_first: int,
                   report: _Reporter) -> tuple[list[Block], list[_Header]]:
    """The valid blocks, and the header of every well-formed one (for comparisons)."""
    blocks: list[Block] = []
    headers: list[_Header] = []
    seen_ids: dict[str, int] = {}
    any_block = False
    for kind, item in _scan_blocks(body_lines, body_first, report):
        any_block = any_block or kind == "block"
        if kind != "block" or not item.well_formed:
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
    return blocks, headers


def _parse_module(path: Path, problems: list[Problem]) -> _ParsedModule | None:
    """Parse one module file, appending problems. Returns None if unreadable."""
    report = _Reporter(path, problems)
    slug, lang = _name_parts(path, report)
    text = _read_text(path, report)
    if text is None:
        return None
    front = _front_matter(text.splitlines(), report)
    values: dict[str, Any] = {"title": None, "summary": None, "minutes": None, "tags": ()}
    tags_ok = False
    tags_line = front.lines.get(("tags",), 1)
    if front.ok:
        before = len(problems)
        _, values = _check_mapping(
            front.data, models.FrontMatter, front.lines, (), 1, report, "", "front matter"
        )
        tags_ok = ("tags" not in front.data
                   or not any(p.line == tags_line for p in problems[before:]))
    blocks, headers = _module_blocks(front.body_lines, front.body_first, report)
    body_lines = front.body_lines
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
    return _ParsedModule(module, headers, tags_ok, tags_line)


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
