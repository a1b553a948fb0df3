from datetime import UTC, datetime, timedelta

import pytest

from app.caseload.triage import (
    NEEDS,
    Category,
    Row,
    category,
    filter_rows,
    sort_rows,
    triage_sorted,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
RECENT = NOW - timedelta(days=1)


def row(name, **facts):
    # Every fact triage reads, as a patient nobody knows anything about has them.
    return Row(patient_id=hash(name) % 1000, name=name,
               facts={**dict.fromkeys(NEEDS), "last_activity": RECENT, **facts})


@pytest.mark.parametrize(("facts", "expected"), [
    ({"open_risk_alerts": 1, "reliable_deterioration": True}, Category.RISK),
    ({"reliable_deterioration": True, "homework_waiting": 2}, Category.DETERIORATION),
    ({"homework_waiting": 1}, Category.WAITING_FOR_YOU),
    ({"unread_messages": 1, "not_on_track": True}, Category.WAITING_FOR_YOU),
    ({"not_on_track": True, "last_activity": NOW - timedelta(days=30)}, Category.NOT_ON_TRACK),
    ({"last_activity": NOW - timedelta(days=14)}, Category.INACTIVE),
    ({"last_activity": None}, Category.INACTIVE),
    ({"last_activity": NOW - timedelta(days=13, hours=23)}, Category.OTHER),
])
def test_it_puts_each_patient_in_the_most_urgent_category(facts, expected):
    assert category(row("x", **facts), NOW) == expected


def test_it_orders_the_caseload_by_triage():
    rows = [row("Rest"), row("Inactive", last_activity=None), row("Track", not_on_track=True),
            row("Waiting", unread_messages=1), row("Worse", reliable_deterioration=True),
            row("Risk", open_risk_alerts=1)]
    assert [r.name for r in triage_sorted(rows, NOW)] == [
        "Risk", "Worse", "Waiting", "Track", "Inactive", "Rest"]


def test_it_puts_the_longest_waiting_first_within_a_group():
    rows = [row("Newer", homework_waiting=1, waiting_since=NOW - timedelta(days=1)),
            row("Older", homework_waiting=1, waiting_since=NOW - timedelta(days=5))]
    assert [r.name for r in triage_sorted(rows, NOW)] == ["Older", "Newer"]


def test_it_sorts_by_other_columns_on_request():
    rows = [row("b", phq9_latest=3), row("A", phq9_latest=20), row("c")]
    assert [r.name for r in sort_rows(rows, "name", NOW)] == ["A", "b", "c"]
    assert [r.name for r in sort_rows(rows, "phq9", NOW)] == ["A", "b", "c"]


def test_it_filters_by_step_and_category():
    rows = [row("a", step=2, unread_messages=1), row("b", step=2), row("c", step=1)]
    assert [r.name for r in filter_rows(rows, step=2, only=None, now=NOW)] == ["a", "b"]
    assert [r.name for r in filter_rows(rows, step=None, only=Category.WAITING_FOR_YOU,
                                        now=NOW)] == ["a"]
