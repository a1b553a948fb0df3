"""The schemas of programme content as pydantic models: blocks, front matter, entries.

Blocks are a discriminated union on their ``type`` (the word after ``:::``). Field values
are checked by the validators below, whose messages are written for content writers
(``'days' must be from 1 to 14, got 21``); ``check`` turns a pydantic error into those
lines, at the line of the field. The checks that span files (languages, module lists) stay
in ``programmes.content``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

_SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_SHAPE = ConfigDict(extra="forbid", frozen=True)


def describe(value: Any) -> str:
    """A value as a content writer would recognise it in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no value {str(value).lower()}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a set of 'key: value' lines"
    if isinstance(value, int | float):
        return str(value)
    return f"'{value}'"


# Each message starts with what follows the field's name: "'days' must be ...".

def _text(value: Any) -> str:
    if not isinstance(value, str):
        hint = " (put it in quotes)" if value is not None else ""
        raise ValueError(f" must be text, got {describe(value)}{hint}")
    if not value.strip():
        raise ValueError(" must not be empty")
    return value.strip()


def _whole(low: int | None = None, high: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f" must be a whole number, got {describe(value)}")
        if low is not None and high is not None and not low <= value <= high:
            raise ValueError(f" must be from {low} to {high}, got {value}")
        if low is not None and value < low:
            raise ValueError(f" must be at least {low}, got {value}")
        return value
    return check


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f" must be true or false, got {describe(value)}")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f" must be a list like [a, b], got {describe(value)}")
    return value


def _texts(low: int | None = None, high: int | None = None) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        for item in _list(value):
            if not isinstance(item, str) or not item.strip():
                raise ValueError(f": every item must be non-empty text, got {describe(item)}")
        if low is not None and high is not None and not low <= len(value) <= high:
            raise ValueError(f" must have {low} to {high} items, got {len(value)}")
        return tuple(item.strip() for item in value)
    return check


def _tags(value: Any) -> tuple[str, ...]:
    bad = [describe(x) for x in _list(value) if not isinstance(x, str) or not _SLUG_RE.match(x)]
    if bad:
        verb = "is not a valid tag" if len(bad) == 1 else "are not valid tags"
        raise ValueError(f": {', '.join(bad)} {verb}; tags are English identifiers like "
                         "'self-compassion' (a-z, 0-9 and hyphens), the same in every language")
    if len(set(value)) != len(value):
        raise ValueError(" lists the same tag twice")
    return tuple(value)


check_text, check_whole, check_tags = _text, _whole, _tags
Text = Annotated[Any, AfterValidator(_text)]
Tags = Annotated[Any, AfterValidator(_tags)]
Flag = Annotated[Any, AfterValidator(_flag)]


# Named ranges rather than calls in annotations, so that type checkers read them as types.
Whole = Annotated[Any, AfterValidator(_whole())]
AtLeastOne = Annotated[Any, AfterValidator(_whole(1))]
AtLeastZero = Annotated[Any, AfterValidator(_whole(0))]
PlannerDays = Annotated[Any, AfterValidator(_whole(1, 14))]
LadderSteps = Annotated[Any, AfterValidator(_whole(3, 10))]
Texts = Annotated[Any, AfterValidator(_texts())]
QuizOptions = Annotated[Any, AfterValidator(_texts(2, 6))]
VrLevels = Annotated[Any, AfterValidator(_texts(5, 12))]

#: The virtual-reality scenes built in code (programmes/static/vr/scenes.js).
VR_SCENES = ("heights", "crowd", "speaking")


def _scene(value: Any) -> str:
    if value not in VR_SCENES:
        raise ValueError(f" must be one of {', '.join(VR_SCENES)}, got {describe(value)}")
    return str(value)


VrScene = Annotated[Any, AfterValidator(_scene)]


class _Prompted(BaseModel):
    """The blocks that put a prompt to the patient. Fields keep their order (the prompt
    first after ``type``), which the "allowed:" message lists."""

    model_config = _SHAPE
    prompt: Text


class Reflection(_Prompted):
    type: Literal["reflection"]
    hint: Text = None
    max_length: AtLeastOne = 4000


class ThoughtRecord(_Prompted):
    type: Literal["thought_record"]


class ActivityPlanner(_Prompted):
    type: Literal["activity_planner"]
    days: PlannerDays = 7
    suggestions: Texts = ()


class WorryLog(_Prompted):
    type: Literal["worry_log"]


class ExposureLadder(_Prompted):
    type: Literal["exposure_ladder"]
    steps: LadderSteps = 6


class Slider(_Prompted):
    type: Literal["slider"]
    min: Whole = 0
    max: Whole = 10
    min_label: Text
    max_label: Text


class Quiz(BaseModel):
    model_config = _SHAPE
    type: Literal["quiz"]
    question: Text
    options: QuizOptions
    answer: AtLeastZero
    explanation: Text


class Homework(_Prompted):
    type: Literal["homework"]


class VrExposure(_Prompted):
    """A virtual-reality exposure: a scene and its graded levels, easiest first (each
    level's text says what the patient will meet; the scene grows with the level)."""

    type: Literal["vr_exposure"]
    scene: VrScene
    levels: VrLevels


BLOCK_MODELS: Mapping[str, type[BaseModel]] = {
    model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in (Reflection, ThoughtRecord, ActivityPlanner, WorryLog, ExposureLadder,
                  Slider, Quiz, Homework, VrExposure)
}
BlockFields = Annotated[
    Reflection | ThoughtRecord | ActivityPlanner | WorryLog | ExposureLadder | Slider | Quiz
    | Homework | VrExposure, Field(discriminator="type")]
_BLOCKS: TypeAdapter[Any] = TypeAdapter(BlockFields)


class FrontMatter(BaseModel):
    model_config = _SHAPE
    title: Text
    summary: Text
    minutes: AtLeastOne
    tags: Tags = ()


class ModuleEntry(BaseModel):
    model_config = _SHAPE
    slug: Text
    optional: Flag = False


Report = Callable[[int, str], None]


def check(schema: type[BaseModel] | str, data: Mapping[Any, Any], lines: Mapping[Any, int],
          owner_line: int, report: Report, where: str, what: str) -> tuple[bool, dict[str, Any]]:
    """Validate ``data`` (a block's fields when ``schema`` is a block type); report each
    problem at its field's line. Returns ``(ok, values with defaults)``; a bad field holds
    its default, so that later checks can go on."""
    model = BLOCK_MODELS[schema] if isinstance(schema, str) else schema
    names = [name for name in model.model_fields if name != "type"]
    try:
        if isinstance(schema, str):
            if "type" in data:  # the type is the ':::' line's; a 'type:' field is unknown
                raise _unknown_type_field(data)
            found = _BLOCKS.validate_python({**data, "type": schema})
        else:
            found = model.model_validate(data)
    except ValidationError as error:
        bad = _report(error, names, lines, owner_line, report, where, what)
        return False, _partial(model, names, data, bad)
    return True, {name: getattr(found, name) for name in names}


def _unknown_type_field(data: Mapping[Any, Any]) -> ValidationError:
    return ValidationError.from_exception_data("block", [
        {"type": "extra_forbidden", "loc": ("type",), "input": data["type"]}])


def _report(error: ValidationError, names: list[str], lines: Mapping[Any, int],
            owner_line: int, report: Report, where: str, what: str) -> set[str]:
    bad: set[str] = set()
    for detail in error.errors(include_url=False):
        loc = [part for part in detail["loc"] if part not in BLOCK_MODELS]
        name = str(loc[0]) if loc else ""
        bad.add(name)
        if detail["type"] == "missing":
            report(owner_line, f"{where}{what} is missing required field '{name}'")
        elif detail["type"] == "extra_forbidden":
            report(lines.get(name, owner_line),
                   f"{where}unknown field '{name}' in {what} (allowed: {', '.join(names)})")
        else:
            message = detail["msg"].removeprefix("Value error, ")
            report(lines.get(name, owner_line), f"{where}'{name}'{message}")
    return bad


def _partial(model: type[BaseModel], names: list[str], data: Mapping[Any, Any],
             bad: set[str]) -> dict[str, Any]:
    values = {}
    for name in names:
        info = model.model_fields[name]
        default = None if info.is_required() else info.default
        if name in data and name not in bad:
            adapter: TypeAdapter[Any] = TypeAdapter(Annotated[Any, *info.metadata])
            values[name] = adapter.validate_python(data[name])
        else:
            values[name] = default
    return values
