"""Bids: by id (main key), by task (gsi1), by provider (gsi2), hub bids waiting for an admin (gsi3, sparse); the
one-live-bid guard and the workbench's decisions."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging, tasks_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import BidItem, DecisionItem, GuardItem, TaskItem
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.bids import BidStatus, CounterStatus, NewBid, PlannedMilestone, Terms
from chalicelib.domain.money import Money

Bid = BidItem


def key(bid_id: str) -> str:
    return f"BID#{bid_id}"


HUB_QUEUE = "HUBBIDS#pending"


def _bidder_sk(provider_id: str) -> str:
    return f"BIDDER#{provider_id}"


def new(bid_id: str, task: TaskItem, provider_id: str, provider_sub: str, bid: NewBid, status: str, at: str) -> BidItem:
    """A bid not yet written, indexed under its task and its provider; on a hub task also in the admins' queue."""
    item = BidItem(
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
        milestones=[m.to_json() for m in bid.milestones],
        status=status,
        created_at=at,
        updated_at=at,
    )
    if task.hub:
        item.gsi3pk, item.gsi3sk = HUB_QUEUE, bid_id
    return item


def add(uow: Writes, bid: BidItem) -> None:
    """Write a new bid, and its guard: a provider holds one live bid per task (a second fails the unit of work)."""
    uow.save(bid, condition=BidItem.pk.does_not_exist())
    guard = GuardItem(pk=tasks_repo.key(bid.task_id), sk=_bidder_sk(bid.provider_id), type="Guard", ref=bid.id)
    uow.save(guard, condition=GuardItem.pk.does_not_exist())


def save(uow: Writes, bid: BidItem) -> None:
    """Write the bid back; its version makes a concurrent change fail the unit of work. A bid that left
    `submitted` (forwarded, declined, withdrawn, lost, closed) leaves the hub queue with the same write."""
    if bid.gsi3pk == HUB_QUEUE and bid.status != BidStatus.SUBMITTED.value:
        leave_hub_queue(bid)
    uow.save(bid)


def leave_hub_queue(bid: BidItem) -> None:
    """Out of the admins' hub queue (in memory; `save` writes it)."""
    bid.gsi3pk = bid.gsi3sk = None


def hub_queue(limit: int, cursor: str | None) -> paging.Page[Any]:
    """Bids on hub tasks waiting for an admin, oldest first."""
    return paging.collect(
        lambda start: BidItem.gsi3.query(HUB_QUEUE, scan_index_forward=True, last_evaluated_key=start, page_size=limit),
        limit,
        cursor,
        ("gsi3pk", HUB_QUEUE),
    )


def terms_of(bid: BidItem) -> Terms:
    """What the bid offers now, in domain terms."""
    return Terms(
        Money(int(bid.price_amount), bid.currency),
        bid.proposal,
        int(bid.duration_days),
        tuple(PlannedMilestone.from_json(m) for m in bid.milestones),
    )


def set_terms(bid: BidItem, terms: Terms) -> None:
    """Change the bid's offer in memory (`save` writes it at the version read)."""
    bid.price_amount = terms.price.amount
    bid.currency = terms.price.currency
    bid.proposal = terms.proposal
    bid.duration_days = terms.duration_days
    bid.milestones = [m.to_json() for m in terms.milestones]


def set_counter(
    bid: BidItem, price: Money, milestones: tuple[PlannedMilestone, ...], note: str, by: str, at: str
) -> None:
    """The bid carries this counter-offer, open, in place of any earlier one."""
    bid.counter_offer = {
        "price": price.to_json(),
        "milestones": [m.to_json() for m in milestones],
        "note": note,
        "by": by,
        "at": at,
        "status": CounterStatus.OPEN.value,
    }


def open_counter(bid: BidItem) -> tuple[Money, tuple[PlannedMilestone, ...]] | None:
    """The open counter-offer's price and milestones, or None when there is none open."""
    counter = bid.counter_offer
    if not counter or counter.get("status") != CounterStatus.OPEN.value:
        return None
    price = counter["price"]
    return (
        Money(int(price["amount"]), str(price["currency"])),
        tuple(PlannedMilestone.from_json(m) for m in counter["milestones"]),
    )


def close_counter(bid: BidItem, status: CounterStatus, at: str) -> None:
    """An open counter-offer is answered: accepted, or superseded (no-op when none is open)."""
    if bid.counter_offer and bid.counter_offer.get("status") == CounterStatus.OPEN.value:
        bid.counter_offer = {**bid.counter_offer, "status": status.value, "closedAt": at}


def history_of(bid: BidItem) -> list[dict[str, Any]]:
    return list(bid.history or [])


def append_history(bid: BidItem, entry: dict[str, Any]) -> None:
    bid.history = [*history_of(bid), entry]


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
