"""Loading and checking whole programmes and the content folder."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from programmes.content.base import (
    _MODULE_FILE_RE,
    _PROGRAMME_KEYS,
    ContentError,
    Module,
    Problem,
    Programme,
    _Lines,
    _Reporter,
)
from programmes.content.modules import (
    _parse_module,
    _ParsedModule,
)
from programmes.content.programme_file import (
    _check_programme_yaml,
    _compare_languages,
    _describe_lang,
)


def _module_files(folder: Path, values: dict[str, Any] | None, lines: _Lines,
                  problems: list[Problem]) -> tuple[dict[tuple[str, str], _ParsedModule],
                                                    set[tuple[str, str]]]:
    """Parse every file in modules/: the ones that belong, and every (slug, lang) seen.

    ``values`` is None when programme.yaml is unusable: then nothing is compared with it.
    """
    modules_dir = folder / "modules"
    parsed: dict[tuple[str, str], _ParsedModule] = {}
    present: set[tuple[str, str]] = set()  # module files seen, even if unreadable
    if not modules_dir.is_dir():
        if values is not None:
            problems.append(Problem(folder / "programme.yaml", lines.get(("modules",), 1),
                                    "the folder modules/ is missing"))
        return parsed, present
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
        if result is not None and result.module.lang:
            problem = None if values is None else _unlisted(result.module, values)
            if problem is None:
                parsed[(result.module.slug, result.module.lang)] = result
            else:
                problems.append(Problem(path, 1, problem))
    return parsed, present


def _unlisted(module: Module, values: dict[str, Any]) -> str | None:
    """Why a module file does not belong to the programme (None: it does)."""
    listed: set[str] | None = values.get("mentioned")
    languages: tuple[str, ...] = values.get("languages") or ()
    if listed is not None and module.slug not in listed:
        return (f"module '{module.slug}' is not listed under 'modules' in "
                "programme.yaml; list it or delete the file")
    if languages and module.lang not in languages:
        return (f"language '{module.lang}' is not in the programme's languages "
                f"({', '.join(languages)})")
    return None


def _check_listed_modules(folder: Path, values: dict[str, Any],
                          parsed: dict[tuple[str, str], _ParsedModule],
                          present: set[tuple[str, str]], problems: list[Problem]) -> None:
    """Every listed module in every language, the same in each; no homework in step 1."""
    report = _Reporter(folder / "programme.yaml", problems)
    languages: tuple[str, ...] = values.get("languages") or ()
    for ref in values.get("modules") or ():
        for lang in languages:
            if (ref.slug, lang) not in present and (folder / "modules").is_dir():
                report(ref.line, f"module '{ref.slug}' has no {_describe_lang(lang)} file "
                                 f"(expected modules/{ref.slug}.{lang}.md)")
        versions = {
            lang: parsed[(ref.slug, lang)] for lang in languages if (ref.slug, lang) in parsed
        }
        _compare_languages(versions, languages, problems)
    if values.get("step") != 1:
        return
    for result in parsed.values():
        for header in result.headers:
            if header.type == "homework":
                problems.append(Problem(
                    result.module.path, header.line,
                    f"block '{header.id}': homework goes to a therapist, but this is "
                    "a step 1 (unguided) programme; use a reflection block instead"))


def _load_programme(folder: Path, problems: list[Problem]) -> Programme | None:
    yaml_path = folder / "programme.yaml"
    if not yaml_path.is_file():
        problems.append(Problem(folder, 0, "this programme folder has no programme.yaml"))
        checked = None
    else:
        checked = _check_programme_yaml(folder, yaml_path, _Reporter(yaml_path, problems))
    values, lines = checked if checked is not None else (None, {})
    parsed, present = _module_files(folder, values, lines, problems)
    if values is None:
        return None
    _check_listed_modules(folder, values, parsed, present, problems)
    if any(values.get(key) is None for key in _PROGRAMME_KEYS):
        return None
    return Programme(
        slug=values["slug"],
        version=values["version"],
        step=values["step"],
        languages=values["languages"],
        title=MappingProxyType(values["title"]),
        description=MappingProxyType(values["description"]),
        unlock=values["unlock"],
        module_refs=values["modules"],
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
    """Accept the project root, a content folder (whatever its name: ``CONTENT_DIR``) or
    its ``programmes/`` itself; never the Python package ``programmes``."""
    root = Path(root)
    if (root / "content" / "programmes").is_dir():
        return root / "content" / "programmes"
    if (root / "programmes").is_dir() and not (root / "programmes" / "__init__.py").exists():
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
