"""The schema of content/screening/<id>.yaml as pydantic models.

``check`` validates a document read by ``app.content.loader`` and builds the frozen
``screening.instruments.Instrument``; every problem is a ``ContentError`` with file and
line. The checks that span several parts of a file (option sets, scoring range, bands,
risk answers) run after the shapes are known, each with the loc it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from app.content.loader import ContentError, errors_from_validation, line_of
from screening import instruments as runtime

_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
_LOINC_CODE = re.compile(r"^(?:LA|LL)?\d{1,7}-\d$")
_SHAPE = ConfigDict(extra="forbid", frozen=True)
Loc = tuple[Any, ...]


def _snake_case(value: str) -> str:
    if not _SNAKE_CASE.match(value):
        raise ValueError(f"must be a snake_case identifier, got {value!r}")
    return value


def _loinc(value: str) -> str:
    if not _LOINC_CODE.match(value):
        raise ValueError(f"is not a LOINC code: {value!r}")
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must be non-empty text")
    return value.strip()


def _option_value(value: Any) -> int | str:
    # bool is rejected on purpose: unquoted YAML yes/no become True/False.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"must be an integer or a quoted string, got {value!r}")
    return _snake_case(value) if isinstance(value, str) else value


SnakeCase = Annotated[StrictStr, AfterValidator(_snake_case)]
Loinc = Annotated[StrictStr, AfterValidator(_loinc)]
Text = Annotated[StrictStr, AfterValidator(_text)]


class Localized(BaseModel):
    model_config = _SHAPE
    en: Text
    da: Text

    def built(self) -> runtime.LocalizedText:
        return runtime.LocalizedText(en=self.en, da=self.da)


class OptionModel(BaseModel):
    model_config = _SHAPE
    value: Annotated[Any, AfterValidator(_option_value)]
    label: Localized
    loinc: Loinc | None = None


OptionList = Annotated[list[OptionModel], Field(min_length=1)]


class ItemModel(BaseModel):
    model_config = _SHAPE
    id: SnakeCase
    kind: Literal["choice", "yesno", "text"]
    text: Localized
    scored: StrictBool
    options: SnakeCase | OptionList | None = None
    loinc: Loinc | None = None
    required: StrictBool = True
    risk: StrictBool = False
    risk_threshold: StrictInt | None = None
    risk_values: list[StrictStr] = []
    max_length: Annotated[StrictInt, Field(ge=1)] | None = None


class Scoring(BaseModel):
    model_config = _SHAPE
    method: Literal["sum"]
    min: StrictInt
    max: StrictInt


class BandModel(BaseModel):
    model_config = _SHAPE
    name: SnakeCase
    min: StrictInt
    max: StrictInt
    label: Localized


class Loincs(BaseModel):
    model_config = _SHAPE
    panel: Loinc | None = None
    total: Loinc | None = None


class InstrumentModel(BaseModel):
    model_config = _SHAPE
    id: SnakeCase
    version: Annotated[StrictInt, Field(ge=1)]
    title: Localized
    instructions: Localized
    items: Annotated[list[ItemModel], Field(min_length=1)]
    optional: StrictBool = False
    attribution: Text | None = None
    loinc: Loincs | None = None
    options: dict[SnakeCase, OptionList] = {}
    scoring: Scoring | None = None
    bands: Annotated[list[BandModel], Field(min_length=1)] | None = None


def check(document: Any, file: str, expected_id: str | None = None) -> runtime.Instrument:
    """The instrument in ``document``; raises the first ContentError (file:line: message)."""
    try:
        model = InstrumentModel.model_validate(document)
    except ValidationError as error:
        raise errors_from_validation(error, document, file)[0] from None
    # The first problem only: later checks (the scoring range) rely on the earlier ones.
    problem = next(_problems(model, expected_id), None)
    if problem is not None:
        loc, message = problem
        where = ".".join(str(part) for part in loc)
        raise ContentError(file, line_of(document, loc), f"{where}: {message}")
    return _built(model)


def _problems(model: InstrumentModel, expected_id: str | None) -> Iterator[tuple[Loc, str]]:
    if expected_id is not None and model.id != expected_id:
        yield ("id",), f"is {model.id!r} but the file is named {expected_id}.yaml"
    for name, options in model.options.items():
        yield from _option_list_problems(options, ("options", name))
    for index, item in enumerate(model.items):
        yield from _item_problems(model, item, ("items", index))
    ids = [item.id for item in model.items]
    duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    if duplicates:
        yield ("items",), f"duplicate item id(s): {', '.join(duplicates)}"
    yield from _scoring_problems(model)


def _option_list_problems(options: list[OptionModel], loc: Loc) -> Iterator[tuple[Loc, str]]:
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        yield loc, f"option values must be unique, got {values}"
    if len({type(value) for value in values}) != 1:
        yield loc, "option values must be all integers or all strings"


def _options_of(model: InstrumentModel, item: ItemModel) -> list[OptionModel]:
    if isinstance(item.options, str):
        return model.options.get(item.options, [])
    return item.options or []


def _item_problems(model: InstrumentModel, item: ItemModel,
                   loc: Loc) -> Iterator[tuple[Loc, str]]:
    if item.kind == "text":
        if item.options is not None:
            yield (*loc, "options"), "text items take no options"
        if item.max_length is None:
            yield loc, "text items need a max_length"
        if item.risk:
            yield (*loc, "risk"), "text items cannot be risk items"
        return
    if item.max_length is not None:
        yield (*loc, "max_length"), "only text items take max_length"
    if item.options is None:
        yield (*loc, "options"), f"{item.kind} items need options"
        return
    if isinstance(item.options, str) and item.options not in model.options:
        known = ", ".join(sorted(model.options)) or "none defined"
        yield (*loc, "options"), f"unknown option set {item.options!r} (known: {known})"
        return
    if isinstance(item.options, list):
        yield from _option_list_problems(item.options, (*loc, "options"))
    values = [option.value for option in _options_of(model, item)]
    if item.kind == "yesno" and set(values) != runtime.YES_NO_VALUES:
        yield (*loc, "options"), "yesno items need exactly the values 'yes' and 'no'"
    yield from _scored_problems(item, values, loc)
    yield from _risk_problems(item, values, loc)


def _scored_problems(item: ItemModel, values: list[Any],
                     loc: Loc) -> Iterator[tuple[Loc, str]]:
    if not item.scored:
        return
    if item.kind != "choice" or not all(isinstance(value, int) for value in values):
        yield loc, "scored items must be choice items with integer option values"
    # Consecutive values let scoring state the allowed range as "min-max".
    elif sorted(values) != list(range(min(values), max(values) + 1)):
        yield (*loc, "options"), f"scored values must be consecutive, got {values}"


def _risk_problems(item: ItemModel, values: list[Any], loc: Loc) -> Iterator[tuple[Loc, str]]:
    if not item.risk:
        if item.risk_threshold is not None or item.risk_values:
            yield loc, "risk_threshold/risk_values need risk: true"
    elif item.scored:
        if item.risk_values:
            yield (*loc, "risk_values"), "scored risk items use risk_threshold instead"
        elif item.risk_threshold is None:
            yield (*loc, "risk_threshold"), "scored risk items need an integer threshold"
        elif item.risk_threshold not in values:
            yield (*loc, "risk_threshold"), f"{item.risk_threshold} is not an answer value"
    elif item.risk_threshold is not None:
        yield (*loc, "risk_threshold"), "unscored risk items use risk_values instead"
    elif not item.risk_values:
        yield (*loc, "risk_values"), "unscored risk items need risk_values"
    elif unknown := [value for value in item.risk_values if value not in values]:
        yield (*loc, "risk_values"), f"{unknown} are not answer values"


def _scoring_problems(model: InstrumentModel) -> Iterator[tuple[Loc, str]]:
    scored = [item for item in model.items if item.scored]
    if not scored:
        for key in ("scoring", "bands"):
            if getattr(model, key) is not None:
                yield (key,), "an instrument without scored items takes no " + key
        return
    if model.scoring is None:
        yield ("scoring",), "instruments with scored items need a scoring block"
        return
    declared = (model.scoring.min, model.scoring.max)
    # The declared range must follow from the items, so an edited option set cannot drift.
    implied = (sum(min(o.value for o in _options_of(model, item)) for item in scored),
               sum(max(o.value for o in _options_of(model, item)) for item in scored))
    if declared != implied:
        yield ("scoring",), f"min/max {declared} do not match the items' range {implied}"
    elif model.bands is None:
        yield ("bands",), "instruments with scored items need bands"
    else:
        yield from _band_problems(model.bands, *declared)


def _band_problems(bands: list[BandModel], low: int,
                   high: int) -> Iterator[tuple[Loc, str]]:
    """Bands must tile low..high in order, with no gap and no overlap."""
    names = [band.name for band in bands]
    if len(set(names)) != len(names):
        yield ("bands",), f"band names must be unique, got {names}"
    expected_start = low
    for index, band in enumerate(bands):
        if band.min > band.max:
            yield ("bands", index), f"min {band.min} is above max {band.max}"
        elif band.min != expected_start:
            yield ("bands", index), (f"({band.name}) starts at {band.min}, expected "
                                     f"{expected_start} (gap or overlap)")
        expected_start = band.max + 1
    if expected_start - 1 != high:
        yield ("bands",), f"end at {expected_start - 1}, expected {high}"


def _built(model: InstrumentModel) -> runtime.Instrument:
    def options(item: ItemModel) -> tuple[runtime.Option, ...]:
        return tuple(runtime.Option(value=o.value, label=o.label.built(), loinc=o.loinc)
                     for o in _options_of(model, item))

    items = tuple(runtime.Item(
        id=item.id, kind=item.kind, text=item.text.built(), scored=item.scored,
        required=item.required, options=options(item), loinc=item.loinc,
        max_length=item.max_length, risk=item.risk, risk_threshold=item.risk_threshold,
        risk_values=tuple(item.risk_values)) for item in model.items)
    bands = tuple(runtime.Band(name=band.name, min=band.min, max=band.max,
                               label=band.label.built()) for band in model.bands or ())
    loinc = model.loinc or Loincs()
    return runtime.Instrument(
        id=model.id, version=model.version, title=model.title.built(),
        instructions=model.instructions.built(), items=items, optional=model.optional,
        attribution=model.attribution, loinc_panel=loinc.panel, loinc_total=loinc.total,
        score_min=model.scoring.min if model.scoring else None,
        score_max=model.scoring.max if model.scoring else None, bands=bands)
