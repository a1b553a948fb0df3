"""One YAML loader for every content file, and one error type that names file and line.

The loader builds ordinary dicts and lists (so pydantic and the pure cores take them as
they are) that also remember the line of each node and of each key's value, so that a
problem found later, by a pydantic model or a cross-file check, can still be reported as
``file:line: message``. Lines are 1-based; line 0 means "not one line" (a missing file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class ContentError(ValueError):
    """A problem in a content file, at a line (0: the file as a whole)."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(file, line, message)
        self.file, self.line, self.message = file, line, message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LineDict(dict[Any, Any]):
    """A YAML mapping: ``line`` is where it starts, ``key_lines`` where each key stands."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A YAML sequence: ``line`` is where it starts, ``item_lines`` where each item does."""

    line: int = 0
    item_lines: list[int]


class _DuplicateKey(yaml.constructor.ConstructorError):
    """PyYAML keeps the last of two equal keys; content must not say a thing twice."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers and refuses a key given twice."""

    first_line = 1  # the file line the text starts on (a module's front matter: 2)

    def _line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.first_line

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        mapping = LineDict()
        mapping.line = self._line(node)
        mapping.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in mapping:
                first = mapping.key_lines[key]
                raise _DuplicateKey(
                    None, None, f"{key!r} appears twice (first on line {first})",
                    key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = self._line(key_node)
        return mapping

    def construct_line_list(self, node: yaml.SequenceNode) -> LineList:
        items = LineList(self.construct_object(child, deep=True)
                         for child in node.value)
        items.line = self._line(node)
        items.item_lines = [self._line(child) for child in node.value]
        return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_line_list)


def parse_yaml(text: str, file: str, first_line: int = 1) -> Any:
    """Parse YAML text; ``first_line`` is the file line the text starts on (front matter)."""
    loader = _LineLoader(text)
    loader.first_line = first_line
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        raise ContentError(file, line, _yaml_problem(error, line, first_line)) from None
    finally:
        loader.dispose()


def _yaml_problem(error: yaml.YAMLError, line: int, first_line: int) -> str:
    problem = getattr(error, "problem", None)
    context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if problem is None:
        return f"not valid YAML: {context or error}"
    if isinstance(error, _DuplicateKey):
        return str(problem)
    if context and context_mark is not None:
        start = context_mark.line + first_line
        where = f"line {start}" if start != line else "this line"
        problem += f" ({context} that starts on {where})"
    return f"not valid YAML: {problem}"


def load_yaml(path: Path | str, name: str | None = None) -> Any:
    """Read and parse one YAML file; ``name`` is how errors name it (default: the path)."""
    file = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(file, 0, f"cannot read the file ({error.strerror or error})") from None
    return parse_yaml(text, file)


def line_of(document: Any, loc: Sequence[Any]) -> int:
    """The line of the deepest node of ``document`` that ``loc`` reaches (a pydantic loc)."""
    return _walk(document, loc)[0]


def _walk(document: Any, loc: Sequence[Any]) -> tuple[int, list[str]]:
    """The line ``loc`` reaches, and the parts of ``loc`` that are in the document.

    Parts that are no key or index of the document (a union's tag, a validator's name)
    are skipped, so a discriminated union's loc still finds its line.
    """
    node, line, path = document, getattr(document, "line", 0), []
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line, node = node.key_lines.get(part, line), node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.item_lines[part], node[part]
        else:
            continue
        path.append(str(part))
    return line, path


def errors_from_validation(error: ValidationError, document: Any,
                           file: str) -> list[ContentError]:
    """One ContentError per pydantic error, at the line its ``loc`` points to."""
    found = []
    for detail in error.errors(include_url=False):
        line, path = _walk(document, detail["loc"])
        where = ".".join(path)
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "missing":
            message = f"missing {detail['loc'][-1]}"
        elif detail["type"] == "extra_forbidden":
            message = f"unknown key {detail['loc'][-1]!r} (typo?)"
        elif detail["type"] in ("dict_type", "model_type"):
            message = "must be a mapping"
        found.append(ContentError(file, line, f"{where}: {message}" if where else message))
    return found
