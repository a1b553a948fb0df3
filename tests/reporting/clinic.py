"""A small clinic whose outcomes were computed by hand (see test_outcomes.py).

The report covers 2026-01-01 to 2026-03-31 (UTC). Therapists: 101 (T1) and 102 (T2).
Scores are (PHQ-9, GAD-7); caseness is PHQ-9 >= 10 or GAD-7 >= 8.

::

    patient  episode (step rows)       discharged          therapist  contacts  first -> last
    1        step 2 from Jan 2         Mar 1 completed     T1         6         (15,12) -> (6,5)
    2        2 Jan 2; 3 from Feb 1     Mar 15 completed    T2 *       3         (18,14) -> (14,9)
    3        step 2 from Jan 3         Feb 20 completed    T2         4         (8,6) -> (4,3)
    4        step 2 from Jan 4         Jan 20 dropped out  T1         1         (12,9) -> (13,9)
    5        step 3 from Jan 5         Mar 20 dropped out  T2         5         (11,7) -> (19,12)
    6        step 1 from Jan 6         Feb 10 completed    none       2         (10,4) -> (9,4)
    7        step 2 from Jan 7         Mar 5 completed     T1         2         (14,10) -> none
    8        2 in 2025; 4 from Jan 10  Mar 25 referred on  T2         0         (16,15) -> none
    9        step 2 from Jan 8         still open          T1         3
    10       step 2 from Jan 9         Apr 2 (outside)     T1         4

* patient 2 was T1's until 1 February.

Patient 1 also has a contact before the episode (2025-12-01) and one after (Mar 5): they do not
count. Patient 8's first episode (2025, PHQ-9 20 -> 5) must not lend its measures or contacts
to the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reporting.outcomes import Contact, Measure, StepRow, TherapistSpell

T1, T2 = 101, 102
START, END = date(2026, 1, 1), date(2026, 3, 31)
SINCE, UNTIL = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


def at(month: int, day: int, year: int = 2026, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def scores(patient_id: int, when: datetime, phq9: int, gad7: int, *,
           baseline: bool = False) -> list[Measure]:
    return [Measure(patient_id, "phq9", phq9, when, baseline),
            Measure(patient_id, "gad7", gad7, when, baseline)]


def contacts(patient_id: int, *days: datetime) -> list[Contact]:
    return [Contact(patient_id, day) for day in days]


STEPS = [
    StepRow(1, 2, at(1, 2), at(3, 1), "completed"),
    StepRow(2, 2, at(1, 2), at(2, 1)),  # stepped up: no end reason, the episode goes on
    StepRow(2, 3, at(2, 1), at(3, 15), "completed"),
    StepRow(3, 2, at(1, 3), at(2, 20), "completed"),
    StepRow(4, 2, at(1, 4), at(1, 20), "dropped_out"),
    StepRow(5, 3, at(1, 5), at(3, 20), "dropped_out"),
    StepRow(6, 1, at(1, 6), at(2, 10), "completed"),
    StepRow(7, 2, at(1, 7), at(3, 5), "completed"),
    StepRow(8, 2, at(9, 1, 2025), at(12, 15, 2025), "completed"),
    StepRow(8, 4, at(1, 10), at(3, 25), "referred_on"),
    StepRow(9, 2, at(1, 8)),
    StepRow(10, 2, at(1, 9), at(4, 2), "completed"),
]

MEASURES = [
    *scores(1, at(12, 20, 2025), 15, 12, baseline=True),
    *scores(1, at(1, 10), 12, 10),
    *scores(1, at(2, 25), 6, 5),
    *scores(1, at(3, 3), 20, 20),  # after discharge: not the last measure
    *scores(2, at(12, 28, 2025), 18, 14, baseline=True),
    *scores(2, at(2, 10), 16, 12),
    *scores(2, at(3, 10), 14, 9),
    *scores(3, at(1, 2), 8, 6, baseline=True),
    *scores(3, at(2, 15), 4, 3),
    *scores(4, at(1, 3), 12, 9, baseline=True),
    *scores(4, at(1, 15), 13, 9),
    *scores(5, at(1, 4), 11, 7, baseline=True),
    *scores(5, at(3, 18), 19, 12),
    *scores(6, at(1, 5), 10, 4, baseline=True),
    *scores(6, at(2, 8), 9, 4),
    *scores(7, at(1, 6), 14, 10, baseline=True),
    *scores(8, at(8, 30, 2025), 20, 18, baseline=True),
    *scores(8, at(11, 30, 2025), 5, 3),
    *scores(8, at(1, 5), 16, 15, baseline=True),
    *scores(9, at(1, 7), 15, 10, baseline=True),
    *scores(10, at(1, 8), 15, 10, baseline=True),
    *scores(10, at(3, 30), 5, 3),
]

CONTACTS = [
    *contacts(1, at(12, 1, 2025), *(at(month, day) for month, day in
                                    ((1, 9), (1, 16), (1, 23), (2, 6), (2, 13), (2, 27))),
              at(3, 5)),
    *contacts(2, at(1, 20), at(2, 15), at(3, 1)),
    *contacts(3, at(1, 10), at(1, 24), at(2, 7), at(2, 14)),
    *contacts(4, at(1, 11)),
    *contacts(5, at(1, 12), at(1, 26), at(2, 9), at(2, 23), at(3, 9)),
    *contacts(6, at(1, 20), at(2, 3)),
    *contacts(7, at(1, 21), at(2, 18)),
    *contacts(8, at(10, 1, 2025), at(11, 1, 2025)),
    *contacts(9, at(1, 15), at(1, 22), at(1, 29)),
    *contacts(10, at(1, 16), at(1, 23), at(1, 30), at(2, 6)),
]

SPELLS = [
    TherapistSpell(1, T1, at(12, 20, 2025)),
    TherapistSpell(2, T1, at(12, 28, 2025), at(2, 1)),
    TherapistSpell(2, T2, at(2, 1)),
    TherapistSpell(3, T2, at(1, 2)),
    TherapistSpell(4, T1, at(1, 3)),
    TherapistSpell(5, T2, at(1, 4)),
    TherapistSpell(7, T1, at(1, 6)),
    TherapistSpell(8, T1, at(8, 30, 2025), at(12, 15, 2025)),
    TherapistSpell(8, T2, at(1, 9)),
    TherapistSpell(9, T1, at(1, 7)),
    TherapistSpell(10, T1, at(1, 8)),
]
