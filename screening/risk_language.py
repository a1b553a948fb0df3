"""Rule layer of risk-language detection (suicide / self-harm) for Danish and English.

Patients' own free text (intake answers, exercises, diary notes, messages) is split into
sentences and matched against clinician-reviewable phrase rules in
``content/risk/phrases.yaml``. Each hit carries the exact sentence and its character
offsets in the original text, so a therapist can be alerted and shown the sentence.

This is a screening aid with a clinician in the loop: it favours recall, it is never
shown to the patient as a judgement, and a missing hit does not mean "no risk".

Public API::

    detect(text, lang=None, *, content_dir=None) -> list[RiskHit]
    load_rules(content_dir=None) -> RuleSet          # validated, compiled, cached
    split_sentences(text) -> list[tuple[int, int]]
    normalise(text) -> str
    RiskHit, RuleSet, Rule, PhraseFileError, CATEGORIES
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CATEGORIES",
    "DEFAULT_CONTENT_DIR",
    "PHRASES_RELPATH",
    "PhraseFileError",
    "RiskHit",
    "Rule",
    "LanguageRules",
    "RuleSet",
    "detect",
    "load_rules",
    "normalise",
    "split_sentences",
]

CATEGORIES: tuple[str, ...] = (
    "suicidal_ideation",
    "self_harm",
    "plan_or_means",
    "hopelessness",
)
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
PHRASES_RELPATH = Path("risk") / "phrases.yaml"
SUPPORTED_SCHEMA_VERSIONS = (1,)

# How far back (in words) the subject check looks for "he"/"my sister" etc.
_SUBJECT_LOOKBACK = 10


class PhraseFileError(ValueError):
    """The phrase file is missing, unreadable or does not follow the schema."""


@dataclass(frozen=True)
class RiskHit:
    """One rule matched one sentence.

    ``text[start:end] == sentence`` for the ``text`` given to :func:`detect`.
    ``matched`` is the matched phrase in normalised (lower-cased) form, for reviewers.
    """

    sentence: str
    start: int
    end: int
    rule_id: str
    category: str
    lang: str
    matched: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    lang: str
    regexes: tuple[re.Pattern[str], ...]
    negatable: bool
    third_party_cancels: bool = False
    unless_followed_by: re.Pattern[str] | None = None
    unless_preceded_by: re.Pattern[str] | None = None
    note: str = ""


@dataclass(frozen=True)
class LanguageRules:
    lang: str
    name: str
    rules: tuple[Rule, ...]
    negators: frozenset[str]
    negator_suffixes: tuple[str, ...]
    pseudo_negations: tuple[re.Pattern[str], ...]
    scope_terminators: frozenset[str]
    self_subjects: frozenset[str]
    other_subjects: frozenset[str]


@dataclass(frozen=True)
class RuleSet:
    path: Path
    negation_window: int
    clause_punctuation: frozenset[str]
    languages: Mapping[str, LanguageRules]

    def pattern_counts(self) -> dict[str, int]:
        return {code: len(lr.rules) for code, lr in self.languages.items()}


# --------------------------------------------------------------------------- text utils

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
    }
)
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"[\w']+|[^\w\s]")


def normalise(text: str) -> str:
    """Lower-case, unify quotes/apostrophes/hyphens and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    return _WS.sub(" ", text).strip()


# Sentence end: terminal punctuation (plus closing quotes/brackets) followed by
# whitespace or end of text; line breaks always end a sentence.
_SENT_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    {
        "e.g",
        "i.e",
        "etc.",
        "dr",
        "mr",
        "mrs",
        "ms",
        "vs",
        "approx",
        "no",
        "f.eks",
        "bl.a",
        "dvs",
        "osv",
        "ca",
        "kl",
        "nr",
        "evt",
        "mht",
        "pga",
        "jf",
        "hhv",
        "ift",
    }
)
_HAS_WORD = re.compile(r"\w")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences in ``text``.

    Offsets are trimmed of surrounding whitespace; fragments without any letter or
    digit are dropped. Decimal numbers and common abbreviations do not end a sentence.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        if m.group() != "\n" and m.group().startswith(".") and len(m.group()) == 1:
            word = text[max(pos, m.start() - 6) : m.start()].split()[-1:] or [""]
            if word[0].lower().lstrip("(\"'") in _ABBREVIATIONS:
                continue
        _append_span(text, pos, m.end(), spans)
        pos = m.end()
    _append_span(text, pos, len(text), spans)
    return spans


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end and _HAS_WORD.search(text, start, end):
        spans.append((start, end))


# --------------------------------------------------------------------------- loading

_PATTERN_KEYS = {
    "id",
    "category",
    "pattern",
    "negatable",
    "third_party_cancels",
    "unless_followed_by",
    "unless_preceded_by",
    "note",
}
_LANG_KEYS = {
    "name",
    "negators",
    "negator_suffixes",
    "pseudo_negations",
    "scope_terminators",
    "self_subjects",
    "other_subjects",
    "patterns",
}
_TOP_KEYS = {"schema_version", "negation_window", "clause_punctuation", "languages"}
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")
_RULE_ID = re.compile(r"^[a-z]{2,3}\.[a-z0-9_]+\.[a-z0-9_]+$")
_ESCAPE = re.compile(r"\\.")


def load_rules(content_dir: str | Path | None = None) -> RuleSet:
    """Load, validate and compile the phrase rules (cached per file path).

    ``content_dir`` defaults to the repository's ``content/`` folder; the rules are read
    from ``<content_dir>/risk/phrases.yaml``. Raises :class:`PhraseFileError` with the
    file path and the offending location when the file is invalid. Call
    ``load_rules.cache_clear()`` after editing the file in a running process.
    """
    base = Path(content_dir) if content_dir is not None else DEFAULT_CONTENT_DIR
    return _load_rules_cached(str((base / PHRASES_RELPATH).resolve()))


@functools.cache
def _load_rules_cached(path_str: str) -> RuleSet:
    path = Path(path_str)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PhraseFileError(f"{path}: cannot read phrase file ({exc})") from exc
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PhraseFileError(f"{path}: not valid YAML ({exc})") from exc
    return _build_ruleset(path, data)


load_rules.cache_clear = _load_rules_cached.cache_clear  # type: ignore[attr-defined]


def _fail(path: Path, where: str, msg: str) -> PhraseFileError:
    return PhraseFileError(f"{path}: {where}: {msg}")


def _check_keys(
    path: Path, where: str, obj: Mapping[str, Any], allowed: set[str], required: Iterable[str]
) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise _fail(path, where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    missing = [k for k in required if k not in obj]
    if missing:
        raise _fail(path, where, f"missing required key(s) {missing}")


def _str_list(path: Path, where: str, value: Any, *, allow_empty: bool = True) -> list[str]:
    if value is None and allow_empty:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, "must be a list of non-empty strings")
    if not value and not allow_empty:
        raise _fail(path, where, "must not be empty")
    return [v.strip() for v in value]


def _lower_words(path: Path, where: str, value: Any) -> frozenset[str]:
    words = _str_list(path, where, value)
    bad = [w for w in words if w != w.lower()]
    if bad:
        raise _fail(path, where, f"must be lower-case (text is lower-cased): {bad}")
    return frozenset(words)


def _compile(path: Path, where: str, source: Any, *, check_empty: bool) -> re.Pattern[str]:
    if not isinstance(source, str) or not source.strip():
        raise _fail(path, where, "must be a non-empty regular expression string")
    if re.search(r"[A-ZÆØÅ]", _ESCAPE.sub("", source)):
        raise _fail(
            path,
            where,
            "contains upper-case letters, but text is matched "
            f"lower-cased, so it could never match: {source!r}",
        )
    try:
        compiled = re.compile(source)
    except re.error as exc:
        raise _fail(
            path, where, f"regular expression does not compile ({exc}): {source!r}"
        ) from exc
    if check_empty and compiled.search("") is not None:
        raise _fail(
            path, where, f"matches the empty string, so it would hit every sentence: {source!r}"
        )
    return compiled


def _compile_alternatives(
    path: Path, where: str, value: Any, *, check_empty: bool
) -> list[re.Pattern[str]]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _fail(path, where, "must not be an empty list")
    return [
        _compile(
            path,
            f"{where}[{i}]" if isinstance(value, list) else where,
            item,
            check_empty=check_empty,
        )
        for i, item in enumerate(items)
    ]


def _joined(path: Path, where: str, value: Any, *, suffix: str = "") -> re.Pattern[str] | None:
    """Compile one regex or a list of alternatives into one pattern (+ optional suffix)."""
    if value is None:
        return None
    parts = _compile_alternatives(path, where, value, check_empty=False)
    return re.compile("(?:" + "|".join(f"(?:{p.pattern})" for p in parts) + ")" + suffix)


def _bool(path: Path, where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, where, f"must be true or false, got {value!r}")
    return value


def _build_ruleset(path: Path, data: Any) -> RuleSet:
    if not isinstance(data, dict):
        raise _fail(path, "top level", "must be a mapping")
    _check_keys(path, "top level", data, _TOP_KEYS, ["schema_version", "languages"])
    if data["schema_version"] not in SUPPORTED_SCHEMA_VERSIONS:
        raise _fail(
            path,
            "schema_version",
            f"unsupported version {data['schema_version']!r};"
            f" supported: {list(SUPPORTED_SCHEMA_VERSIONS)}",
        )
    window = data.get("negation_window", 5)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 20:
        raise _fail(path, "negation_window", f"must be an integer 0-20, got {window!r}")
    punct = frozenset(
        _str_list(path, "clause_punctuation", data.get("clause_punctuation", [",", ";", ":"]))
    )
    langs = data["languages"]
    if not isinstance(langs, dict) or not langs:
        raise _fail(path, "languages", "must be a non-empty mapping of language code -> rules")

    seen_ids: set[str] = set()
    built: dict[str, LanguageRules] = {}
    for code, spec in langs.items():
        where = f"languages.{code}"
        if not isinstance(code, str) or not _LANG_CODE.match(code):
            raise _fail(path, where, "language code must be 2-3 lower-case letters (e.g. 'da')")
        if not isinstance(spec, dict):
            raise _fail(path, where, "must be a mapping")
        _check_keys(path, where, spec, _LANG_KEYS, ["negators", "patterns"])
        pats = spec["patterns"]
        if not isinstance(pats, list) or not pats:
            raise _fail(path, f"{where}.patterns", "must be a non-empty list")
        rules = []
        for i, item in enumerate(pats):
            pwhere = f"{where}.patterns[{i}]"
            if not isinstance(item, dict):
                raise _fail(path, pwhere, "must be a mapping with id, category, pattern, negatable")
            if isinstance(item.get("id"), str):
                pwhere += f" (id {item['id']!r})"
            _check_keys(
                path, pwhere, item, _PATTERN_KEYS, ["id", "category", "pattern", "negatable"]
            )
            rid = item["id"]
            if not isinstance(rid, str) or not _RULE_ID.match(rid):
                raise _fail(
                    path,
                    pwhere,
                    "id must look like '<lang>.<group>.<name>' in "
                    "lower-case, e.g. 'en.si.kill_myself'",
                )
            if not rid.startswith(f"{code}."):
                raise _fail(path, pwhere, f"id must start with the language code '{code}.'")
            if rid in seen_ids:
                raise _fail(path, pwhere, "duplicate id")
            seen_ids.add(rid)
            if item["category"] not in CATEGORIES:
                raise _fail(
                    path,
                    pwhere,
                    f"category must be one of {list(CATEGORIES)}, got {item['category']!r}",
                )
            note = item.get("note", "")
            if not isinstance(note, str):
                raise _fail(path, f"{pwhere}.note", "must be a string")
            rules.append(
                Rule(
                    id=rid,
                    category=item["category"],
                    lang=code,
                    regexes=tuple(
                        _compile_alternatives(
                            path, f"{pwhere}.pattern", item["pattern"], check_empty=True
                        )
                    ),
                    negatable=_bool(path, f"{pwhere}.negatable", item["negatable"]),
                    third_party_cancels=_bool(
                        path,
                        f"{pwhere}.third_party_cancels",
                        item.get("third_party_cancels", False),
                    ),
                    unless_followed_by=_joined(
                        path, f"{pwhere}.unless_followed_by", item.get("unless_followed_by")
                    ),
                    # must match right up to the phrase, hence the end anchor
                    unless_preceded_by=_joined(
                        path,
                        f"{pwhere}.unless_preceded_by",
                        item.get("unless_preceded_by"),
                        suffix=r"\Z",
                    ),
                    note=note,
                )
            )
        negators = _lower_words(path, f"{where}.negators", spec["negators"])
        if not negators:
            raise _fail(path, f"{where}.negators", "must not be empty")
        built[code] = LanguageRules(
            lang=code,
            name=str(spec.get("name", code)),
            rules=tuple(rules),
            negators=negators,
            negator_suffixes=tuple(
                _str_list(path, f"{where}.negator_suffixes", spec.get("negator_suffixes"))
            ),
            pseudo_negations=tuple(
                _compile(path, f"{where}.pseudo_negations[{i}]", p, check_empty=True)
                for i, p in enumerate(
                    _str_list(path, f"{where}.pseudo_negations", spec.get("pseudo_negations"))
                )
            ),
            scope_terminators=_lower_words(
                path, f"{where}.scope_terminators", spec.get("scope_terminators")
            ),
            self_subjects=_lower_words(path, f"{where}.self_subjects", spec.get("self_subjects")),
            other_subjects=_lower_words(
                path, f"{where}.other_subjects", spec.get("other_subjects")
            ),
        )
    return RuleSet(path=path, negation_window=window, clause_punctuation=punct, languages=built)


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    is_word: bool


_WORDISH = re.compile(r"[\w']")


def _tokens(norm: str) -> list[_Token]:
    return [
        _Token(m.group(), m.start(), m.end(), bool(_WORDISH.match(m.group())))
        for m in _TOKEN.finditer(norm)
    ]


def _is_negator(tok: str, lr: LanguageRules) -> bool:
    return tok in lr.negators or any(tok.endswith(s) for s in lr.negator_suffixes)


def _negated(
    norm: str, tokens: list[_Token], match_start: int, lr: LanguageRules, rs: RuleSet
) -> bool:
    """True when a negator occurs within the window before ``match_start`` (same clause)."""
    pseudo = [(m.start(), m.end()) for p in lr.pseudo_negations for m in p.finditer(norm)]
    words = 0
    for tok in reversed([t for t in tokens if t.end <= match_start]):
        if not tok.is_word:
            if tok.text in rs.clause_punctuation:
                return False
            continue
        if words >= rs.negation_window:
            return False
        words += 1
        in_pseudo = any(a <= tok.start < b for a, b in pseudo)
        if not in_pseudo and _is_negator(tok.text, lr):
            return True
        if tok.text in lr.scope_terminators:
            return False
    return False


def _third_party(tokens: list[_Token], match_start: int, lr: LanguageRules, rs: RuleSet) -> bool:
    """True when the nearest subject word before the phrase (same clause) is someone else."""
    words = 0
    for tok in reversed([t for t in tokens if t.end <= match_start]):
        if not tok.is_word:
            if tok.text in rs.clause_punctuation:
                return False
            continue
        words += 1
        if words > _SUBJECT_LOOKBACK:
            return False
        if tok.text in lr.self_subjects:
            return False
        if tok.text in lr.other_subjects:
            return True
    return False


def _rule_hits(
    rule: Rule, norm: str, tokens: list[_Token], lr: LanguageRules, rs: RuleSet
) -> str | None:
    """Return the matched phrase of the first un-cancelled match, else None."""
    for regex in rule.regexes:
        for m in regex.finditer(norm):
            if m.end() == m.start():
                continue
            if rule.unless_followed_by is not None and rule.unless_followed_by.match(
                norm[m.end() :].lstrip()
            ):
                continue
            if rule.unless_preceded_by is not None and rule.unless_preceded_by.search(
                norm[: m.start()].rstrip()
            ):
                continue
            if rule.negatable and _negated(norm, tokens, m.start(), lr, rs):
                continue
            if rule.third_party_cancels and _third_party(tokens, m.start(), lr, rs):
                continue
            return m.group()
    return None


def _languages(rs: RuleSet, lang: str | None) -> list[LanguageRules]:
    if lang:
        code = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
        if code in rs.languages:
            return [rs.languages[code]]
    # Unknown or missing language: run every language's rules (recall first).
    return list(rs.languages.values())


def detect(
    text: str, lang: str | None = None, *, content_dir: str | Path | None = None
) -> list[RiskHit]:
    """Find risk language in a patient's own text.

    ``lang`` ("da", "en", "da-DK", ...) restricts matching to that language's rules.
    With ``lang=None`` (recommended for free text, which is often mixed) or an
    unsupported language, all languages' rules are run. Returns one hit per
    (sentence, rule), ordered by position in the text, then by rule order.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    rs = load_rules(content_dir)
    langs = _languages(rs, lang)
    hits: list[RiskHit] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        norm = normalise(sentence)
        if not norm:
            continue
        tokens = _tokens(norm)
        for lr in langs:
            for rule in lr.rules:
                matched = _rule_hits(rule, norm, tokens, lr, rs)
                if matched is not None:
                    hits.append(
                        RiskHit(
                            sentence=sentence,
                            start=start,
                            end=end,
                            rule_id=rule.id,
                            category=rule.category,
                            lang=lr.lang,
                            matched=matched,
                        )
                    )
    return hits
