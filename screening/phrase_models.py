"""The schemas of content/risk/phrases.yaml and content/risk/prototypes.yaml (pydantic).

``check_phrases`` and ``check_prototypes`` validate a document read by
``app.content.loader`` and build the runtime rule and prototype sets; every problem is a
``ContentError`` with file and line. Patterns are matched against lower-cased text, so a
pattern with an upper-case letter, one that does not compile, or one that matches the
empty string (it would hit every sentence) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError

from app.content.loader import ContentError, errors_from_validation, line_of
from screening import risk_language as runtime
from screening.risk_prototypes import Prototype, PrototypeSet

_SHAPE = ConfigDict(extra="forbid", frozen=True)
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")
_RULE_ID = re.compile(r"^[a-z]{2,3}\.[a-z0-9_]+\.[a-z0-9_]+$")
_ESCAPE = re.compile(r"\\.")
Loc = tuple[Any, ...]


def _lang_code(value: str) -> str:
    if not _LANG_CODE.match(value):
        raise ValueError("language code must be 2-3 lower-case letters (e.g. 'da')")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _words(value: Any) -> list[str]:
    # Unquoted YAML "no" is False: refused here rather than silently dropped.
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of non-empty strings")
    return [v.strip() for v in value]


def _lower_words(value: Any) -> list[str]:
    words = _words(value)
    if bad := [word for word in words if word != word.lower()]:
        raise ValueError(f"must be lower-case (text is lower-cased): {bad}")
    return words


def _regex(source: Any, *, check_empty: bool = False) -> str:
    if not isinstance(source, str) or not source.strip():
        raise ValueError("must be a non-empty regular expression string")
    if re.search(r"[A-ZÆØÅ]", _ESCAPE.sub("", source)):
        raise ValueError("contains upper-case letters, but text is matched lower-cased, "
                         f"so it could never match: {source!r}")
    try:
        compiled = re.compile(source)
    except re.error as error:
        raise ValueError(f"regular expression does not compile ({error}): {source!r}") from None
    if check_empty and compiled.search("") is not None:
        raise ValueError(f"matches the empty string, so it would hit every sentence: {source!r}")
    return source


def _search_regex(source: Any) -> str:
    return _regex(source, check_empty=True)


LangCode = Annotated[StrictStr, AfterValidator(_lang_code)]
Flag = Annotated[Any, AfterValidator(_bool)]
Words = Annotated[Any, AfterValidator(_words)]
LowerWords = Annotated[Any, AfterValidator(_lower_words)]
Regex = Annotated[Any, AfterValidator(_regex)]
SearchRegex = Annotated[Any, AfterValidator(_search_regex)]


class PatternModel(BaseModel):
    model_config = _SHAPE
    id: StrictStr
    category: StrictStr
    pattern: SearchRegex | Annotated[list[SearchRegex], Field(min_length=1)]
    negatable: Flag
    third_party_cancels: Flag = False
    unless_followed_by: Regex | list[Regex] | None = None
    unless_preceded_by: Regex | list[Regex] | None = None
    note: StrictStr = ""


class LanguageModel(BaseModel):
    model_config = _SHAPE
    name: StrictStr | None = None
    negators: Annotated[LowerWords, Field(min_length=1)]
    negator_suffixes: Words | None = None
    pseudo_negations: list[SearchRegex] | None = None
    scope_terminators: LowerWords | None = None
    self_subjects: LowerWords | None = None
    other_subjects: LowerWords | None = None
    patterns: Annotated[list[PatternModel], Field(min_length=1)]


def _schema_version(value: Any) -> int:
    if value not in runtime.SUPPORTED_SCHEMA_VERSIONS or isinstance(value, bool):
        raise ValueError(f"unsupported version {value!r}; "
                         f"supported: {list(runtime.SUPPORTED_SCHEMA_VERSIONS)}")
    return int(value)


SchemaVersion = Annotated[Any, AfterValidator(_schema_version)]


class PhraseFile(BaseModel):
    model_config = _SHAPE
    schema_version: SchemaVersion
    negation_window: Annotated[int, Field(ge=0, le=20, strict=True)] = 5
    clause_punctuation: Words = [",", ";", ":"]
    languages: Annotated[dict[LangCode, LanguageModel], Field(min_length=1)]


def _validated(model: type[BaseModel], document: Any, file: str) -> Any:
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise errors_from_validation(error, document, file)[0] from None


def _raise_first(problems: Iterator[tuple[Loc, str]], document: Any, file: str) -> None:
    problem = next(problems, None)
    if problem is not None:
        loc, message = problem
        where = ".".join(str(part) for part in loc)
        raise ContentError(file, line_of(document, loc), f"{where}: {message}")


def check_phrases(document: Any, file: str, path: Path) -> runtime.RuleSet:
    """The compiled phrase rules; raises the first ContentError."""
    model: PhraseFile = _validated(PhraseFile, document, file)
    _raise_first(_pattern_problems(model), document, file)
    return runtime.RuleSet(
        path=path, negation_window=model.negation_window,
        clause_punctuation=frozenset(model.clause_punctuation),
        languages={code: _language(code, spec) for code, spec in model.languages.items()})


def _pattern_problems(model: PhraseFile) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for code, spec in model.languages.items():
        for index, item in enumerate(spec.patterns):
            loc = ("languages", code, "patterns", index)
            if not _RULE_ID.match(item.id):
                yield (*loc, "id"), ("id must look like '<lang>.<group>.<name>' in "
                                     "lower-case, e.g. 'en.si.kill_myself'")
            elif not item.id.startswith(f"{code}."):
                yield (*loc, "id"), f"id must start with the language code '{code}.'"
            elif item.id in seen:
                yield (*loc, "id"), f"duplicate id {item.id!r}"
            if item.category not in runtime.CATEGORIES:
                yield (*loc, "category"), (f"category must be one of "
                                           f"{list(runtime.CATEGORIES)}, got {item.category!r}")
            seen.add(item.id)


def _alternatives(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _joined(value: str | list[str] | None, suffix: str = "") -> re.Pattern[str] | None:
    """One regex or a list of alternatives as one pattern (plus an optional suffix)."""
    if value is None:
        return None
    return re.compile("(?:" + "|".join(f"(?:{p})" for p in _alternatives(value)) + ")" + suffix)


def _language(code: str, spec: LanguageModel) -> runtime.LanguageRules:
    rules = tuple(runtime.Rule(
        id=item.id, category=item.category, lang=code,
        regexes=tuple(re.compile(p) for p in _alternatives(item.pattern)),
        negatable=item.negatable, third_party_cancels=item.third_party_cancels,
        unless_followed_by=_joined(item.unless_followed_by),
        # must match right up to the phrase, hence the end anchor
        unless_preceded_by=_joined(item.unless_preceded_by, suffix=r"\Z"),
        note=item.note) for item in spec.patterns)
    return runtime.LanguageRules(
        lang=code, name=spec.name or code, rules=rules, negators=frozenset(spec.negators),
        negator_suffixes=tuple(spec.negator_suffixes or ()),
        pseudo_negations=tuple(re.compile(p) for p in spec.pseudo_negations or ()),
        scope_terminators=frozenset(spec.scope_terminators or ()),
        self_subjects=frozenset(spec.self_subjects or ()),
        other_subjects=frozenset(spec.other_subjects or ()))


# --- prototypes ------------------------------------------------------------------------------


class ContrastStatement(BaseModel):
    model_config = _SHAPE
    id: StrictStr
    text: Annotated[StrictStr, Field(min_length=1)]


class RiskStatement(ContrastStatement):
    category: StrictStr


class PrototypeLanguage(BaseModel):
    model_config = _SHAPE
    risk: Annotated[list[RiskStatement], Field(min_length=1)]
    contrast: list[ContrastStatement] | None = None


class PrototypeFile(BaseModel):
    model_config = _SHAPE
    schema_version: SchemaVersion
    languages: Annotated[dict[LangCode, PrototypeLanguage], Field(min_length=1)]


def check_prototypes(document: Any, file: str, path: Path) -> PrototypeSet:
    """The risk and contrast statements; raises the first ContentError."""
    model: PrototypeFile = _validated(PrototypeFile, document, file)
    _raise_first(_prototype_problems(model), document, file)
    risk, contrast = [], []
    for lang, groups in model.languages.items():
        risk += [Prototype(p.id, lang, p.text.strip(), p.category) for p in groups.risk]
        contrast += [Prototype(p.id, lang, p.text.strip(), None) for p in groups.contrast or ()]
    return PrototypeSet(path, tuple(risk), tuple(contrast))


def _prototype_problems(model: PrototypeFile) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for lang, groups in model.languages.items():
        statements: list[tuple[str, list[ContrastStatement]]] = [
            ("risk", list(groups.risk)), ("contrast", groups.contrast or [])]
        for group, found in statements:
            for index, statement in enumerate(found):
                loc = ("languages", lang, group, index)
                if not statement.id.startswith(f"{lang}.") or statement.id in seen:
                    yield loc, f"id must be unique and start with '{lang}.': {statement.id!r}"
                if not statement.text.strip():
                    yield loc, "text must be a non-empty string"
                category = getattr(statement, "category", None)
                if group == "risk" and category not in runtime.CATEGORIES:
                    yield loc, f"category must be one of {list(runtime.CATEGORIES)}"
                seen.add(statement.id)
