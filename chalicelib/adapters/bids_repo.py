"""Bids: by id (main key), by task (gsi1), by provider (gsi2); the one-live-bid guard and the workbench's decisions."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging, tasks_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import BidItem, DecisionItem, GuardItem, TaskItem
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.bids import NewBid

Bid = BidItem


def key(bid_id: str) -> str:
    return f"BID#{bid_id}"


def _bidder_sk(provider_id: str) -> str:
    return f"BIDDER#{provider_id}"


def new(bid_id: str, task: TaskItem, provider_id: str, provider_sub: str, bid: NewBid, status: str, at: str) -> BidItem:
    """A bid not yet written, indexed under its task and its provider."""
    return BidItem(
        pk=key(bid_id),
        sk="BID",
        type="Bid",
        gsi1pk=f"TASKBIDS#{task.id}",
        gsi1sk=bid_id,
        gsi2pk=f"PROVBIDS#{provider_id}",
        gsi2sk=bid_id,
        id=bid_id,
        task_id=task.id,
        task_owner_id=task.owner_id,
        provider_id=provider_id,
        provider_sub=provider_sub,
        price_amount=bid.price.amount,
        currency=bid.price.currency,
        proposal=bid.proposal,
        duration_days=bid.duration_days,
        milestones=[
            {
                "title": m.title,
                "amount": m.amount.to_json(),
                "dueDate": m.due_date.isoformat(),
                "acceptanceCriteria": m.acceptance_criteria,
            }
            for m in bid.milestones
        ],
        status=status,
        created_at=at,
        updated_at=at,
    )


def add(uow: Writes, bid: BidItem) -> None:
    """Write a new bid, and its guard: a provider holds one live bid per task (a second fails the unit of work)."""
    uow.save(bid, condition=BidItem.pk.does_not_exist())
    guard = GuardItem(pk=tasks_repo.key(bid.task_id), sk=_bidder_sk(bid.provider_id), type="Guard", ref=bid.id)
    uow.save(guard, condition=GuardItem.pk.does_not_exist())


def save(uow: Writes, bid: BidItem) -> None:
    """Write the bid back; its version makes a concurrent change fail the unit of work."""
    uow.save(bid)


def release_guard(uow: Writes, bid: BidItem) -> None:
    """The bid is withdrawn: its provider may bid on the task again."""
    uow.delete(GuardItem(pk=tasks_repo.key(bid.task_id), sk=_bidder_sk(bid.provider_id)))


def record_decision(
    uow: Writes, actor_id: str, bid: BidItem, action: str, before: str, note: str | None, at: str
) -> None:
    """Keep a workbench decision in the task's partition, in order."""
    uow.save(
        DecisionItem(
            pk=tasks_repo.key(bid.task_id),
            sk=f"DECISION#{new_id()}",
            type="Decision",
            actor_id=actor_id,
            bid_id=bid.id,
            action=action,
            from_status=before,
            to_status=bid.status,
            note=note,
            at=at,
        )
    )


def get(bid_id: str) -> BidItem | None:
    try:
        return BidItem.get(key(bid_id), "BID", consistent_read=True)
    except BidItem.DoesNotExist:
        return None


def is_bidder(task_id: str, provider_id: str) -> bool:
    """Whether the provider has bid on the task (the one-bid-per-provider guard item exists)."""
    try:
        GuardItem.get(tasks_repo.key(task_id), _bidder_sk(provider_id), consistent_read=True)
    except GuardItem.DoesNotExist:
        return False
    return True


def all_for_task(task_id: str) -> list[BidItem]:
    """Every bid of a task: the workbench sorts them in memory (a task has tens, not thousands)."""
    return list(BidItem.gsi1.query(f"TASKBIDS#{task_id}", scan_index_forward=True))


def for_provider(provider_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = f"PROVBIDS#{provider_id}"
    return paging.collect(
        lambda start: BidItem.gsi2.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi2pk", partition),
    )
