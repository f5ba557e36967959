"""Negotiation before award: the bidder edits a live bid, the task owner counters, the bidder accepts.

Each move keeps the bid's status (BID: `edit`, `counter`, `accept_counter` on `submitted`/`shortlisted`) and
writes, in one unit of work: the bid at the version read (a concurrent move is a 409), the check that the task is
still open, a history entry on the bid (`by` is a role, never an id: an anonymous bidder stays anonymous), a
Decision record in the task's selection record, and the event whose notification tells the other side.

On a hub task (issue 17) negotiation goes through the hub: admins counter and the owner may not
(services/hub.check_counter); elsewhere the owner counters (and admins still may). A bid still waiting for an
admin is not the owner's to hear about: its edits tell nobody.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.adapters import bids_repo, tasks_repo
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.bids import (
    BID,
    BidChanges,
    BidStatus,
    Counter,
    CounterStatus,
    Move,
    Terms,
    changes_between,
    check_room,
    countered_milestones,
    edited,
    history_entry,
)
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import TaskStatus
from chalicelib.services import hub
from chalicelib.services.bids import conceal, load
from chalicelib.services.identity import Actor

RACE = "the bid or its task changed meanwhile; reload and retry"


def edit(actor: Actor, bid_id: str, changes: BidChanges) -> bids_repo.Bid:
    """The bidder changes a live bid's terms; an open counter-offer is superseded (the edit answers it)."""
    actor.require_writable()
    bid, task = load(bid_id)
    if bid.provider_id != actor.profile_id:
        raise NotFound("no such bid")
    BID.next(BidStatus(bid.status), "edit")
    _require_open(task)
    if changes.price is not None:
        _same_currency(changes.price, str(task.currency), "price.currency")
    before = bids_repo.terms_of(bid)
    after = edited(before, changes)
    diff = changes_between(before, after)
    if not diff:
        return bid  # the same terms again: nothing to record or tell
    return _take_terms(
        bid, task, before, after, CounterStatus.SUPERSEDED, Move.EDITED, "edit", "BidEdited", {"changed": sorted(diff)}
    )


def counter(actor: Actor, bid_id: str, offer: Counter) -> bids_repo.Bid:
    """The task owner (or an admin) proposes other terms; a new counter-offer replaces an open one."""
    actor.require_writable()
    bid, task = load(bid_id)
    owner = actor.profile_id is not None and actor.profile_id == task.owner_id
    if not owner and not actor.is_admin:
        raise NotFound("no such bid")
    if owner:
        hub.require_forwarded(task, bid)
    hub.check_counter(task, owner)
    BID.next(BidStatus(bid.status), "counter")
    _require_open(task)
    _same_currency(offer.price, str(bid.currency), "price.currency")
    before = bids_repo.terms_of(bid)
    milestones = countered_milestones(offer.price, before.milestones, offer.milestones)
    check_room(bids_repo.history_of(bid))
    by = "customer" if owner else "admin"
    at = iso()
    diff = changes_between(before, replace(before, price=offer.price, milestones=milestones))
    bids_repo.set_counter(bid, offer.price, milestones, offer.note, by, at)
    bids_repo.append_history(bid, history_entry(Move.COUNTERED, by, at, diff, offer.note))
    bid.updated_at = at
    actor_id = actor.profile_id if owner else f"admin:{actor.sub}"
    with unit_of_work(RACE) as uow:
        bids_repo.save(uow, bid)
        tasks_repo.require_open(uow, task.id)
        bids_repo.record_decision(uow, str(actor_id), bid, "counter", bid.status, offer.note, at)
        uow.emit(
            "CounterOffered",
            {
                "bidId": bid.id,
                "taskId": task.id,
                "price": offer.price.to_json(),
                "note": offer.note,
                "recipients": [bid.provider_id],
            },
            at,
        )
    return conceal(actor, task, bid)


def accept_counter(actor: Actor, bid_id: str) -> bids_repo.Bid:
    """The bidder takes the open counter-offer: the bid's price and milestones become the countered ones, so an
    award then makes the contract at those terms."""
    actor.require_writable()
    bid, task = load(bid_id)
    if bid.provider_id != actor.profile_id:
        raise NotFound("no such bid")
    BID.next(BidStatus(bid.status), "accept_counter")
    _require_open(task)
    countered = bids_repo.open_counter(bid)
    if countered is None:
        raise Conflict("there is no open counter-offer on this bid")
    price, milestones = countered
    before = bids_repo.terms_of(bid)
    after: Terms = replace(before, price=price, milestones=milestones)
    return _take_terms(
        bid, task, before, after, CounterStatus.ACCEPTED, Move.COUNTER_ACCEPTED, "accept_counter", "CounterAccepted", {}
    )


def _require_open(task: tasks_repo.Task) -> None:
    if task.status != TaskStatus.OPEN.value:
        raise Conflict(f"the task is {task.status}: a bid is negotiated only while its task is open")


def _same_currency(price: Money, currency: str, field: str) -> None:
    if price.currency != currency:
        raise BusinessRuleViolated(f"the bid is in {currency}", [{"field": field, "message": f"must be {currency}"}])


def _take_terms(
    bid: bids_repo.Bid,
    task: tasks_repo.Task,
    before: Terms,
    after: Terms,
    closing: CounterStatus,
    move: Move,
    action: str,
    event: str,
    detail: dict[str, Any],
) -> bids_repo.Bid:
    """The bidder's move to new terms (an edit, or taking the counter): the bid at its version, the task still
    open, the selection record and the owner's notice, in one unit of work."""
    check_room(bids_repo.history_of(bid))
    at = iso()
    bids_repo.set_terms(bid, after)
    bids_repo.close_counter(bid, closing, at)
    bids_repo.append_history(bid, history_entry(move, "provider", at, changes_between(before, after)))
    bid.updated_at = at
    with unit_of_work(RACE) as uow:
        bids_repo.save(uow, bid)
        tasks_repo.require_open(uow, task.id)
        bids_repo.record_decision(uow, bid.provider_id, bid, action, bid.status, None, at)
        uow.emit(
            event,
            {
                "bidId": bid.id,
                "taskId": task.id,
                "price": after.price.to_json(),
                **detail,
                "recipients": [] if hub.waiting(task, bid) else [task.owner_id],
            },
            at,
        )
    return bid
