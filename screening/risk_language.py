"""Rule layer of risk-language detection (suicide / self-harm) for Danish and English.

Patients' own free text (intake answers, exercises, diary notes, messages) is split into
sentences and matched against clinician-reviewable phrase rules in
``content/risk/phrases.yaml``. Each hit carries the exact sentence and its character
offsets in the original text, so a therapist can be alerted and shown the sentence.

This is a screening aid with a clinician in the loop: it favours recall, it is never
shown to the patient as a judgement, and a missing hit does not mean "no risk".

Public API::

    detect(text, lang=None, *, content_dir) -> list[RiskHit]
    load_rules(content_dir) -> RuleSet               # validated, compiled, cached
    split_sentences(text) -> list[tuple[int, int]]
    normalise(text) -> str
    RiskHit, RuleSet, Rule, PhraseFileError, CATEGORIES
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.content.loader import ContentError, load_yaml

__all__ = [
    "CATEGORIES",
    "PHRASES_RELPATH",
    "PhraseFileError",
    "RiskHit",
    "Rule",
    "checked_yaml",
    "content_file",
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
PHRASES_RELPATH = Path("risk") / "phrases.yaml"
SUPPORTED_SCHEMA_VERSIONS = (1,)

# How far back (in words) the subject check looks for "he"/"my sister" etc.
_SUBJECT_LOOKBACK = 10


#: The phrase file is missing, unreadable or breaks the schema: file:line: message.
PhraseFileError = ContentError


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


def load_rules(content_dir: str | Path) -> RuleSet:
    """Load, check (``screening.phrase_models``) and compile the phrase rules (cached).

    The rules are read from ``<content_dir>/risk/phrases.yaml`` (the app's is built at
    start-up from ``CONTENT_DIR``); :class:`PhraseFileError` names the file and line of the
    first problem. Call ``load_rules.cache_clear()`` after editing the file in a running
    process.
    """
    return _load_rules_cached(content_file(content_dir, PHRASES_RELPATH))


_T = TypeVar("_T")


def content_file(content_dir: str | Path, relpath: Path) -> str:
    """The resolved path of a risk content file: the cache key of its loader."""
    return str((Path(content_dir) / relpath).resolve())


def checked_yaml(path_str: str, relpath: Path, check: Callable[[Any, str, Path], _T]) -> _T:
    """Read a risk content file and hand it to its schema check, which names ``relpath``."""
    file = relpath.as_posix()
    return check(load_yaml(path_str, file), file, Path(path_str))


@functools.cache
def _load_rules_cached(path_str: str) -> RuleSet:
    from screening.phrase_models import check_phrases

    return checked_yaml(path_str, PHRASES_RELPATH, check_phrases)


load_rules.cache_clear = _load_rules_cached.cache_clear  # type: ignore[attr-defined]


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


def _words_before(tokens: list[_Token], match_start: int, rs: RuleSet) -> Iterator[_Token]:
    """The words before ``match_start``, nearest first, back to the start of the clause."""
    for tok in reversed([t for t in tokens if t.end <= match_start]):
        if not tok.is_word:
            if tok.text in rs.clause_punctuation:
                return
            continue
        yield tok


def _is_negator(tok: str, lr: LanguageRules) -> bool:
    return tok in lr.negators or any(tok.endswith(s) for s in lr.negator_suffixes)


def _negated(
    norm: str, tokens: list[_Token], match_start: int, lr: LanguageRules, rs: RuleSet
) -> bool:
    """True when a negator occurs within the window before ``match_start`` (same clause)."""
    pseudo = [(m.start(), m.end()) for p in lr.pseudo_negations for m in p.finditer(norm)]
    for words, tok in enumerate(_words_before(tokens, match_start, rs)):
        if words >= rs.negation_window:
            return False
        in_pseudo = any(a <= tok.start < b for a, b in pseudo)
        if not in_pseudo and _is_negator(tok.text, lr):
            return True
        if tok.text in lr.scope_terminators:
            return False
    return False


def _third_party(tokens: list[_Token], match_start: int, lr: LanguageRules, rs: RuleSet) -> bool:
    """True when the nearest subject word before the phrase (same clause) is someone else."""
    for words, tok in enumerate(_words_before(tokens, match_start, rs), start=1):
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
    text: str, lang: str | None = None, *, content_dir: str | Path
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
