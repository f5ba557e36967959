"""Task dates, public visibility and when bidding ends (expiry)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.tasks import (
    TASK,
    TaskStatus,
    Visibility,
    bidding_ends,
    bidding_over,
    check_dates,
    is_publicly_listed,
)


def test_due_before_start_is_refused_on_due_date() -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_dates(date(2026, 5, 10), date(2026, 5, 9))
    assert raised.value.status == 400
    assert [e["field"] for e in raised.value.errors] == ["dueDate"]


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 5, 10), date(2026, 5, 10)),
        (date(2026, 5, 10), date(2027, 1, 1)),
        (None, date(2020, 1, 1)),
        (date(2030, 1, 1), None),
        (None, None),
    ],
)
def test_ordered_or_partial_dates_pass(start: date | None, due: date | None) -> None:
    check_dates(start, due)


def test_only_open_public_tasks_are_publicly_listed() -> None:
    listed = {
        (status, visibility)
        for status in TaskStatus
        for visibility in Visibility
        if is_publicly_listed(status, visibility)
    }
    assert listed == {(TaskStatus.OPEN, Visibility.PUBLIC)}


OPENED = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


def test_bidding_ends_at_the_start_of_a_future_start_date() -> None:
    ends = bidding_ends(OPENED, date(2026, 12, 10), 30)
    assert ends == datetime(2026, 12, 10, tzinfo=UTC)
    assert not bidding_over(OPENED, date(2026, 12, 10), 30, ends - timedelta(milliseconds=1))
    assert bidding_over(OPENED, date(2026, 12, 10), 30, ends)


def test_without_a_start_date_bidding_ends_the_configured_days_after_opening() -> None:
    assert bidding_ends(OPENED, None, 30) == OPENED + timedelta(days=30)
    assert bidding_ends(OPENED, None, 7) == datetime(2026, 12, 8, 15, 30, tzinfo=UTC)
    assert not bidding_over(OPENED, None, 30, OPENED + timedelta(days=29, hours=23))


@pytest.mark.parametrize("start", [date(2026, 11, 1), date(2026, 12, 1)])  # passed, or today: began before opening
def test_a_start_date_already_passed_at_opening_falls_back_to_the_default_window(start: date) -> None:
    assert bidding_ends(OPENED, start, 30) == OPENED + timedelta(days=30)
    assert not bidding_over(OPENED, start, 30, OPENED + timedelta(hours=1))


def test_only_an_open_task_expires() -> None:
    assert TASK.next(TaskStatus.OPEN, "expire") == TaskStatus.EXPIRED
    for status in set(TaskStatus) - {TaskStatus.OPEN}:
        with pytest.raises(Conflict):
            TASK.next(status, "expire")
