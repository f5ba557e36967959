"""Cancelling a task against moto: one unit of work closes the live bids, unlists the task, tells the bidders."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest

from chalicelib.adapters import bids_repo, tasks_repo
from chalicelib.adapters.table import NotificationItem, TaskSkillItem
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask
from chalicelib.handlers.consumers import NOTIFICATIONS_QUEUE
from chalicelib.services import bids, tasks
from chalicelib.services.identity import Actor
from chalicelib.services.notifications import TITLES
from scripts import pump
from tests.integration.market import open_task, person, place_bid

pytestmark = pytest.mark.usefixtures("aws")
_serial = itertools.count(1)


def cancelled_inbox(actor: Actor) -> list[Any]:
    return [n for n in NotificationItem.query(f"INBOX#{actor.profile_id}") if n.event_type == "TaskCancelled"]


def test_owner_cancels_an_open_task_its_bids_close_and_the_bidders_hear_of_it() -> None:
    customer, first, second, late = person("customer"), person("provider"), person("provider"), person("provider")
    category = f"cancel-{os.getpid()}-{next(_serial)}"
    task = open_task(customer, category=category)
    bid_ids = [place_bid(first, task.id).id, place_bid(second, task.id).id]
    bids.workbench_move(customer, bid_ids[1], "shortlist")  # shortlisted is live too
    withdrawn = place_bid(late, task.id).id
    bids.withdraw(late, withdrawn)
    assert [t.id for t in tasks.browse(category, None, 10, None).items] == [task.id]
    assert [t.id for t in tasks.browse(category, "python", 10, None).items] == [task.id]

    for stranger in (person("customer", verified=False), first):  # another customer, a bidder: no such task
        with pytest.raises(NotFound):
            tasks.cancel(stranger, task.id)

    assert tasks.cancel(customer, task.id).status == "cancelled"

    stored = tasks_repo.get(task.id)
    assert stored is not None and stored.status == "cancelled"
    assert [b.status for b in map(bids_repo.get, bid_ids) if b] == ["closed", "closed"]
    assert bids_repo.get(withdrawn).status == "withdrawn"  # type: ignore[union-attr]
    assert not bids_repo.is_bidder(task.id, str(first.profile_id))  # the one-live-bid guards are released
    assert tasks.browse(category, None, 10, None).items == []  # out of the category browse (gsi2)
    assert list(TaskSkillItem.query(f"SKILLCAT#python#{category}")) == []  # and out of the skill browse
    assert str(stored.gsi1pk).startswith("TASKS#cancelled#")  # the status listing moved

    for bidder in (first, second):
        notes = pump.settle(
            lambda bidder=bidder: cancelled_inbox(bidder),
            what=f"TaskCancelled in the inbox of {bidder.profile_id}",
            queues=[NOTIFICATIONS_QUEUE],
        )
        assert [(n.title, n.data["taskId"]) for n in notes] == [(TITLES["TaskCancelled"], task.id)]
    assert cancelled_inbox(late) == [] and cancelled_inbox(customer) == []  # only the live bidders

    with pytest.raises(Conflict, match="cannot cancel a task that is cancelled"):
        tasks.cancel(customer, task.id)
    with pytest.raises(Conflict):
        bids.withdraw(first, bid_ids[0])  # a closed bid is final


def test_a_task_in_review_can_be_cancelled_and_then_goes_nowhere() -> None:
    customer = person("customer", verified=False)
    draft = tasks.create_task(customer, NewTask("Never mind", "d", "web", ("python",), Money(1000, "EUR")))
    tasks.submit_task(customer, draft.id)
    assert tasks.cancel(customer, draft.id).status == "cancelled"
    with pytest.raises(Conflict, match="cannot submit a task that is cancelled"):
        tasks.submit_task(customer, draft.id)
