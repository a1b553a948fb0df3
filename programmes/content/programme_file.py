"""``programme.yaml``, its module list, and the comparison of a module's languages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from programmes import content_models as models
from programmes.content.base import (
    _FAILED,
    _LANG_RE,
    _PROGRAMME_KEYS,
    _SLUG_RE,
    _STRUCTURAL_FIELDS,
    BLOCK_FIELDS,
    KEBAB_HINT,
    STEPS,
    UNLOCK_MODES,
    ModuleRef,
    Problem,
    _check_mapping,
    _check_value,
    _Lines,
    _load_yaml,
    _Reporter,
)
from programmes.content.modules import (
    _Header,
    _ParsedModule,
    _read_text,
)

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
        good, text = _check_value(str(lang), text, models.check_text, item_line, report,
                                  f"'{name}' ")
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

    _check_keys(data, lines, report)
    v: dict[str, Any] = dict.fromkeys(_PROGRAMME_KEYS)
    v["tags"] = ()
    checks: dict[str, Callable[[Any], Any]] = {
        "slug": lambda value: _slug(value, folder),
        "version": _named("version", models.check_whole(1)),
        "step": _step,
        "languages": _languages,
        "title": lambda value: _check_text_by_language(
            "title", data, lines, v["languages"] or (), report),
        "description": lambda value: _check_text_by_language(
            "description", data, lines, v["languages"] or (), report),
        "unlock": lambda value: _unlock(value, v["step"]),
        "tags": _named("tags", models.check_tags),
    }
    for key, check in checks.items():
        if key in data:
            try:
                v[key] = check(data[key])
            except ValueError as error:
                report(lines.get((key,), 1), str(error))
                v[key] = None
    if "modules" in data:
        v["modules"], v["mentioned"] = _check_module_refs(data["modules"], lines, report)
    return v, lines


def _check_keys(data: Mapping[Any, Any], lines: _Lines, report: _Reporter) -> None:
    for key in data:
        if key not in _PROGRAMME_KEYS:
            report(
                lines.get((str(key),), 1),
                f"unknown key '{key}' (allowed: {', '.join(_PROGRAMME_KEYS)})",
            )
    for key in _PROGRAMME_KEYS:
        if key != "tags" and key not in data:
            report(1, f"programme.yaml is missing required key '{key}'")


def _named(name: str, check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A field check whose message is then prefixed with the field's name."""
    def checked(value: Any) -> Any:
        try:
            return check(value)
        except ValueError as error:
            raise ValueError(f"'{name}'{error}") from None
    return checked


def _slug(value: Any, folder: Path) -> str:
    slug: str = _named("slug", models.check_text)(value)
    if not _SLUG_RE.match(slug):
        raise ValueError(f"slug '{slug}' must be {KEBAB_HINT}")
    if slug != folder.name:
        raise ValueError(f"slug '{slug}' must be the same as the folder name '{folder.name}'")
    return slug


def _step(step: Any) -> int:
    if isinstance(step, bool) or step not in STEPS:
        raise ValueError("step must be 1 (unguided self-help) or 2 (therapist-guided), "
                         f"got {models.describe(step)}")
    return int(step)


def _languages(langs: Any) -> tuple[str, ...]:
    if not isinstance(langs, list) or not langs:
        raise ValueError("'languages' must be a list of language codes, like [en, da]")
    bad = [x for x in langs if not isinstance(x, str) or not _LANG_RE.match(x)]
    if bad:
        raise ValueError(f"'languages': {models.describe(bad[0])} is not a language code "
                         "(use two lowercase letters, like en or da)")
    if len(set(langs)) != len(langs):
        raise ValueError("'languages' lists the same language twice")
    return tuple(langs)


def _unlock(unlock: Any, step: int | None) -> str:
    if unlock not in UNLOCK_MODES:
        raise ValueError(
            f"unlock must be one of {', '.join(UNLOCK_MODES)}, got {models.describe(unlock)}")
    if unlock == "therapist" and step == 1:
        raise ValueError("unlock 'therapist' needs a therapist-guided programme (step: 2)")
    return str(unlock)


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
    for index, entry in enumerate(value):
        entry_line = lines.get(("modules", index), line)
        if isinstance(entry, str):
            mentioned.add(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("slug"), str):
            mentioned.add(entry["slug"])
        if not isinstance(entry, dict):
            report(
                entry_line,
                f"each module entry must look like '- slug: ...', got {models.describe(entry)}",
            )
            continue
        good, values = _check_mapping(
            entry, models.ModuleEntry, lines, ("modules", index), entry_line, report, "",
            "module entry"
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
    levels = [len(h.fields.get("levels") or ()) for h in (header, ref)]
    if header.type == "vr_exposure" and all(levels) and levels[0] != levels[1]:
        report(header.line, f"block '{header.id}' has {len(header.fields['levels'])} levels but "
               f"{len(ref.fields['levels'])} in {ref_name}; the scene's levels must match")
    for name in names:
        if header.fields[name] != ref.fields[name]:
            report(
                header.line,
                f"block '{header.id}': '{name}' is {header.fields[name]} here but "
                f"{ref.fields[name]} in {ref_name}; it must be the same in every language",
            )
