"""The pure outcome calculations, checked against a clinic computed by hand (clinic.py).

Episodes discharged in the range: patients 1-7 and patient 8's second episode = 8.
Finished treatment (>= 2 contacts): 1 (6), 2 (3), 3 (4), 5 (5), 6 (2), 7 (2) = 6;
patients 4 (1 contact) and 8 (0) did not finish.
Paired (a last measure after the first): 1, 2, 3, 5, 6 = 5; patient 7 has only the baseline.

| patient | first -> last | change   | caseness start/end | recovered | reliable  |
|---------|---------------|----------|--------------------|-----------|-----------|
| 1       | 15,12 -> 6,5  | -9, -7   | yes / no           | yes       | improved  |
| 2       | 18,14 -> 14,9 | -4, -5   | yes / yes          | no        | improved (GAD-7 -5 >= 4) |
| 3       | 8,6 -> 4,3    | -4, -3   | no / no            | no        | -         |
| 5       | 11,7 -> 19,12 | +8, +5   | yes / yes          | no        | deteriorated |
| 6       | 10,4 -> 9,4   | -1, 0    | yes / no           | yes       | -         |
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reporting.outcomes import (
    Episode,
    Figures,
    RangeError,
    StepRow,
    bounds,
    discharged_episodes,
    figures,
    parse_range,
    report,
)
from tests.reporting.clinic import (
    CONTACTS,
    END,
    MEASURES,
    SINCE,
    SPELLS,
    START,
    STEPS,
    T1,
    T2,
    UNTIL,
    at,
    scores,
)


def clinic_episodes() -> list[Episode]:
    return discharged_episodes(STEPS, MEASURES, CONTACTS, SPELLS, since=SINCE, until=UNTIL)


def clinic_report():
    return report(clinic_episodes(), start=START, end=END, referrals=9)


def by_patient() -> dict[int, Episode]:
    return {e.patient_id: e for e in clinic_episodes()}


# --- episodes ----------------------------------------------------------------------------------


def test_it_finds_the_episodes_discharged_in_the_range():
    # 9 is still open, 10 was discharged on 2 April, 8's first episode in December 2025.
    assert sorted(e.patient_id for e in clinic_episodes()) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_it_joins_a_step_change_into_one_episode():
    episode = by_patient()[2]
    assert (episode.started_at, episode.discharged_at) == (at(1, 2), at(3, 15))


def test_it_takes_the_step_at_discharge():
    assert by_patient()[2].step == 3


def test_it_starts_a_new_episode_after_a_discharge():
    assert by_patient()[8].started_at == at(1, 10)


def test_it_counts_contacts_within_the_episode_only():
    # Patient 1: six contacts from 9 Jan to 27 Feb; 1 Dec 2025 and 5 Mar fall outside.
    assert by_patient()[1].contacts == 6


def test_it_does_not_lend_an_earlier_episodes_contacts():
    assert by_patient()[8].contacts == 0


def test_it_takes_the_screening_as_the_first_measure():
    assert by_patient()[1].first == {"phq9": 15, "gad7": 12}


def test_it_takes_the_last_measure_before_discharge():
    # 25 Feb (6, 5), not the (20, 20) sent on 3 March after discharge.
    assert by_patient()[1].last == {"phq9": 6, "gad7": 5}


def test_it_takes_the_new_screening_after_a_re_referral():
    # Not 2025's (20, 18), and not its (5, 3) either: no later measure, so no pair.
    episode = by_patient()[8]
    assert (episode.first, episode.last) == ({"phq9": 16, "gad7": 15}, None)


def test_it_leaves_an_episode_with_only_its_baseline_unpaired():
    assert not by_patient()[7].paired


def test_it_falls_back_to_the_earliest_measure_without_a_screening():
    steps = [StepRow(1, 2, at(1, 1), at(3, 1), "completed")]
    measures = [*scores(1, at(1, 8), 14, 9), *scores(1, at(2, 20), 7, 5)]
    [episode] = discharged_episodes(steps, measures)
    assert (episode.first, episode.last) == ({"phq9": 14, "gad7": 9}, {"phq9": 7, "gad7": 5})


def test_it_does_not_reuse_an_earlier_episodes_measures():
    steps = [StepRow(1, 2, at(1, 1), at(1, 31), "completed"),
             StepRow(1, 2, at(2, 10), at(3, 10), "completed")]
    measures = [*scores(1, at(1, 1), 20, 15, baseline=True), *scores(1, at(1, 20), 8, 5)]
    second = discharged_episodes(steps, measures)[1]
    assert (second.first, second.last) == (None, None)


def test_it_needs_both_measures_for_a_pair():
    steps = [StepRow(1, 2, at(1, 2), at(3, 1), "completed")]
    measures = [*scores(1, at(1, 1), 14, 9, baseline=True), scores(1, at(2, 1), 7, 5)[0]]
    assert not discharged_episodes(steps, measures)[0].paired


def test_it_finds_the_therapist_at_discharge():
    # Patient 2 moved from T1 to T2 on 1 Feb; patient 6 (self-help) has none.
    episodes = by_patient()
    assert (episodes[2].therapist_id, episodes[1].therapist_id, episodes[6].therapist_id) == (
        T2, T1, None)


def test_it_ignores_an_episode_that_is_still_open():
    assert discharged_episodes([StepRow(1, 2, at(1, 1))]) == []


# --- totals ----------------------------------------------------------------------------------


def test_it_passes_the_referrals_through():
    assert clinic_report().totals.referrals == 9


def test_it_counts_discharges():
    assert clinic_report().totals.discharged == 8


def test_it_counts_finished_treatment():
    assert clinic_report().totals.finished_treatment == 6  # 1, 2, 3, 5, 6, 7


def test_it_counts_paired_episodes_and_their_completeness():
    totals = clinic_report().totals
    assert (totals.paired, totals.paired_rate) == (5, pytest.approx(5 / 6))


def test_it_counts_caseness_at_start():
    totals = clinic_report().totals
    # Paired: 1 (15), 2 (18), 5 (11), 6 (PHQ-9 10) at caseness; 3 (8, 6) not.
    assert (totals.caseness_at_start, totals.not_caseness_at_start) == (4, 1)


def test_it_computes_the_recovery_rate():
    totals = clinic_report().totals
    # Recovered: 1 and 6. 2 / (5 paired finished - 1 not at caseness) = 2 / 4 = 50%.
    assert (totals.recovered, totals.recovery_rate) == (2, 0.5)


def test_it_meets_the_national_target_at_exactly_fifty_percent():
    assert clinic_report().totals.meets_target is True


def test_it_computes_reliable_improvement():
    totals = clinic_report().totals
    # 1 (-9, -7) and 2 (GAD-7 -5); 2 / 5 paired = 40%.
    assert (totals.reliable_improvement, totals.reliable_improvement_rate) == (2, 0.4)


def test_it_computes_reliable_recovery():
    totals = clinic_report().totals
    # Recovered and reliably improved: 1 only (6 recovered but changed by -1). 1 / 4 = 25%.
    assert (totals.reliable_recovery, totals.reliable_recovery_rate) == (1, 0.25)


def test_it_computes_reliable_deterioration():
    totals = clinic_report().totals
    # 5 (+8, +5); 1 / 5 = 20%.
    assert (totals.reliable_deterioration, totals.reliable_deterioration_rate) == (1, 0.2)


def test_it_computes_the_mean_number_of_contacts_of_finished_treatment():
    # (6 + 3 + 4 + 5 + 2 + 2) / 6 = 22 / 6.
    assert clinic_report().totals.mean_contacts == pytest.approx(22 / 6)


def test_it_counts_dropouts_among_all_discharges():
    totals = clinic_report().totals
    # 4 (1 contact) and 5 (5 contacts); 2 / 8 = 25%.
    assert (totals.dropouts, totals.dropout_rate) == (2, 0.25)


# --- per step and per therapist ---------------------------------------------------------------


def test_it_shows_every_step_even_an_empty_one():
    assert list(report([], start=START, end=END).by_step) == [1, 2, 3, 4]


def test_it_computes_step_1():
    # 6 alone: finished (2 contacts), paired, at caseness, recovered; 1 / 1.
    assert clinic_report().by_step[1] == Figures(
        discharged=1, finished_treatment=1, paired=1, caseness_at_start=1, recovered=1,
        contacts_of_finished=2)


def test_it_computes_step_2():
    # 1, 3, 4, 7. Finished 1, 3, 7 (6 + 4 + 2 = 12 contacts); paired 1, 3; at caseness 1;
    # recovered 1 -> 1 / (2 - 1) = 100%; 1 improved and reliably recovered; 4 dropped out.
    step = clinic_report().by_step[2]
    assert step == Figures(
        discharged=4, finished_treatment=3, paired=2, caseness_at_start=1, recovered=1,
        reliable_improvement=1, reliable_recovery=1, contacts_of_finished=12, dropouts=1)
    assert (step.recovery_rate, step.mean_contacts, step.dropout_rate) == (1.0, 4.0, 0.25)


def test_it_computes_step_3():
    # 2 (stepped up) and 5: both finished (3 + 5 contacts), paired, at caseness; none
    # recovered -> 0 / 2; 2 improved, 5 deteriorated and dropped out.
    step = clinic_report().by_step[3]
    assert step == Figures(
        discharged=2, finished_treatment=2, paired=2, caseness_at_start=2,
        reliable_improvement=1, reliable_deterioration=1, contacts_of_finished=8, dropouts=1)
    assert (step.recovery_rate, step.reliable_deterioration_rate) == (0.0, 0.5)


def test_it_computes_step_4_without_rates_it_cannot_compute():
    step = clinic_report().by_step[4]  # 8's second episode: no contacts
    assert (step.discharged, step.finished_treatment, step.recovery_rate, step.mean_contacts,
            step.meets_target) == (1, 0, None, None, None)


def test_it_computes_the_first_therapist():
    # T1: 1, 4, 7. Finished 1, 7 (6 + 2); paired 1; recovered 1 -> 1 / 1; 4 dropped out: 1 / 3.
    therapist = clinic_report().by_therapist[T1]
    assert therapist == Figures(
        discharged=3, finished_treatment=2, paired=1, caseness_at_start=1, recovered=1,
        reliable_improvement=1, reliable_recovery=1, contacts_of_finished=8, dropouts=1)
    assert therapist.dropout_rate == pytest.approx(1 / 3)


def test_it_computes_the_second_therapist():
    # T2: 2, 3, 5, 8. Finished 2, 3, 5 (3 + 4 + 5 = 12); paired 3; at caseness 2, 5;
    # recovered none -> 0 / (3 - 1); 2 improved, 5 deteriorated: 1 / 3 each.
    therapist = clinic_report().by_therapist[T2]
    assert therapist == Figures(
        discharged=4, finished_treatment=3, paired=3, caseness_at_start=2,
        reliable_improvement=1, reliable_deterioration=1, contacts_of_finished=12, dropouts=1)
    assert (therapist.recovery_rate, therapist.reliable_improvement_rate) == (
        0.0, pytest.approx(1 / 3))


def test_it_groups_episodes_without_a_therapist():
    assert clinic_report().by_therapist[None] == clinic_report().by_step[1]  # patient 6


def test_it_adds_the_groups_up_to_the_totals():
    groups = clinic_report().by_therapist.values()
    assert sum(g.discharged for g in groups) == 8 and sum(g.recovered for g in groups) == 2


def test_it_gives_no_rates_for_an_empty_clinic():
    empty = figures([])
    assert (empty.recovery_rate, empty.dropout_rate, empty.mean_contacts) == (None, None, None)


# --- the date range ----------------------------------------------------------------------------

TODAY = date(2026, 11, 23)


def test_it_defaults_to_the_last_twelve_months():
    assert parse_range(None, None, TODAY) == (date(2025, 11, 23), TODAY)


def test_it_parses_both_dates():
    assert parse_range("2026-01-01", "2026-03-31", TODAY) == (START, END)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "01-01-2026", "20260101",
                                  "2026-W01-1", "yesterday", "2026-01-01T00:00"])
def test_it_refuses_a_malformed_date(text):
    with pytest.raises(RangeError) as error:
        parse_range(text, "2026-03-31", TODAY)
    assert (error.value.problem, error.value.field) == ("malformed", "start")


def test_it_refuses_an_end_before_the_start():
    with pytest.raises(RangeError, match="end_before_start"):
        parse_range("2026-03-31", "2026-01-01", TODAY)


def test_it_allows_five_years():
    assert parse_range("2021-01-01", "2025-12-31", TODAY) == (date(2021, 1, 1), date(2025, 12, 31))


def test_it_refuses_more_than_five_years():
    with pytest.raises(RangeError, match="too_long"):
        parse_range("2021-01-01", "2026-01-01", TODAY)


def test_it_refuses_a_year_far_away():
    with pytest.raises(RangeError, match="out_of_bounds"):
        parse_range("9999-12-30", "9999-12-31", TODAY)


def test_it_bounds_the_range_in_the_clinics_time_zone():
    since, until = bounds(START, END, ZoneInfo("Europe/Copenhagen"))
    assert (since, until) == (datetime(2025, 12, 31, 23, tzinfo=UTC),
                              datetime(2026, 3, 31, 22, tzinfo=UTC))
