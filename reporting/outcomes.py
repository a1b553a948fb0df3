"""Clinic outcomes as NHS Talking Therapies computes them (pure: no Flask, no database).

Dataclasses in, figures out. ``reporting.outcomes_query`` loads the rows; this module turns a
patient's step rows into episodes of care, picks each episode's first and last PHQ-9/GAD-7,
counts its treatment contacts and finds its therapist, then adds the episodes up.

Definitions (NHS Talking Therapies measurement rules, as in the clinical reference):

* An **episode** is the run of a patient's consecutive step rows up to the row that ends
  with an end reason (a discharge). A step change ends one row and starts the next without
  an end reason, so the episode goes on. Episodes are counted in the period in which they
  were **discharged**; the step of an episode is its step at discharge.
* **Finished treatment**: at least ``MIN_TREATMENT_CONTACTS`` (2) treatment contacts
  between the episode's start and its discharge.
* **First measure**: the PHQ-9 and GAD-7 of the last screening sent before the episode
  started (the baseline), or, without one, the episode's earliest measures. **Last
  measure**: the last PHQ-9 and GAD-7 sent before discharge. Both are looked for only after
  the patient's previous discharge, so that an earlier episode's answers are never reused.
  An episode is **paired** when both measures have a last answer later than the first.
* Caseness, recovery, reliable improvement, deterioration and recovery are
  ``screening.scoring.episode_outcome``'s, computed for finished, paired episodes.
* **Recovery rate** = recovered / (finished treatment - not at caseness at start), over
  paired episodes; **reliable recovery rate** has the same denominator; the **reliable
  improvement and deterioration rates** are over all finished, paired episodes.
* **Sustained recovery**: recovered at discharge and still below caseness at the follow-up
  months later; its rate is over the recovered episodes whose follow-up was answered.
* **Mean contacts**: over episodes that finished treatment.
* **Dropouts**: discharges whose end reason is "dropped out"; their rate is over all
  discharges in the period.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol, TypeVar

from screening.scoring import EpisodeOutcome, episode_outcome, is_caseness

PHQ9, GAD7 = "phq9", "gad7"
OUTCOME_INSTRUMENTS = (PHQ9, GAD7)
MIN_TREATMENT_CONTACTS = 2
NATIONAL_RECOVERY_TARGET = 0.5  # NHS Talking Therapies: 50% of those at caseness recover
DROPPED_OUT = "dropped_out"
STEPS = (1, 2, 3, 4)

MAX_RANGE_YEARS = 5
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099


# --- rows in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    patient_id: int
    step: int
    started_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None  # set on the row that ends the episode (a discharge)


@dataclass(frozen=True)
class Measure:
    patient_id: int
    instrument_id: str  # phq9 | gad7
    total: int
    at: datetime
    baseline: bool = False  # answered as part of a screening


@dataclass(frozen=True)
class Contact:
    patient_id: int
    at: datetime


@dataclass(frozen=True)
class TherapistSpell:
    """A care assignment: the patient was on this therapist's caseload in [assigned, ended)."""

    patient_id: int
    therapist_id: int
    assigned_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class FollowUpScores:
    """The follow-up of the episode discharged at ``discharged_at``, once answered."""

    patient_id: int
    discharged_at: datetime
    phq9: int
    gad7: int


@dataclass(frozen=True)
class Episode:
    patient_id: int
    step: int  # the step at discharge
    started_at: datetime
    discharged_at: datetime
    end_reason: str
    therapist_id: int | None  # the therapist at discharge
    contacts: int
    first: Mapping[str, int] | None = None  # {"phq9": total, "gad7": total}
    last: Mapping[str, int] | None = None  # None unless both are later than the first
    follow_up: Mapping[str, int] | None = None  # the answered follow-up after discharge

    @property
    def finished_treatment(self) -> bool:
        return self.contacts >= MIN_TREATMENT_CONTACTS

    @property
    def paired(self) -> bool:
        return self.first is not None and self.last is not None

    @property
    def dropped_out(self) -> bool:
        return self.end_reason == DROPPED_OUT

    def outcome(self) -> EpisodeOutcome | None:
        if self.first is None or self.last is None:
            return None
        return episode_outcome(self.first, self.last)

    def sustained_recovery(self) -> bool | None:
        """Below caseness at follow-up; None unless recovered and followed up."""
        if not (outcome := self.outcome()) or not outcome.recovered or not self.follow_up:
            return None
        return not is_caseness(self.follow_up[PHQ9], self.follow_up[GAD7])


# --- figures out -----------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Figures:
    discharged: int = 0
    finished_treatment: int = 0
    paired: int = 0  # finished treatment with a first and a last measure
    caseness_at_start: int = 0  # of the paired
    recovered: int = 0
    reliable_improvement: int = 0
    reliable_recovery: int = 0
    reliable_deterioration: int = 0
    contacts_of_finished: int = 0
    recovered_followed_up: int = 0  # recovered, with an answered follow-up
    sustained_recovery: int = 0  # of those, still below caseness at follow-up
    dropouts: int = 0
    referrals: int | None = None  # the clinic's total only: a referral has no episode yet

    @property
    def not_caseness_at_start(self) -> int:
        return self.paired - self.caseness_at_start

    @property
    def recovery_rate(self) -> float | None:
        # recovered / (finished treatment - not at caseness at start)
        return _rate(self.recovered, self.paired - self.not_caseness_at_start)

    @property
    def reliable_recovery_rate(self) -> float | None:
        return _rate(self.reliable_recovery, self.paired - self.not_caseness_at_start)

    @property
    def reliable_improvement_rate(self) -> float | None:
        return _rate(self.reliable_improvement, self.paired)

    @property
    def reliable_deterioration_rate(self) -> float | None:
        return _rate(self.reliable_deterioration, self.paired)

    @property
    def sustained_recovery_rate(self) -> float | None:
        return _rate(self.sustained_recovery, self.recovered_followed_up)

    @property
    def paired_rate(self) -> float | None:
        """Data completeness: how many who finished treatment have paired measures."""
        return _rate(self.paired, self.finished_treatment)

    @property
    def mean_contacts(self) -> float | None:
        return _rate(self.contacts_of_finished, self.finished_treatment)

    @property
    def dropout_rate(self) -> float | None:
        return _rate(self.dropouts, self.discharged)

    @property
    def meets_target(self) -> bool | None:
        rate = self.recovery_rate
        return None if rate is None else rate >= NATIONAL_RECOVERY_TARGET


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    totals: Figures
    by_step: dict[int, Figures] = field(default_factory=dict)
    by_therapist: dict[int | None, Figures] = field(default_factory=dict)


def figures(episodes: Iterable[Episode], referrals: int | None = None) -> Figures:
    counts: dict[str, int] = defaultdict(int)
    for episode in episodes:
        counts["discharged"] += 1
        counts["dropouts"] += episode.dropped_out
        if not episode.finished_treatment:
            continue
        counts["finished_treatment"] += 1
        counts["contacts_of_finished"] += episode.contacts
        outcome = episode.outcome()
        if outcome is None:
            continue
        counts["paired"] += 1
        counts["caseness_at_start"] += outcome.caseness_at_start
        counts["recovered"] += outcome.recovered
        counts["reliable_improvement"] += outcome.reliable_improvement
        counts["reliable_recovery"] += outcome.reliable_recovery
        counts["reliable_deterioration"] += outcome.reliable_deterioration
        if (sustained := episode.sustained_recovery()) is not None:
            counts["recovered_followed_up"] += 1
            counts["sustained_recovery"] += sustained
    return Figures(referrals=referrals, **counts)


def report(episodes: Iterable[Episode], *, start: date, end: date,
           referrals: int | None = None) -> Report:
    """Totals, every step (1-4, empty ones too) and every therapist with an episode."""
    episodes = list(episodes)
    by_step: dict[int, list[Episode]] = {step: [] for step in STEPS}
    by_therapist: dict[int | None, list[Episode]] = defaultdict(list)
    for episode in episodes:
        by_step.setdefault(episode.step, []).append(episode)
        by_therapist[episode.therapist_id].append(episode)
    return Report(
        start=start, end=end, totals=figures(episodes, referrals),
        by_step={step: figures(group) for step, group in sorted(by_step.items())},
        by_therapist={key: figures(group) for key, group in by_therapist.items()},
    )


# --- rows to episodes ------------------------------------------------------------------------


def discharged_episodes(
    steps: Iterable[StepRow],
    measures: Iterable[Measure] = (),
    contacts: Iterable[Contact] = (),
    spells: Iterable[TherapistSpell] = (),
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    follow_ups: Iterable[FollowUpScores] = (),
) -> list[Episode]:
    """Episodes discharged in [since, until), with measures, contacts, therapist and follow-up
    (``measures`` hold none); others' rows and times outside it may be passed freely."""
    follow_up_of = {(f.patient_id, f.discharged_at): {PHQ9: f.phq9, GAD7: f.gad7}
                    for f in follow_ups}
    measures_of = _by_patient(measures)
    contacts_of = _by_patient(contacts)
    spells_of = _by_patient(spells)
    episodes = []
    for patient_id, rows in _by_patient(steps).items():
        previous_discharge: datetime | None = None
        for first_row, last_row in _runs(sorted(rows, key=lambda r: r.started_at)):
            discharged_at: datetime = last_row.ended_at  # type: ignore[assignment]
            in_range = ((since is None or discharged_at >= since)
                        and (until is None or discharged_at < until))
            if in_range:
                window = (previous_discharge, first_row.started_at, discharged_at)
                first, last = _first_and_last(measures_of.get(patient_id, []), *window)
                episodes.append(Episode(
                    patient_id=patient_id, step=last_row.step,
                    started_at=first_row.started_at, discharged_at=discharged_at,
                    end_reason=last_row.end_reason or "",
                    therapist_id=_therapist_at(spells_of.get(patient_id, []), discharged_at),
                    contacts=sum(first_row.started_at <= c.at <= discharged_at
                                 for c in contacts_of.get(patient_id, [])),
                    first=first, last=last, follow_up=follow_up_of.get((patient_id, discharged_at)),
                ))
            previous_discharge = discharged_at
    return sorted(episodes, key=lambda e: (e.discharged_at, e.patient_id))


class _PatientRow(Protocol):
    @property
    def patient_id(self) -> int: ...


_R = TypeVar("_R", bound=_PatientRow)


def _by_patient(rows: Iterable[_R]) -> dict[int, list[_R]]:
    grouped: dict[int, list[_R]] = defaultdict(list)
    for row in rows:
        grouped[row.patient_id].append(row)
    return grouped


def _runs(rows: list[StepRow]) -> Iterable[tuple[StepRow, StepRow]]:
    """(first row, discharging row) of each finished episode; an open one is left out."""
    first: StepRow | None = None
    for row in rows:
        first = first or row
        if row.ended_at is not None and row.end_reason:
            yield first, row
            first = None


def _first_and_last(
    measures: list[Measure], after: datetime | None, started_at: datetime,
    discharged_at: datetime,
) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for instrument_id in OUTCOME_INSTRUMENTS:
        window = sorted(
            (m for m in measures if m.instrument_id == instrument_id
             and (after is None or m.at > after) and m.at <= discharged_at),
            key=lambda m: m.at,
        )
        baselines = [m for m in window if m.baseline and m.at <= started_at]
        opening = baselines[-1] if baselines else next(
            (m for m in window if m.at >= started_at), None)
        if opening is None:
            return None, None
        first[instrument_id] = opening.total
        if window[-1].at > opening.at:
            last[instrument_id] = window[-1].total
    return first, (last if len(last) == len(OUTCOME_INSTRUMENTS) else None)


def _therapist_at(spells: list[TherapistSpell], moment: datetime) -> int | None:
    current = [s for s in spells
               if s.assigned_at <= moment and (s.ended_at is None or s.ended_at >= moment)]
    return max(current, key=lambda s: s.assigned_at).therapist_id if current else None


# --- the date range --------------------------------------------------------------------------


class RangeError(ValueError):
    """A date range the report refuses. ``problem`` names why; ``field`` which input."""

    def __init__(self, problem: str, field: str):
        super().__init__(f"{field}: {problem}")
        self.problem = problem  # malformed | out_of_bounds | end_before_start | too_long
        self.field = field  # start | end


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_range(start_text: str | None, end_text: str | None, today: date) -> tuple[date, date]:
    """Two YYYY-MM-DD dates, both included. Missing ones default to the last 12 months."""
    end = _parse_date(end_text, "end") if end_text else today
    start = _parse_date(start_text, "start") if start_text else _add_years(end, -1)
    if end < start:
        raise RangeError("end_before_start", "end")
    if end >= _add_years(start, MAX_RANGE_YEARS):
        raise RangeError("too_long", "end")
    return start, end


def _parse_date(text: str, which: str) -> date:
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        raise RangeError("malformed", which)
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise RangeError("malformed", which) from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise RangeError("out_of_bounds", which)
    return value


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def bounds(start: date, end: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[start's midnight, the midnight after end) in the clinic's time zone."""
    return (datetime.combine(start, time.min, zone),
            datetime.combine(end + timedelta(days=1), time.min, zone))
