"""The response-time target counts working days."""

from datetime import UTC, datetime

from app.messaging.timing import add_working_days, is_overdue


def test_it_counts_working_days_over_a_weekend():
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert add_working_days(friday, 2) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert not is_overdue(friday, datetime(2026, 11, 24, 14, 0, tzinfo=UTC), 2)
    assert is_overdue(friday, datetime(2026, 11, 24, 16, 0, tzinfo=UTC), 2)
