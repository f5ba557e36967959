"""Public browse through the services on moto DynamoDB: newest first, filters, cursors, sparse queues."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.tokens import Claims
from chalicelib.domain.accounts import Kind, NewProfile, Role
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask
from chalicelib.services import tasks
from chalicelib.services.identity import Actor
from chalicelib.services.profiles import create_profile


@pytest.fixture(scope="module")
def people(aws: dict[str, str]) -> dict[str, Actor]:
    customer = Actor(Claims("sub-browse-customer", "c@example.com", frozenset()), None)
    customer.profile = create_profile(customer, NewProfile(Role.CUSTOMER, "C", Kind.COMPANY))
    return {"customer": customer, "admin": Actor(Claims("sub-admin", "a@example.com", frozenset({"admin"})), None)}


def _post(people: dict[str, Actor], title: str, category: str, skills: list[str], publish: bool = True) -> Any:
    new = NewTask(title, "d", category, tuple(skills), Money(1000, "EUR"))
    task = tasks.create_task(people["customer"], new)
    if publish:
        tasks.submit_task(people["customer"], task.id)
        task = tasks.review_task(people["admin"], task.id, "approve", None)
    return task


def test_category_filter_pages_newest_first_with_cursors(people: dict[str, Actor]) -> None:
    ids = [_post(people, f"Robotics {n}", "robotics-paging", ["ros"]).id for n in range(5)]
    _post(people, "Other", "not-robotics", ["ros"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = tasks.browse("robotics-paging", None, 2, cursor)
        seen += [t.id for t in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert pages == 3


def test_skill_filter_combines_with_category(people: dict[str, Actor]) -> None:
    wanted = _post(people, "Kafka tuning", "streaming-x", ["kafka", "java"])
    _post(people, "Kafka elsewhere", "other-x", ["kafka"])
    _post(people, "Draft kafka", "streaming-x", ["kafka"], publish=False)
    both = tasks.browse("streaming-x", "Kafka", 10, None)
    assert [t.id for t in both.items] == [wanted.id]
    assert len(tasks.browse(None, "kafka", 10, None).items) == 2


def test_review_queue_is_sparse_and_oldest_first(people: dict[str, Actor]) -> None:
    first = _post(people, "Queue 1", "queue-x", ["go"], publish=False)
    second = _post(people, "Queue 2", "queue-x", ["go"], publish=False)
    tasks.submit_task(people["customer"], first.id)
    tasks.submit_task(people["customer"], second.id)
    queue = [t.id for t in tasks.review_queue(people["admin"], "in_review", 100, None).items]
    assert queue.index(first.id) < queue.index(second.id)
    tasks.review_task(people["admin"], first.id, "approve", None)
    queue = [t.id for t in tasks.review_queue(people["admin"], "in_review", 100, None).items]
    assert first.id not in queue and second.id in queue


def test_a_cursor_from_another_list_is_refused(people: dict[str, Actor]) -> None:
    from chalicelib.domain.errors import ValidationFailed

    for n in range(3):
        _post(people, f"Cursor {n}", "cursor-a", ["x"])
    cursor = tasks.browse("cursor-a", None, 1, None).next_cursor
    assert cursor is not None
    with pytest.raises(ValidationFailed):
        tasks.browse("cursor-b", None, 1, cursor)
