"""Parse and check programme content under ``content/programmes/`` (a package by job).

``base`` holds the data types and the field checks (on ``programmes.content_models``),
``modules`` the module files, ``programme_file`` each ``programme.yaml``, ``loading`` whole
programmes and folders, and ``__main__`` the command line.

The format is documented for content writers in ``content/README.md``. This module is
pure Python (PyYAML and pydantic, no Flask or database), so it can be used by the web app, the
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


from programmes.content.base import (
    BLOCK_FIELDS,
    BLOCK_TYPES,
    UNLOCK_MODES,
    Block,
    ContentError,
    Module,
    ModuleRef,
    Problem,
    Programme,
)
from programmes.content.loading import (
    check_content,
    find_programmes_dir,
    load_programme,
    load_programmes,
)
from programmes.content.modules import parse_module, split_body


def main(argv: list[str] | None = None) -> int:
    """``python -m programmes.content check [root]`` (see ``__main__``)."""
    from programmes.content.__main__ import main as run

    return run(argv)


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
