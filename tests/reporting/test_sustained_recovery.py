"""Sustained recovery (issue 19): recovered at discharge and still below caseness at the
follow-up, checked on the hand-computed clinic of clinic.py.

Recovered at discharge: patients 1 and 6 (test_outcomes.py's table).

| patient | follow-up PHQ-9, GAD-7 | at caseness | counts as                         |
|---------|------------------------|-------------|-----------------------------------|
| 1       | 9, 7                   | no (just)   | recovered, followed up, sustained |
| 6       | 10, 4                  | yes (PHQ-9) | recovered, followed up            |
| 2       | 5, 3                   | no          | nothing: not recovered            |

So 1 sustained of 2 recovered and followed up: 50%.
"""

from __future__ import annotations

from datetime import timedelta

from reporting.outcomes import Episode, FollowUpScores, discharged_episodes, figures
from tests.reporting.clinic import CONTACTS, MEASURES, SINCE, SPELLS, STEPS, UNTIL


def discharges() -> dict[int, Episode]:
    episodes = discharged_episodes(STEPS, MEASURES, CONTACTS, SPELLS, since=SINCE, until=UNTIL)
    return {e.patient_id: e for e in episodes}


def followed_up(scores: dict[int, tuple[int, int]]) -> dict[int, Episode]:
    found = discharges()
    follow_ups = [FollowUpScores(p, found[p].discharged_at, phq9, gad7)
                  for p, (phq9, gad7) in scores.items()]
    episodes = discharged_episodes(STEPS, MEASURES, CONTACTS, SPELLS, since=SINCE,
                                   until=UNTIL, follow_ups=follow_ups)
    return {e.patient_id: e for e in episodes}


CLINIC_FOLLOW_UPS = {1: (9, 7), 6: (10, 4), 2: (5, 3)}


def test_it_attaches_each_follow_up_to_the_episode_it_follows():
    episodes = followed_up(CLINIC_FOLLOW_UPS)
    assert episodes[1].follow_up == {"phq9": 9, "gad7": 7}
    assert episodes[3].follow_up is None


def test_it_ignores_a_follow_up_of_another_discharge():
    episode = discharges()[1]
    stray = FollowUpScores(1, episode.discharged_at - timedelta(days=1), 3, 3)
    found = discharged_episodes(STEPS, MEASURES, CONTACTS, SPELLS, since=SINCE, until=UNTIL,
                                follow_ups=[stray])
    assert next(e for e in found if e.patient_id == 1).follow_up is None


def test_it_counts_recovery_as_sustained_just_below_caseness():
    assert followed_up({1: (9, 7)})[1].sustained_recovery() is True


def test_it_counts_recovery_as_lost_at_caseness_on_either_measure():
    assert followed_up({1: (10, 0)})[1].sustained_recovery() is False
    assert followed_up({1: (0, 8)})[1].sustained_recovery() is False


def test_it_leaves_out_episodes_that_did_not_recover_or_were_not_followed_up():
    episodes = followed_up({2: (5, 3)})
    assert episodes[2].sustained_recovery() is None  # followed up, never recovered
    assert episodes[6].sustained_recovery() is None  # recovered, no follow-up


def test_it_adds_up_sustained_recovery_over_the_followed_up_recovered():
    totals = figures(followed_up(CLINIC_FOLLOW_UPS).values())
    assert (totals.recovered, totals.recovered_followed_up, totals.sustained_recovery) == (
        2, 2, 1)
    assert totals.sustained_recovery_rate == 0.5


def test_it_has_no_sustained_recovery_rate_without_follow_ups():
    totals = figures(discharges().values())
    assert totals.recovered_followed_up == 0 and totals.sustained_recovery_rate is None
