"""The hourly expiry job against moto: open tasks whose bidding window closed expire, one unit of work each."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from chalicelib.adapters import bids_repo, tasks_repo
from chalicelib.adapters.table import NotificationItem, TaskSkillItem
from chalicelib.domain import clock
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask
from chalicelib.handlers.consumers import NOTIFICATIONS_QUEUE
from chalicelib.services import contracts, tasks
from chalicelib.services.identity import Actor
from chalicelib.services.notifications import TITLES
from scripts import pump
from tests.integration.market import ADMIN, person, place_bid

pytestmark = pytest.mark.usefixtures("aws")


def open_task_starting(customer: Actor, start: date, category: str) -> Any:
    new = NewTask("Starts soon", "d", category, ("python",), Money(250000, "EUR"), start_date=start)
    task = tasks.create_task(customer, new)
    tasks.submit_task(customer, task.id)
    return tasks.review_task(ADMIN, task.id, "approve", None)


def expired_inbox(actor: Actor) -> list[Any]:
    return [n for n in NotificationItem.query(f"INBOX#{actor.profile_id}") if n.event_type == "TaskExpired"]


def test_tasks_past_their_window_expire_a_batch_per_run_and_a_second_run_changes_nothing() -> None:
    # Other tests' open tasks have no startDate: their 30-day windows stay open at `now`, so only these expire.
    today = clock.now().date()
    now = datetime.combine(today + timedelta(days=2), time.min, tzinfo=UTC)
    customer, bidder, other = person("customer"), person("provider"), person("provider")
    category = f"expiry-{os.getpid()}"
    due = open_task_starting(customer, today + timedelta(days=1), category)
    bid = place_bid(bidder, due.id)
    quiet = open_task_starting(customer, today + timedelta(days=1), category)  # no bids: the owner is still told
    waiting = open_task_starting(customer, today + timedelta(days=10), category)
    waiting_bid = place_bid(other, waiting.id)
    awarded = open_task_starting(customer, today + timedelta(days=1), category)
    contracts.award(customer, place_bid(other, awarded.id).id)

    assert tasks.expire_due(now, limit=1) == [due.id]  # bounded: oldest first, the rest next run
    assert tasks.expire_due(now) == [quiet.id]

    stored = tasks_repo.get(due.id)
    assert stored is not None and stored.status == "expired"
    assert str(stored.gsi1pk).startswith("TASKS#expired#")  # out of the open listing
    assert [t.id for t in tasks.browse(category, None, 10, None).items] == [waiting.id]  # out of the browse
    assert [i.task_id for i in TaskSkillItem.query(f"SKILLCAT#python#{category}")] == [waiting.id]
    closed = bids_repo.get(bid.id)
    assert closed is not None and closed.status == "closed"
    assert not bids_repo.is_bidder(due.id, str(bidder.profile_id))  # the one-live-bid guard is released
    assert [t.status for t in map(tasks_repo.get, (waiting.id, awarded.id)) if t] == ["open", "awarded"]
    assert bids_repo.get(waiting_bid.id).status == "submitted"  # type: ignore[union-attr]

    owner_notes = pump.settle(
        lambda: expired_inbox(customer),
        done=lambda notes: len(notes) == 2,
        what="TaskExpired twice in the owner's inbox",
        queues=[NOTIFICATIONS_QUEUE],
    )
    assert sorted(n.data["taskId"] for n in owner_notes) == sorted([due.id, quiet.id])
    bidder_notes = pump.settle(lambda: expired_inbox(bidder), what="TaskExpired in the bidder's inbox")
    assert [(n.title, n.data["taskId"], n.data["bidIds"]) for n in bidder_notes] == [
        (TITLES["TaskExpired"], due.id, [bid.id])
    ]

    assert tasks.expire_due(now) == []  # nothing left: no write, no event
    pump.drain(queues=[NOTIFICATIONS_QUEUE])
    assert (len(expired_inbox(customer)), len(expired_inbox(bidder)), expired_inbox(other)) == (2, 1, [])
    assert tasks_repo.get(due.id).version == stored.version  # type: ignore[union-attr]
