"""Bidding and the customer's selection workbench."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import bids_repo, paging, profiles_repo, tasks_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.accounts import Role
from chalicelib.domain.bids import BID, BidStatus, CounterStatus, NewBid, check_milestones_sum
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.matching import match_score
from chalicelib.domain.tasks import TASK, TaskStatus
from chalicelib.services import hub, text_safety
from chalicelib.services.identity import Actor
from chalicelib.services.tasks import can_see

ORDERS = ("match", "price", "rating")


def place_bid(actor: Actor, task_id: str, new: NewBid) -> bids_repo.Bid:
    actor.require_writable()
    provider = actor.require_verified(Role.PROVIDER)
    task = tasks_repo.get(task_id)
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
    TASK.next(TaskStatus(task.status), "bid")
    price = new.price
    if price.currency != task.currency:
        raise BusinessRuleViolated(
            f"bid in {task.currency}, the task's currency",
            [{"field": "price.currency", "message": f"must be {task.currency}"}],
        )
    check_milestones_sum(price, [m.amount for m in new.milestones])
    bid = bids_repo.new(new_id(), task, provider.id, provider.sub, new, BidStatus.SUBMITTED.value, iso())
    screened = text_safety.for_bid(bid, provider)  # the customer reads the masked proposal
    with unit_of_work("you already have a live bid on this task, or the task is no longer open") as uow:
        bids_repo.add(uow, bid)  # with its guard: one live bid per provider and task
        tasks_repo.require_open(uow, task.id)
        screened.stage(uow, bid.created_at)
    return bid


def load(bid_id: str) -> tuple[bids_repo.Bid, tasks_repo.Task]:
    """The bid and its task (404 if either is gone); callers check who may act on it."""
    bid = bids_repo.get(bid_id)
    task = tasks_repo.get(bid.task_id) if bid else None
    if bid is None or task is None:
        raise NotFound("no such bid")
    return bid, task


def workbench_move(actor: Actor, bid_id: str, action: str, note: str | None = None) -> bids_repo.Bid:
    """Shortlist, reject or annotate a bid: task owner only; every decision is recorded."""
    actor.require_writable()
    bid, task = load(bid_id)
    if task.owner_id != actor.profile_id:
        raise NotFound("no such bid")
    hub.require_forwarded(task, bid)
    before = bid.status
    bid.status = BID.next(BidStatus(bid.status), action).value
    if action == "remark":
        bid.remark = note or None
    bid.updated_at = iso()
    if action == "reject":
        bids_repo.close_counter(bid, CounterStatus.CLOSED, bid.updated_at)
    with unit_of_work("the bid changed meanwhile; reload and retry") as uow:
        bids_repo.save(uow, bid)
        bids_repo.record_decision(uow, task.owner_id, bid, action, before, note, iso())
    return conceal(actor, task, bid)


def withdraw(actor: Actor, bid_id: str) -> bids_repo.Bid:
    actor.require_writable()
    bid, _ = load(bid_id)
    if bid.provider_id != actor.profile_id:
        raise NotFound("no such bid")
    before = bid.status
    bid.status = BID.next(BidStatus(bid.status), "withdraw").value
    bid.updated_at = iso()
    bids_repo.close_counter(bid, CounterStatus.CLOSED, bid.updated_at)
    with unit_of_work("the bid changed meanwhile; reload and retry") as uow:
        bids_repo.save(uow, bid)
        bids_repo.release_guard(uow, bid)  # the provider may bid again
        bids_repo.record_decision(uow, bid.provider_id, bid, "withdraw", before, None, iso())
    return bid


def get_bid(actor: Actor, bid_id: str) -> bids_repo.Bid:
    bid, task = load(bid_id)
    if hub.hidden_from(actor, task, bid):
        raise NotFound("no such bid")
    if actor.is_admin or actor.profile_id in (bid.provider_id, task.owner_id):
        return conceal(actor, task, bid)
    raise NotFound("no such bid")


def _sees_alias(actor: Actor, task: tasks_repo.Task, bid: bids_repo.Bid) -> bool:
    """Only the task's customer, and only until this bid is awarded, or for good on a hub task (admins always
    see who it is)."""
    return (
        not actor.is_admin
        and actor.profile_id == task.owner_id
        and actor.profile_id != bid.provider_id
        and (bool(task.hub) or bid.status != BidStatus.AWARDED.value)
    )


def conceal(
    actor: Actor, task: tasks_repo.Task, bid: bids_repo.Bid, provider: profiles_repo.Profile | None = None
) -> bids_repo.Bid:
    """Mark the bid of an anonymous provider so the view shows the task's alias instead of who it is."""
    if not _sees_alias(actor, task, bid):
        return bid
    if provider is None and not task.hub:
        provider = profiles_repo.get_by_sub(bid.provider_sub)
    if task.hub:
        bid.concealed_as = hub.alias(bid.provider_id, task.id)  # hub mode: every expert, whatever they chose
    elif provider is not None and provider.anonymous:
        from chalicelib.services.moderation import alias_for

        bid.concealed_as = alias_for(bid.provider_id, task.id)
    return bid


def list_bids(
    actor: Actor, task_id: str, order: str | None, limit: int, cursor: str | None
) -> tuple[tasks_repo.Task, list[tuple[bids_repo.Bid, profiles_repo.Profile | None, int]], str | None]:
    """The owner (and admins) see every bid, ordered; a provider sees only their own."""
    task = tasks_repo.get(task_id)
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
    if order is not None and order not in ORDERS:
        raise ValidationFailed(f"order must be one of {', '.join(ORDERS)}", [{"field": "order", "message": "unknown"}])
    bids = hub.visible_bids(actor, task, bids_repo.all_for_task(task.id))
    is_owner = sees_every_bid(actor, task)
    if not is_owner:
        if not actor.has_role(Role.PROVIDER):
            raise Forbidden("only the task owner sees its bids")
        bids = [b for b in bids if b.provider_id == actor.profile_id]
    providers = profiles_repo.batch_by_sub(b.provider_sub for b in bids)
    rows = []
    for bid in bids:
        provider = providers.get(bid.provider_sub)
        if provider is not None:
            conceal(actor, task, bid, provider)
        rows.append((bid, provider, _score(task, bid, provider)))
    rows.sort(key=_sort_key(order or "match"))
    offset = _offset(cursor)
    page = rows[offset : offset + limit]
    next_cursor = paging.encode({"o": {"N": str(offset + limit)}}) if offset + limit < len(rows) else None
    return task, page, next_cursor


def sees_every_bid(actor: Actor, task: tasks_repo.Task) -> bool:
    """The task's owner and admins see every bid with the owner's fields; a provider sees only their own."""
    return actor.is_admin or (actor.profile_id is not None and task.owner_id == actor.profile_id)


def owns_task_of(actor: Actor, bid: bids_repo.Bid) -> bool:
    """The owner's view of one bid (their private remark, the match score): the task's owner only."""
    return actor.profile_id is not None and actor.profile_id == bid.task_owner_id


def mine(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """GET /me/bids: my bids, newest first (a customer has none)."""
    profile = actor.require_profile()
    return bids_repo.for_provider(profile.id, limit, cursor)


def _offset(cursor: str | None) -> int:
    key = paging.decode(cursor)
    if key is None:
        return 0
    try:
        return max(0, int(key["o"]["N"]))
    except (KeyError, ValueError):
        raise ValidationFailed("cursor is not valid", [{"field": "cursor", "message": "invalid"}]) from None


def rating_centi(profile: profiles_repo.Profile | None) -> int | None:
    if profile is None or not profile.rating_count:
        return None
    return int(profile.rating_sum) * 100 // int(profile.rating_count)


def _score(task: tasks_repo.Task, bid: bids_repo.Bid, provider: profiles_repo.Profile | None) -> int:
    return match_score(
        task.skills,
        provider.skills if provider else [],
        rating_centi(provider),
        int(bid.price_amount),
        int(task.budget_amount),
    )


def _sort_key(order: str) -> Any:
    if order == "price":
        return lambda row: (row[0].price_amount, row[0].id)
    if order == "rating":
        return lambda row: (-(rating_centi(row[1]) or -1), row[0].id)
    return lambda row: (-row[2], row[0].id)
