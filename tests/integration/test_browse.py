"""Public browse through the services on moto DynamoDB: newest first, filters, cursors, sparse queues."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from chalicelib.adapters import tasks_repo
from chalicelib.adapters.aws import client
from chalicelib.adapters.tokens import Claims
from chalicelib.domain.accounts import Kind, NewProfile, Role
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask
from chalicelib.services import tasks
from chalicelib.services.identity import Actor
from chalicelib.services.profiles import create_profile
from chalicelib.settings import get_settings
from tests.integration.market import open_task, person, place_bid


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


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """DynamoDB operations the models make, by name (every PynamoDB request goes through here)."""
    made: Counter[str] = Counter()
    real = Connection._make_api_call

    def counted(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        made[operation_name] += 1
        return real(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", counted)
    return made


def _walk(read: Any, limit: int, calls: Counter[str] | None = None) -> tuple[list[Any], list[int]]:
    """Every page of a list: the items, and the Queries each page made."""
    seen: list[Any] = []
    queries: list[int] = []
    cursor = None
    while True:
        before = calls["Query"] if calls is not None else 0
        page = read(limit, cursor)
        queries.append((calls["Query"] if calls is not None else 0) - before)
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen, queries


def test_skill_and_category_is_one_query_per_page_however_rare_the_pair(
    people: dict[str, Actor], calls: Counter[str]
) -> None:
    wanted = [_post(people, f"Rare pair {n}", "rare-pair-cat", ["Pair-Skill"]).id for n in range(2)]
    for n in range(6):  # newer tasks with the skill in another category: the old filter walked past them
        _post(people, f"Same skill {n}", "crowded-cat", ["pair-skill"])
    found, queries = _walk(lambda limit, cursor: tasks.browse("rare-pair-cat", "pair-skill", limit, cursor), 1, calls)
    assert [t.id for t in found] == list(reversed(wanted))
    assert queries == [1] * len(queries)
    assert len(tasks.browse("crowded-cat", "PAIR-SKILL", 10, None).items) == 6
    assert tasks.browse("rare-pair-cat#x", "pair-skill", 10, None).items == []


def test_paging_across_status_shards_returns_every_open_task_once_in_order(
    people: dict[str, Actor], calls: Counter[str]
) -> None:
    mine = [_post(people, f"Sharded {n}", "shard-walk", ["walk"]).id for n in range(8)]
    assert len({tasks_repo.status_shard(i) for i in mine}) > 1  # the walk really merges shards

    newest, queries = _walk(lambda limit, cursor: tasks.browse(None, None, limit, cursor), 3, calls)
    keys = [t.gsi1sk for t in newest]
    assert keys == sorted(set(keys), reverse=True)  # strictly newest first: nothing twice
    assert [i for i in (t.id for t in newest) if i in mine] == list(reversed(mine))
    assert max(queries) <= tasks_repo.STATUS_SHARDS and queries[0] == tasks_repo.STATUS_SHARDS

    oldest, _ = _walk(lambda limit, cursor: tasks.review_queue(people["admin"], "open", limit, cursor), 4)
    keys = [t.gsi1sk for t in oldest]
    assert keys == sorted(set(keys))  # the admin queue: strictly oldest first
    assert {t.id for t in oldest} == {t.id for t in newest}


def _skill_listings(skill: str, category: str) -> dict[str, int]:
    dynamodb = client("dynamodb")
    return {
        pk: dynamodb.query(
            TableName=get_settings().table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            Select="COUNT",
        )["Count"]
        for pk in (f"SKILL#{skill}", f"SKILLCAT#{skill}#{category}")
    }


def test_an_awarded_task_leaves_both_skill_listings(aws: dict[str, str]) -> None:
    from chalicelib.services import contracts

    customer, provider = person("customer"), person("provider")
    task = open_task(customer, category="award-listing-cat")
    before = _skill_listings("python", "award-listing-cat")
    assert before["SKILLCAT#python#award-listing-cat"] == 1
    contracts.award(customer, place_bid(provider, task.id).id)
    after = _skill_listings("python", "award-listing-cat")
    assert after == {"SKILL#python": before["SKILL#python"] - 1, "SKILLCAT#python#award-listing-cat": 0}
