"""``python -m programmes.content check [root]``: print every problem as file:line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from programmes.content.loading import (
    _programme_folders,
    check_content,
    find_programmes_dir,
)

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
