"""Task dates and public visibility."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.tasks import TaskStatus, Visibility, check_dates, is_publicly_listed


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
