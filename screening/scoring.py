"""Pure scoring of PHQ-9, GAD-7 and WSAS, and NHS Talking Therapies episode outcomes.

Item ranges, totals and bands come from the instrument YAML (see screening.instruments);
the outcome thresholds below are the NHS Talking Therapies measurement rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from screening.instruments import load_instrument

SCORED_INSTRUMENT_IDS = ("phq9", "gad7", "wsas")

# NHS Talking Therapies: "caseness" means being in the clinical range on either measure.
PHQ9_CASENESS_THRESHOLD = 10
GAD7_CASENESS_THRESHOLD = 8
# Smallest change that counts as reliable (beyond measurement error) on each measure.
PHQ9_RELIABLE_CHANGE = 6
GAD7_RELIABLE_CHANGE = 4
# Published totals; episode_outcome checks its inputs against them.
PHQ9_MAX_TOTAL = 27
GAD7_MAX_TOTAL = 21


@dataclass(frozen=True)
class Score:
    instrument_id: str
    total: int
    band: str  # snake_case band name from the instrument YAML
    max_total: int
    risk: bool  # a risk item reached its threshold (PHQ-9 item 9 >= 1); False without one


@dataclass(frozen=True)
class EpisodeOutcome:
    caseness_at_start: bool
    caseness_at_end: bool
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool
    phq9_change: int  # last minus first; negative means fewer symptoms
    gad7_change: int


@dataclass(frozen=True)
class _ScoringSpec:
    """An instrument flattened to what scoring needs, so scoring a vector stays cheap."""

    instrument_id: str
    item_ids: tuple[str, ...]
    item_ranges: tuple[tuple[int, int], ...]
    risk_thresholds: tuple[int | None, ...]
    bands: tuple[tuple[int, int, str], ...]
    max_total: int


def score(instrument_id: str, answers: Sequence[int], content_dir: Path | str) -> Score:
    """Score the SCORED items' answers, given in item order (PHQ-9: 9 values, no difficulty).

    Raises ValueError naming the position and allowed range for any invalid answer.
    """
    spec = _spec_for(instrument_id, content_dir)
    _check_answers(spec, answers)
    total = sum(answers)
    return Score(instrument_id=spec.instrument_id, total=total, band=_band_name(spec, total),
                 max_total=spec.max_total, risk=_any_risk(spec, answers))


def episode_outcome(first: Mapping[str, int], last: Mapping[str, int]) -> EpisodeOutcome:
    """Outcome of an episode from its first and last {"phq9": total, "gad7": total}."""
    phq9_first, gad7_first = _outcome_totals(first, "first")
    phq9_last, gad7_last = _outcome_totals(last, "last")
    phq9_change, gad7_change = phq9_last - phq9_first, gad7_last - gad7_first
    deteriorated = phq9_change >= PHQ9_RELIABLE_CHANGE or gad7_change >= GAD7_RELIABLE_CHANGE
    improved = not deteriorated and (
        -phq9_change >= PHQ9_RELIABLE_CHANGE or -gad7_change >= GAD7_RELIABLE_CHANGE)
    at_start = is_caseness(phq9_first, gad7_first)
    at_end = is_caseness(phq9_last, gad7_last)
    recovered = at_start and not at_end
    return EpisodeOutcome(
        caseness_at_start=at_start, caseness_at_end=at_end, recovered=recovered,
        reliable_improvement=improved, reliable_deterioration=deteriorated,
        reliable_recovery=recovered and improved,
        phq9_change=phq9_change, gad7_change=gad7_change)


def is_caseness(phq9_total: int, gad7_total: int) -> bool:
    return phq9_total >= PHQ9_CASENESS_THRESHOLD or gad7_total >= GAD7_CASENESS_THRESHOLD


def _spec_for(instrument_id: object, content_dir: Path | str) -> _ScoringSpec:
    if instrument_id not in SCORED_INSTRUMENT_IDS:
        raise ValueError(f"cannot score {instrument_id!r}; scored instruments are "
                         f"{', '.join(SCORED_INSTRUMENT_IDS)}")
    return _build_spec(instrument_id, Path(content_dir).resolve())


@cache
def _build_spec(instrument_id: str, content_dir: Path) -> _ScoringSpec:
    instrument = load_instrument(instrument_id, content_dir)
    items = instrument.scored_items
    if instrument.score_max is None:
        raise ValueError(f"{instrument.id} is scored but declares no maximum score")
    values = [[int(value) for value in item.option_values] for item in items]
    return _ScoringSpec(
        instrument_id=instrument.id,
        item_ids=tuple(item.id for item in items),
        item_ranges=tuple((min(options), max(options)) for options in values),
        risk_thresholds=tuple(item.risk_threshold if item.risk else None for item in items),
        bands=tuple((band.min, band.max, band.name) for band in instrument.bands),
        max_total=instrument.score_max,
    )


def _check_answers(spec: _ScoringSpec, answers: object) -> None:
    if not isinstance(answers, list | tuple):
        raise ValueError(f"{spec.instrument_id}: answers must be a list of integers, "
                         f"got {type(answers).__name__}")
    if len(answers) != len(spec.item_ranges):
        raise ValueError(f"{spec.instrument_id}: expected {len(spec.item_ranges)} answers "
                         f"(one per scored item), got {len(answers)}")
    checks = zip(answers, spec.item_ranges, strict=True)
    for position, (value, (low, high)) in enumerate(checks, start=1):
        # type() rather than isinstance(): bool is an int subclass but never a valid answer.
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"{spec.instrument_id}: answer {position} "
                             f"({spec.item_ids[position - 1]}) must be an integer "
                             f"{low}-{high}, got {value!r}")


def _band_name(spec: _ScoringSpec, total: int) -> str:
    for low, high, name in spec.bands:
        if low <= total <= high:
            return name
    raise AssertionError(f"{spec.instrument_id}: bands do not cover {total}")  # load checks this


def _any_risk(spec: _ScoringSpec, answers: Sequence[int]) -> bool:
    return any(threshold is not None and value >= threshold
               for value, threshold in zip(answers, spec.risk_thresholds, strict=True))


def _outcome_totals(totals: object, which: str) -> tuple[int, int]:
    if not isinstance(totals, Mapping):
        raise ValueError(f"{which}: expected a mapping like {{'phq9': 14, 'gad7': 9}}")
    missing = [key for key in ("phq9", "gad7") if key not in totals]
    if missing:
        raise ValueError(f"{which}: missing {', '.join(missing)} total")
    return (_checked_total(totals["phq9"], PHQ9_MAX_TOTAL, f"{which} phq9"),
            _checked_total(totals["gad7"], GAD7_MAX_TOTAL, f"{which} gad7"))


def _checked_total(value: object, max_total: int, where: str) -> int:
    if type(value) is not int or not 0 <= value <= max_total:
        raise ValueError(f"{where}: total must be an integer 0-{max_total}, got {value!r}")
    return value
