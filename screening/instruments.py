"""Questionnaire definitions: load content/screening/<id>.yaml into frozen dataclasses.

The YAML files are the single source of truth for wording, answer options, scoring range and
severity bands. Everything is checked at load time (``screening.instrument_models``), so
that a typo in a content file fails loudly with the file and line named instead of silently
mis-scoring a patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.content.loader import ContentError, load_yaml

INSTRUMENT_IDS = ("phq9", "gad7", "wsas", "intake")
LANGUAGES = ("en", "da")
ITEM_KINDS = ("choice", "yesno", "text")
YES_NO_VALUES = frozenset({"yes", "no"})

#: An instrument file is missing or breaks the schema (screening.instrument_models).
InstrumentError = ContentError


@dataclass(frozen=True)
class LocalizedText:
    en: str
    da: str

    def get(self, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
        return getattr(self, language)


@dataclass(frozen=True)
class Option:
    value: int | str
    label: LocalizedText
    loinc: str | None = None


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # one of ITEM_KINDS
    text: LocalizedText
    scored: bool
    required: bool
    options: tuple[Option, ...] = ()
    loinc: str | None = None
    max_length: int | None = None  # text items only
    risk: bool = False
    risk_threshold: int | None = None  # scored risk items: answers >= this are risk answers
    risk_values: tuple[str, ...] = ()  # unscored risk items: these answers are risk answers

    @property
    def option_values(self) -> tuple[int | str, ...]:
        return tuple(option.value for option in self.options)

    def is_risk_answer(self, answer: object) -> bool:
        if not self.risk:
            return False
        if self.risk_threshold is not None:
            return isinstance(answer, int) and answer >= self.risk_threshold
        return answer in self.risk_values


@dataclass(frozen=True)
class Band:
    name: str
    min: int
    max: int
    label: LocalizedText


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: LocalizedText
    instructions: LocalizedText
    items: tuple[Item, ...]
    optional: bool = False
    attribution: str | None = None
    loinc_panel: str | None = None
    loinc_total: str | None = None
    score_min: int | None = None  # None for unscored forms such as the intake
    score_max: int | None = None
    bands: tuple[Band, ...] = ()

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    @property
    def is_scored(self) -> bool:
        return self.score_max is not None

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.id} has no item {item_id!r}")

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.min <= total <= band.max:
                return band
        raise ValueError(f"{self.id}: total {total} is outside {self.score_min}-{self.score_max}")


def instrument_path(instrument_id: str, content_dir: Path | str) -> Path:
    return _content_dir(content_dir) / "screening" / f"{instrument_id}.yaml"


def load_instrument(instrument_id: str, content_dir: Path | str) -> Instrument:
    """Load and check one instrument. Cached: content files are read once per process."""
    return _load_cached(instrument_id, _content_dir(content_dir))


def load_instruments(content_dir: Path | str) -> dict[str, Instrument]:
    """Every shipped instrument, keyed by id, in INSTRUMENT_IDS order."""
    return {iid: load_instrument(iid, content_dir) for iid in INSTRUMENT_IDS}


def _content_dir(content_dir: Path | str) -> Path:
    # Always the configured folder (STEPCARE_CONTENT_DIR): never the package's own.
    return Path(content_dir).resolve()


@cache
def _load_cached(instrument_id: str, content_dir: Path) -> Instrument:
    from screening.instrument_models import check

    file = f"screening/{instrument_id}.yaml"
    document = load_yaml(content_dir / file, file)
    return check(document, file, expected_id=instrument_id)
