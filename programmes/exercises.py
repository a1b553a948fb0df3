"""Exercise answers: read one interactive block's answer from a form (pure: no Flask).

Every block type has a fixed shape, so a therapist can read any answer and a
content edit cannot corrupt one. Text fields have a size limit; going over it is
reported, not truncated, so the patient's draft is never silently cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from programmes.content import Block

DEFAULT_TEXT_LIMIT = 4000
WORRY_LOG_ROWS = 6
THOUGHT_RECORD_FIELDS = (
    "situation", "feelings", "automatic_thought", "evidence_for", "evidence_against",
    "balanced_thought", "feelings_after",
)
THOUGHT_RECORD_RATINGS = ("intensity_before", "intensity_after")
WORRY_KINDS = ("practical", "hypothetical")


class BadAnswer(ValueError):
    """A value no honest form sends (a number out of range, an unknown choice)."""


@dataclass
class ParsedAnswer:
    data: dict[str, Any] = field(default_factory=dict)
    too_long: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.too_long


def _name(block: Block, *parts: object) -> str:
    return "-".join(["b", block.id, *map(str, parts)])


def _int(raw: str, low: int, high: int, where: str) -> int | None:
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadAnswer(f"{where}: {raw[:12]!r} is not a whole number") from None
    if not low <= value <= high:
        raise BadAnswer(f"{where}: {value} is outside {low}-{high}")
    return value


class _Reader:
    def __init__(self, block: Block, form: Mapping[str, str]):
        self.block, self.form, self.too_long = block, form, []
        self.limit = block.fields.get("max_length") or DEFAULT_TEXT_LIMIT

    def text(self, *parts: object) -> str:
        name = _name(self.block, *parts)
        value = (self.form.get(name) or "").replace("\r\n", "\n").strip()
        if len(value) > self.limit:
            self.too_long.append(name)
        return value

    def number(self, low: int, high: int, *parts: object) -> int | None:
        name = _name(self.block, *parts)
        return _int((self.form.get(name) or "").strip(), low, high, name)

    def flag(self, *parts: object) -> bool:
        return (self.form.get(_name(self.block, *parts)) or "") in ("1", "on", "true", "yes")

    def choice(self, options: tuple[str, ...], *parts: object) -> str | None:
        raw = (self.form.get(_name(self.block, *parts)) or "").strip()
        if raw and raw not in options:
            raise BadAnswer(f"{_name(self.block, *parts)}: {raw[:12]!r} is not an option")
        return raw or None


def _reflection(r: _Reader) -> dict:
    return {"text": r.text("text")}


def _thought_record(r: _Reader) -> dict:
    data: dict[str, Any] = {name: r.text(name) for name in THOUGHT_RECORD_FIELDS}
    for name in THOUGHT_RECORD_RATINGS:
        data[name] = r.number(0, 100, name)
    return data


def _activity_planner(r: _Reader) -> dict:
    days = r.block.fields["days"]
    return {"days": [{"plan": r.text(d, "plan"), "done": r.flag(d, "done"),
                      "mood": r.number(0, 10, d, "mood")} for d in range(days)]}


def _worry_log(r: _Reader) -> dict:
    return {"entries": [{"worry": r.text(i, "worry"),
                         "kind": r.choice(WORRY_KINDS, i, "kind"),
                         "action": r.text(i, "action")} for i in range(WORRY_LOG_ROWS)]}


def _exposure_ladder(r: _Reader) -> dict:
    steps = r.block.fields["steps"]
    return {"steps": [{"situation": r.text(s, "situation"), "fear": r.number(0, 100, s, "fear"),
                       "done": r.flag(s, "done")} for s in range(steps)]}


def _slider(r: _Reader) -> dict:
    return {"value": r.number(r.block.fields["min"], r.block.fields["max"], "value")}


def _quiz(r: _Reader) -> dict:
    return {"choice": r.number(0, len(r.block.fields["options"]) - 1, "choice")}


def _homework(r: _Reader) -> dict:
    return {"text": r.text("text")}


READERS = {
    "reflection": _reflection,
    "thought_record": _thought_record,
    "activity_planner": _activity_planner,
    "worry_log": _worry_log,
    "exposure_ladder": _exposure_ladder,
    "slider": _slider,
    "quiz": _quiz,
    "homework": _homework,
}


def parse_answer(block: Block, form: Mapping[str, str]) -> ParsedAnswer:
    reader = _Reader(block, form)
    data = READERS[block.type](reader)
    return ParsedAnswer(data=data, too_long=reader.too_long)


def is_blank(data: Mapping[str, Any]) -> bool:
    """True when nothing was filled in (so an empty block is not shown as an exercise done)."""
    def blank(value: Any) -> bool:
        if isinstance(value, Mapping):
            return all(blank(v) for v in value.values())
        if isinstance(value, list):
            return all(blank(v) for v in value)
        return value in (None, "", False)

    return blank(data)
