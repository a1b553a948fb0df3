"""Questionnaire definitions: load content/screening/<id>.yaml into frozen dataclasses.

The YAML files are the single source of truth for wording, answer options, scoring range and
severity bands. Everything is checked at load time, so that a typo in a content file fails
loudly with the file and the problem named instead of silently mis-scoring a patient.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
INSTRUMENT_IDS = ("phq9", "gad7", "wsas", "intake")
LANGUAGES = ("en", "da")
ITEM_KINDS = ("choice", "yesno", "text")
YES_NO_VALUES = frozenset({"yes", "no"})

_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
_LOINC_CODE = re.compile(r"^(?:LA|LL)?\d{1,7}-\d$")

_TOP_KEYS = {
    "required": {"id", "version", "title", "instructions", "items"},
    "optional": {"optional", "attribution", "loinc", "options", "scoring", "bands"},
}
_ITEM_KEYS = {
    "required": {"id", "kind", "text", "scored"},
    "optional": {"options", "loinc", "required", "risk", "risk_threshold", "risk_values",
                 "max_length"},
}


class InstrumentError(ValueError):
    """An instrument file is missing, malformed or inconsistent."""


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


def instrument_path(instrument_id: str, content_dir: Path | str | None = None) -> Path:
    return _content_dir(content_dir) / "screening" / f"{instrument_id}.yaml"


def load_instrument(instrument_id: str, content_dir: Path | str | None = None) -> Instrument:
    """Load and check one instrument. Cached: content files are read once per process."""
    return _load_cached(instrument_id, _content_dir(content_dir))


def load_instruments(content_dir: Path | str | None = None) -> dict[str, Instrument]:
    """Every shipped instrument, keyed by id, in INSTRUMENT_IDS order."""
    return {iid: load_instrument(iid, content_dir) for iid in INSTRUMENT_IDS}


def _content_dir(content_dir: Path | str | None) -> Path:
    return DEFAULT_CONTENT_DIR if content_dir is None else Path(content_dir).resolve()


@cache
def _load_cached(instrument_id: str, content_dir: Path) -> Instrument:
    path = content_dir / "screening" / f"{instrument_id}.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InstrumentError(f"{path}: cannot read instrument file ({error})") from error
    except yaml.YAMLError as error:
        raise InstrumentError(f"{path}: not valid YAML ({error})") from error
    return parse_instrument(document, source=path.name, expected_id=instrument_id)


def parse_instrument(document: Any, source: str, expected_id: str | None = None) -> Instrument:
    """Build an Instrument from parsed YAML; InstrumentError names `source` and the field."""
    try:
        return _parse(document, expected_id)
    except _Problem as problem:
        raise InstrumentError(f"{source}: {problem.where}: {problem.message}") from None


class _Problem(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def _parse(document: Any, expected_id: str | None) -> Instrument:
    top = _mapping(document, "top level")
    _check_keys(top, _TOP_KEYS, "top level")
    instrument_id = _snake_case(top["id"], "id")
    if expected_id is not None and instrument_id != expected_id:
        raise _Problem("id", f"is {instrument_id!r} but the file is named {expected_id}.yaml")
    option_sets = _option_sets(top.get("options", {}))
    items = _items(top["items"], option_sets)
    loinc = _loinc_block(top.get("loinc"))
    score_min, score_max, bands = _scoring_and_bands(top, items)
    return Instrument(
        id=instrument_id,
        version=_positive_int(top["version"], "version"),
        title=_localized(top["title"], "title"),
        instructions=_localized(top["instructions"], "instructions"),
        items=items,
        optional=_bool(top.get("optional", False), "optional"),
        attribution=_optional_string(top.get("attribution"), "attribution"),
        loinc_panel=loinc.get("panel"),
        loinc_total=loinc.get("total"),
        score_min=score_min,
        score_max=score_max,
        bands=bands,
    )


# --- option sets and items ---------------------------------------------------------------

def _option_sets(raw: Any) -> dict[str, tuple[Option, ...]]:
    sets = _mapping(raw, "options")
    return {_snake_case(name, f"options.{name}"): _option_list(options, f"options.{name}")
            for name, options in sets.items()}


def _option_list(raw: Any, where: str) -> tuple[Option, ...]:
    entries = _non_empty_list(raw, where)
    options = tuple(_option(entry, f"{where}[{index}]") for index, entry in enumerate(entries))
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        raise _Problem(where, f"option values must be unique, got {values}")
    if len({type(value) for value in values}) != 1:
        raise _Problem(where, "option values must be all integers or all strings")
    return options


def _option(raw: Any, where: str) -> Option:
    entry = _mapping(raw, where)
    _check_keys(entry, {"required": {"value", "label"}, "optional": {"loinc"}}, where)
    value = entry["value"]
    # bool is rejected on purpose: unquoted YAML yes/no become True/False.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Problem(f"{where}.value", f"must be an integer or a quoted string, got {value!r}")
    if isinstance(value, str):
        _snake_case(value, f"{where}.value")
    loinc = entry.get("loinc")
    return Option(value=value, label=_localized(entry["label"], f"{where}.label"),
                  loinc=None if loinc is None else _loinc(loinc, f"{where}.loinc"))


def _items(raw: Any, option_sets: Mapping[str, tuple[Option, ...]]) -> tuple[Item, ...]:
    entries = _non_empty_list(raw, "items")
    items = tuple(_item(entry, f"items[{index}]", option_sets)
                  for index, entry in enumerate(entries))
    ids = [item.id for item in items]
    duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    if duplicates:
        raise _Problem("items", f"duplicate item id(s): {', '.join(duplicates)}")
    return items


def _item(raw: Any, where: str, option_sets: Mapping[str, tuple[Option, ...]]) -> Item:
    entry = _mapping(raw, where)
    _check_keys(entry, _ITEM_KEYS, where)
    item_id = _snake_case(entry["id"], f"{where}.id")
    where = f"{where} ({item_id})"
    kind = entry["kind"]
    if kind not in ITEM_KINDS:
        raise _Problem(f"{where}.kind", f"must be one of {', '.join(ITEM_KINDS)}, got {kind!r}")
    item = Item(
        id=item_id,
        kind=kind,
        text=_localized(entry["text"], f"{where}.text"),
        scored=_bool(entry["scored"], f"{where}.scored"),
        required=_bool(entry.get("required", True), f"{where}.required"),
        options=_item_options(entry, kind, where, option_sets),
        loinc=None if entry.get("loinc") is None else _loinc(entry["loinc"], f"{where}.loinc"),
        max_length=_item_max_length(entry, kind, where),
        risk=_bool(entry.get("risk", False), f"{where}.risk"),
        risk_threshold=entry.get("risk_threshold"),
        risk_values=_risk_values(entry.get("risk_values", []), f"{where}.risk_values"),
    )
    _check_scored_item(item, where)
    _check_risk(item, where)
    return item


def _risk_values(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
        raise _Problem(where, "must be a list of quoted answer values")
    return tuple(raw)


def _item_options(entry: Mapping[str, Any], kind: str, where: str,
                  option_sets: Mapping[str, tuple[Option, ...]]) -> tuple[Option, ...]:
    raw = entry.get("options")
    if kind == "text":
        if raw is not None:
            raise _Problem(f"{where}.options", "text items take no options")
        return ()
    if raw is None:
        raise _Problem(f"{where}.options", f"{kind} items need options")
    if isinstance(raw, str):
        if raw not in option_sets:
            known = ", ".join(sorted(option_sets)) or "none defined"
            raise _Problem(f"{where}.options", f"unknown option set {raw!r} (known: {known})")
        options = option_sets[raw]
    else:
        options = _option_list(raw, f"{where}.options")
    if kind == "yesno" and {option.value for option in options} != YES_NO_VALUES:
        raise _Problem(f"{where}.options", "yesno items need exactly the values 'yes' and 'no'")
    return options


def _item_max_length(entry: Mapping[str, Any], kind: str, where: str) -> int | None:
    raw = entry.get("max_length")
    if kind != "text":
        if raw is not None:
            raise _Problem(f"{where}.max_length", "only text items take max_length")
        return None
    if raw is None:
        raise _Problem(f"{where}.max_length", "text items need a max_length")
    return _positive_int(raw, f"{where}.max_length")


def _check_scored_item(item: Item, where: str) -> None:
    if not item.scored:
        return
    values = item.option_values
    if item.kind != "choice" or not all(isinstance(value, int) for value in values):
        raise _Problem(where, "scored items must be choice items with integer option values")
    # Consecutive values let scoring state the allowed range as "min-max".
    if sorted(values) != list(range(min(values), max(values) + 1)):
        raise _Problem(f"{where}.options", f"scored values must be consecutive, got {values}")


def _check_risk(item: Item, where: str) -> None:
    if not item.risk:
        if item.risk_threshold is not None or item.risk_values:
            raise _Problem(where, "risk_threshold/risk_values need risk: true")
        return
    if item.kind == "text":
        raise _Problem(f"{where}.risk", "text items cannot be risk items")
    if item.scored:
        _check_risk_threshold(item, where)
    else:
        _check_risk_values(item, where)


def _check_risk_threshold(item: Item, where: str) -> None:
    threshold = item.risk_threshold
    if item.risk_values:
        raise _Problem(f"{where}.risk_values", "scored risk items use risk_threshold instead")
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise _Problem(f"{where}.risk_threshold", "scored risk items need an integer threshold")
    if threshold not in item.option_values:
        raise _Problem(f"{where}.risk_threshold", f"{threshold} is not an answer value")


def _check_risk_values(item: Item, where: str) -> None:
    if item.risk_threshold is not None:
        raise _Problem(f"{where}.risk_threshold", "unscored risk items use risk_values instead")
    if not item.risk_values:
        raise _Problem(f"{where}.risk_values", "unscored risk items need risk_values")
    unknown = [value for value in item.risk_values if value not in item.option_values]
    if unknown:
        raise _Problem(f"{where}.risk_values", f"{unknown} are not answer values")


# --- scoring and bands -------------------------------------------------------------------

def _scoring_and_bands(top: Mapping[str, Any], items: tuple[Item, ...]
                       ) -> tuple[int | None, int | None, tuple[Band, ...]]:
    scored = [item for item in items if item.scored]
    if not scored:
        for key in ("scoring", "bands"):
            if key in top:
                raise _Problem(key, "an instrument without scored items takes no " + key)
        return None, None, ()
    score_min, score_max = _scoring(top.get("scoring"), scored)
    return score_min, score_max, _bands(top.get("bands"), score_min, score_max)


def _scoring(raw: Any, scored: list[Item]) -> tuple[int, int]:
    if raw is None:
        raise _Problem("scoring", "instruments with scored items need a scoring block")
    scoring = _mapping(raw, "scoring")
    _check_keys(scoring, {"required": {"method", "min", "max"}, "optional": set()}, "scoring")
    if scoring["method"] != "sum":
        raise _Problem("scoring.method", f"only 'sum' is supported, got {scoring['method']!r}")
    declared = (_int(scoring["min"], "scoring.min"), _int(scoring["max"], "scoring.max"))
    # The declared range must follow from the items, so an edited option set cannot drift.
    implied = (sum(min(item.option_values) for item in scored),
               sum(max(item.option_values) for item in scored))
    if declared != implied:
        raise _Problem("scoring", f"min/max {declared} do not match the items' range {implied}")
    return declared


def _bands(raw: Any, score_min: int, score_max: int) -> tuple[Band, ...]:
    if raw is None:
        raise _Problem("bands", "instruments with scored items need bands")
    entries = _non_empty_list(raw, "bands")
    bands = tuple(_band(entry, f"bands[{index}]") for index, entry in enumerate(entries))
    names = [band.name for band in bands]
    if len(set(names)) != len(names):
        raise _Problem("bands", f"band names must be unique, got {names}")
    _check_bands_cover(bands, score_min, score_max)
    return bands


def _band(raw: Any, where: str) -> Band:
    entry = _mapping(raw, where)
    _check_keys(entry, {"required": {"name", "min", "max", "label"}, "optional": set()}, where)
    band = Band(name=_snake_case(entry["name"], f"{where}.name"),
                min=_int(entry["min"], f"{where}.min"), max=_int(entry["max"], f"{where}.max"),
                label=_localized(entry["label"], f"{where}.label"))
    if band.min > band.max:
        raise _Problem(where, f"min {band.min} is above max {band.max}")
    return band


def _check_bands_cover(bands: tuple[Band, ...], score_min: int, score_max: int) -> None:
    """Bands must tile score_min..score_max in order, with no gap and no overlap."""
    expected_start = score_min
    for index, band in enumerate(bands):
        if band.min != expected_start:
            raise _Problem(f"bands[{index}] ({band.name})",
                           f"starts at {band.min}, expected {expected_start} (gap or overlap)")
        expected_start = band.max + 1
    if expected_start - 1 != score_max:
        raise _Problem("bands", f"end at {expected_start - 1}, expected {score_max}")


def _loinc_block(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    block = _mapping(raw, "loinc")
    _check_keys(block, {"required": set(), "optional": {"panel", "total"}}, "loinc")
    return {key: _loinc(value, f"loinc.{key}") for key, value in block.items()}


# --- small typed readers -----------------------------------------------------------------

def _check_keys(entry: Mapping[str, Any], keys: Mapping[str, set[str]], where: str) -> None:
    missing = sorted(keys["required"] - entry.keys())
    if missing:
        raise _Problem(where, f"missing {', '.join(missing)}")
    unknown = sorted(set(entry) - keys["required"] - keys["optional"], key=str)
    if unknown:
        raise _Problem(where, f"unknown key(s) {', '.join(map(str, unknown))} (typo?)")


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _Problem(where, f"must be a mapping, got {type(raw).__name__}")
    return raw


def _non_empty_list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list) or not raw:
        raise _Problem(where, "must be a non-empty list")
    return raw


def _localized(raw: Any, where: str) -> LocalizedText:
    entry = _mapping(raw, where)
    _check_keys(entry, {"required": set(LANGUAGES), "optional": set()}, where)
    for language in LANGUAGES:
        text = entry[language]
        if not isinstance(text, str) or not text.strip():
            raise _Problem(f"{where}.{language}", "must be non-empty text")
    return LocalizedText(**{language: entry[language].strip() for language in LANGUAGES})


def _snake_case(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not _SNAKE_CASE.match(raw):
        raise _Problem(where, f"must be a snake_case identifier, got {raw!r}")
    return raw


def _loinc(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not _LOINC_CODE.match(raw):
        raise _Problem(where, f"is not a LOINC code: {raw!r}")
    return raw


def _int(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _Problem(where, f"must be an integer, got {raw!r}")
    return raw


def _positive_int(raw: Any, where: str) -> int:
    value = _int(raw, where)
    if value < 1:
        raise _Problem(where, f"must be at least 1, got {value}")
    return value


def _bool(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise _Problem(where, f"must be true or false, got {raw!r}")
    return raw


def _optional_string(raw: Any, where: str) -> str | None:
    if raw is not None and (not isinstance(raw, str) or not raw.strip()):
        raise _Problem(where, "must be non-empty text")
    return raw
