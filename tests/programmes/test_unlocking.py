from datetime import UTC, datetime, timedelta

import pytest

from programmes.unlocking import (
    next_module,
    next_unlock_at,
    open_modules,
    progress,
    unlocked_positions,
)

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def opened(rule, days, count=8, manual=()):
    return unlocked_positions(rule, module_count=count, started_at=START,
                              now=START + timedelta(days=days), unlocked_by_therapist=manual)


def test_it_opens_everything_at_once_under_all():
    assert opened("all", 0) == set(range(8))


@pytest.mark.parametrize(("days", "expected"), [
    (0, {0}), (6.99, {0}), (7, {0, 1}), (13.9, {0, 1}), (14, {0, 1, 2}), (70, set(range(8))),
])
def test_it_opens_one_module_per_full_week(days, expected):
    assert opened("weekly", days) == expected


def test_it_opens_only_the_first_module_until_the_therapist_opens_more():
    assert opened("therapist", 90) == {0}
    assert opened("therapist", 0, manual={3}) == {0, 3}


def test_it_lets_the_therapist_open_a_weekly_module_early():
    assert opened("weekly", 0, manual={4}) == {0, 4}


def test_it_ignores_manual_positions_outside_the_programme():
    assert opened("therapist", 0, manual={-1, 99}) == {0}


def test_it_opens_nothing_in_an_empty_programme():
    assert opened("weekly", 30, count=0) == set()


def test_it_refuses_an_unknown_rule():
    with pytest.raises(ValueError, match="unknown unlocking rule"):
        opened("fortnightly", 0)


def test_it_tells_when_the_next_weekly_module_opens():
    now = START + timedelta(days=9)
    assert next_unlock_at("weekly", module_count=8, started_at=START, now=now) == START + \
        timedelta(days=14)
    assert next_unlock_at("weekly", module_count=2, started_at=START, now=now) is None
    assert next_unlock_at("all", module_count=8, started_at=START, now=now) is None


class Module:
    def __init__(self, id, optional=False):
        self.id, self.optional = id, optional


MODULES = [Module(10), Module(11), Module(12, optional=True), Module(13)]


def test_it_lists_the_open_modules_in_programme_order():
    found = open_modules("therapist", MODULES, started_at=START, now=START,
                         unlocked_ids={13, 11})
    assert [m.id for m in found] == [10, 11, 13]


def test_it_offers_the_first_open_module_not_yet_completed():
    open_now = open_modules("all", MODULES, started_at=START, now=START)
    assert next_module(open_now, {10, 11}).id == 12
    assert next_module(open_now, {10, 11, 12, 13}) is None


def test_it_counts_progress_over_the_required_modules_only():
    assert progress(MODULES, {10, 12}) == (1, 3)
    assert progress(MODULES, set()) == (0, 3)
    assert progress([], set()) == (0, 0)
