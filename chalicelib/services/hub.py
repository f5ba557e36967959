"""Hub mode (issue 17, seed 004): the platform stands between the company and the expert.

A task runs in hub mode when its owner asks for it (`hub: true`) or its category is one of the hub
categories (PUT /admin/settings/hub); the flag is resolved when the task is written, and the contract
copies it at award. In hub mode:

- a new bid waits in `submitted` for an admin, in the admins' queue, and reaches the owner only once
  forwarded (`forwarded`); a declined bid (`declined`, with a reason for the bidder) never does;
- counter-offers come from admins, not from the owner (the bidder still edits their bid);
- pre-award threads run with the hub: the owner's thread has the owner and the admins, a bidder's thread
  the bidder and the admins; the company and the expert never talk before award;
- the expert is anonymous to the company for the whole contract: every response and notification the
  customer gets shows the expert as the task's alias (`anon-…`, `Expert #…`), never their id, name or email.

The rules live here, called from bids, negotiation, threads, contracts and notifications. This module
imports no other use-case module, so each of them may call it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import bids_repo, contracts_repo, paging, profiles_repo, tasks_repo
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.accounts import Role
from chalicelib.domain.bids import BID, BidStatus, CounterStatus
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.domain.moderation import Alias
from chalicelib.services import moderation, settings
from chalicelib.services.identity import Actor

HUB_MEMBER = "hub"  # the counterparty id a hub pre-award thread stores in place of the absent party

# --- the flag ------------------------------------------------------------------------------------------


def resolve(task: tasks_repo.Task) -> None:
    """task.hub = asked for, or forced by the category. Runs when a task is created and when an edit sends
    `category` or `hub`, so reading a task never reads the settings; an edit that moves a forced task to another
    category keeps `hub` until the owner sends `hub: false`."""
    if task.hub:
        return
    task.hub = bool(task.category) and task.category in settings.hub_categories().categories


# --- bids ----------------------------------------------------------------------------------------------


def waiting(task: tasks_repo.Task, bid: bids_repo.Bid) -> bool:
    """A bid on a hub task that no admin has forwarded: the owner must not see or act on it."""
    return bool(task.hub) and bid.forwarded_at is None


def hidden_from(actor: Actor, task: tasks_repo.Task, bid: bids_repo.Bid) -> bool:
    """The task's owner (not an admin, not the bidder) looking at a bid that has not reached them."""
    return (
        not actor.is_admin
        and actor.profile_id == task.owner_id
        and actor.profile_id != bid.provider_id
        and waiting(task, bid)
    )


def visible_bids(actor: Actor, task: tasks_repo.Task, bids: list[bids_repo.Bid]) -> list[bids_repo.Bid]:
    return [b for b in bids if not hidden_from(actor, task, b)]


def require_forwarded(task: tasks_repo.Task, bid: bids_repo.Bid) -> None:
    """Award, shortlist, reject, remark: on a hub task only a forwarded bid (the owner never saw the others)."""
    if waiting(task, bid):
        raise NotFound("no such bid")


def alias(provider_id: str, task_id: str) -> Alias:
    """The one name the company knows an expert by on a task: the same before and after award."""
    return moderation.alias_for(provider_id, task_id)


def _load(actor: Actor, bid_id: str) -> tuple[bids_repo.Bid, tasks_repo.Task]:
    """A bid on a hub task, for an admin (anyone else: 403; a bid on an ordinary task: 409)."""
    if not actor.is_admin:
        raise Forbidden("admins only: the hub forwards and declines bids")
    bid = bids_repo.get(bid_id)
    task = tasks_repo.get(bid.task_id) if bid else None
    if bid is None or task is None:
        raise NotFound("no such bid")
    if not task.hub:
        raise Conflict("this bid is not on a hub task: it reaches the owner without an admin")
    return bid, task


def forward(actor: Actor, bid_id: str) -> bids_repo.Bid:
    """An admin passes a waiting bid to the task's owner, who is told (BidForwarded)."""
    actor.require_writable()
    bid, task = _load(actor, bid_id)
    before = bid.status
    bid.status = BID.next(BidStatus(bid.status), "forward").value
    at = iso()
    bid.forwarded_at = at
    bid.updated_at = at
    bids_repo.leave_hub_queue(bid)
    with unit_of_work("the bid changed meanwhile; reload and retry") as uow:
        bids_repo.save(uow, bid)
        bids_repo.record_decision(uow, f"admin:{actor.sub}", bid, "forward", before, None, at)
        uow.emit("BidForwarded", {"bidId": bid.id, "taskId": task.id, "recipients": [task.owner_id]}, at)
    return bid


def decline(actor: Actor, bid_id: str, reason: str) -> bids_repo.Bid:
    """An admin turns a waiting bid down with a reason the bidder reads; the owner never sees the bid."""
    actor.require_writable()
    bid, task = _load(actor, bid_id)
    before = bid.status
    bid.status = BID.next(BidStatus(bid.status), "decline").value
    at = iso()
    bid.decline_reason = reason
    bid.updated_at = at
    bids_repo.close_counter(bid, CounterStatus.CLOSED, at)
    bids_repo.leave_hub_queue(bid)
    with unit_of_work("the bid changed meanwhile; reload and retry") as uow:
        bids_repo.save(uow, bid)
        bids_repo.record_decision(uow, f"admin:{actor.sub}", bid, "decline", before, reason, at)
        uow.emit(
            "BidDeclined",
            {"bidId": bid.id, "taskId": task.id, "reason": reason, "recipients": [bid.provider_id]},
            at,
        )
    return bid


@dataclass
class Queue:
    """A page of the admins' hub queue, with each bid's task and bidder (admins see who bids)."""

    page: paging.Page[Any]
    tasks: dict[str, tasks_repo.Task]
    providers: dict[str, profiles_repo.Profile]


def queue(actor: Actor, limit: int, cursor: str | None) -> Queue:
    """Bids on hub tasks waiting for an admin, oldest first (a sparse index: a decided bid leaves it)."""
    if not actor.is_admin:
        raise Forbidden("admins only")
    page = bids_repo.hub_queue(limit, cursor)
    tasks = {t: task for t in {b.task_id for b in page.items} if (task := tasks_repo.get(t)) is not None}
    providers = profiles_repo.batch_by_sub(b.provider_sub for b in page.items)
    return Queue(page, tasks, providers)


# --- negotiation ---------------------------------------------------------------------------------------


def check_counter(task: tasks_repo.Task, owner: bool) -> None:
    """On a hub task the hub negotiates: the owner tells the admins their terms (their thread with the hub) and
    the admins counter. (Admins may still counter on other tasks, as before hub mode.)"""
    if task.hub and owner:
        raise Forbidden(
            "this task runs through the hub: counter-offers come from the hub admins; "
            "tell them your terms in your thread with the hub"
        )


# --- anonymity -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mask:
    """What the company must never read about the expert, and what it reads instead."""

    swaps: tuple[tuple[str, str], ...]  # (real, shown), longest real first

    def __call__(self, value: Any) -> Any:
        """The value with every swap applied to every string in it (keys included), recursively."""
        if isinstance(value, str):
            for real, shown in self.swaps:
                if real in value:
                    value = value.replace(real, shown)
            return value
        if isinstance(value, dict):
            if isinstance(value.get("submissions"), list):
                value = held_back(value)
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


def held_back(milestone: dict[str, Any]) -> dict[str, Any]:
    """A milestone as the company of a hub contract reads it: what the hub has not passed on stays with the
    hub (submissions it has not forwarded, the reasons it returned work for)."""
    submissions = [s for s in milestone["submissions"] if isinstance(s, dict) and s.get("forwardedAt")]
    revisions = [r for r in milestone.get("revisions") or [] if not (isinstance(r, dict) and r.get("by") == "hub")]
    return milestone | {"submissions": submissions, "revisions": revisions}


def _mask(contract: contracts_repo.Contract | contracts_repo.Parties, provider: profiles_repo.Profile | None) -> Mask:
    shown = alias(contract.provider_id, contract.task_id)
    swaps = {contract.provider_id: shown.id, contract.provider_sub: shown.id}
    if provider is not None:
        if provider.email:
            swaps[provider.email] = "hub"
        if provider.display_name and len(provider.display_name) >= 3:  # a name this short is not theirs alone
            swaps[provider.display_name] = shown.name
    ordered = sorted(((k, v) for k, v in swaps.items() if k), key=lambda kv: -len(kv[0]))
    return Mask(tuple(ordered))


def masks(contract: contracts_repo.Contract | contracts_repo.Parties, profile_id: str | None) -> bool:
    """Whether this reader is the customer of a hub contract (admins and the expert see who it is)."""
    return bool(contract.hub) and profile_id is not None and profile_id == contract.customer_id


def mask_for(actor: Actor, contract: contracts_repo.Contract | contracts_repo.Parties) -> Mask | None:
    """The mask for a response about this contract, or None when the caller may see the expert (admins always
    may; checked first, so an ordinary contract or an admin costs no read)."""
    if not contract.hub or actor.is_admin:
        return None
    if not masks(contract, actor.profile_id):
        return None
    return _mask(contract, profiles_repo.get_by_sub(contract.provider_sub))


def masks_for(actor: Actor, contracts: Iterable[contracts_repo.Contract]) -> dict[str, Mask]:
    """GET /me/contracts: a mask per hub contract of the calling customer (by contract id), the experts' profiles
    read in one batch."""
    if actor.is_admin:
        return {}
    hidden = [c for c in contracts if masks(c, actor.profile_id)]
    if not hidden:
        return {}
    experts = profiles_repo.batch_by_sub(c.provider_sub for c in hidden)
    return {c.id: _mask(c, experts.get(c.provider_sub)) for c in hidden}


def event_mask(detail: dict[str, Any]) -> tuple[str, Mask] | None:
    """For an event about a hub contract: its customer's id and the mask their notification gets (one read of
    the contract per event that names one, in the notifications consumer)."""
    contract_id = detail.get("contractId")
    if not isinstance(contract_id, str):
        return None
    contract = contracts_repo.get(contract_id)
    if contract is None or not contract.hub:
        return None
    return str(contract.customer_id), _mask(contract, profiles_repo.get_by_sub(contract.provider_sub))


def mask_for_id(actor: Actor, contract_id: str) -> Mask | None:
    """mask_for by contract id; reads the contract only for a customer (nobody else is ever masked)."""
    profile = None if actor.is_admin else actor.profile
    if profile is None or profile.role != Role.CUSTOMER.value:
        return None
    contract = contracts_repo.parties(contract_id)  # the service read it in this request: no second call
    return mask_for(actor, contract) if contract is not None else None
