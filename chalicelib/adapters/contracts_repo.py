"""Contracts with their milestones, reviews and the open-disputes queue."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import (
    BidItem,
    ContractItem,
    MilestoneItem,
    ProfileItem,
    ReviewItem,
    SettingsItem,
    TaskItem,
    TerminationItem,
    TokenItem,
)
from chalicelib.adapters.unit_of_work import UnitOfWork, Writes
from chalicelib.domain.commission import DEFAULT_BPS

Contract = ContractItem
Milestone = MilestoneItem
Review = ReviewItem
Termination = TerminationItem

OPEN_DISPUTES = "DISPUTES#open"
PROPOSED_TERMINATIONS = "TERMINATIONS#proposed"
TERMINATION_SK = "TERMINATION"


def key(contract_id: str) -> str:
    return f"CONTRACT#{contract_id}"


def milestone_sk(position: int, milestone_id: str) -> str:
    return f"MILESTONE#{position:02d}#{milestone_id}"


def _party(profile_id: str) -> str:
    return f"PARTY#{profile_id}"


def party_key(profile_id: str) -> str:
    """The partition a profile's contracts are listed under (gsi1 customer side, gsi2 provider and reviewer side)."""
    return _party(profile_id)


def new(
    contract_id: str,
    task: TaskItem,
    bid: BidItem,
    customer: ProfileItem,
    commission_bps: int,
    status: str,
    at: str,
) -> ContractItem:
    """The contract an award makes of the task and the winning bid, listed under both parties and the task."""
    return ContractItem(
        pk=key(contract_id),
        sk="CONTRACT",
        type="Contract",
        gsi1pk=_party(task.owner_id),
        gsi1sk=f"{at}#{contract_id}",
        gsi2pk=_party(bid.provider_id),
        gsi2sk=f"{at}#{contract_id}",
        gsi3pk=f"TASKCONTRACT#{task.id}",
        gsi3sk=contract_id,
        id=contract_id,
        task_id=task.id,
        bid_id=bid.id,
        category=task.category,
        title=task.title,
        customer_id=customer.id,
        customer_sub=customer.sub,
        provider_id=bid.provider_id,
        provider_sub=bid.provider_sub,
        hub=bool(task.hub),
        currency=bid.currency,
        total_amount=bid.price_amount,
        commission_bps=commission_bps,
        status=status,
        signatures={},
        created_at=at,
        updated_at=at,
    )


def new_milestone(
    contract: ContractItem, position: int, milestone_id: str, proposed: dict[str, Any], status: str, at: str
) -> MilestoneItem:
    """A milestone of the contract, copied from one the bid proposed (sorted by position in the partition)."""
    return MilestoneItem(
        pk=contract.pk,
        sk=milestone_sk(position, milestone_id),
        type="Milestone",
        id=milestone_id,
        contract_id=contract.id,
        position=position,
        title=proposed["title"],
        amount=proposed["amount"]["amount"],
        currency=proposed["amount"]["currency"],
        due_date=proposed["dueDate"],
        acceptance_criteria=proposed.get("acceptanceCriteria"),
        status=status,
        submissions=[],
        revisions=[],
        updated_at=at,
    )


def add(uow: Writes, contract: ContractItem) -> None:
    """Write a new contract; an existing id fails the unit of work."""
    uow.save(contract, condition=ContractItem.pk.does_not_exist())


def save(uow: Writes, contract: ContractItem) -> None:
    """Write the contract back; its version makes a concurrent change fail the unit of work."""
    uow.save(contract)


def save_milestone(uow: Writes, milestone: MilestoneItem) -> None:
    """Write the milestone back (or new); its version makes a concurrent change fail the unit of work."""
    uow.save(milestone)


def require_milestone_status(uow: UnitOfWork, milestone: MilestoneItem, status: str) -> None:
    """Commit only while the milestone is still in `status`."""
    uow.check(MilestoneItem, milestone.pk, milestone.sk, condition=MilestoneItem.status == status)


def require_contract_status(uow: UnitOfWork, contract: ContractItem, statuses: tuple[str, ...]) -> None:
    """Commit only while the contract is still in one of `statuses` (without writing it: no version bump)."""
    uow.check(ContractItem, contract.pk, contract.sk, condition=ContractItem.status.is_in(*statuses))


def list_dispute(milestone: MilestoneItem, at: str) -> None:
    """Put the milestone in the admins' open-disputes queue, in order of opening (call before saving)."""
    milestone.gsi1pk = OPEN_DISPUTES
    milestone.gsi1sk = f"{at}#{milestone.id}"


def unlist_dispute(milestone: MilestoneItem) -> None:
    """Take the milestone out of the open-disputes queue (call before saving)."""
    milestone.gsi1pk = None
    milestone.gsi1sk = None


def list_termination(
    uow: Writes, contract: ContractItem, proposed_by: str, proposer_id: str, reason: str, at: str
) -> None:
    """Put the contract in the admins' queue of proposed terminations, oldest first (one proposal at a time)."""
    item = TerminationItem(
        pk=contract.pk,
        sk=TERMINATION_SK,
        type="Termination",
        gsi1pk=PROPOSED_TERMINATIONS,
        gsi1sk=f"{at}#{contract.id}",
        contract_id=contract.id,
        title=contract.title,
        proposed_by=proposed_by,
        proposer_id=proposer_id,
        reason=reason,
        at=at,
    )
    uow.save(item, condition=TerminationItem.pk.does_not_exist())


def unlist_termination(uow: Writes, contract_id: str) -> None:
    """Take the contract out of the queue (terminated, or the proposal lapsed); nothing listed is fine too."""
    uow.delete(TerminationItem(key(contract_id), TERMINATION_SK))


def proposed_terminations(limit: int, cursor: str | None) -> paging.Page[Any]:
    """The proposed terminations, oldest first (gsi1 TERMINATIONS#proposed)."""
    return paging.collect(
        lambda start: TerminationItem.gsi1.query(
            PROPOSED_TERMINATIONS, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", PROPOSED_TERMINATIONS),
    )


def get_many(contract_ids: list[str]) -> dict[str, ContractItem]:
    """Several contracts by id in one BatchGetItem (missing ones are left out)."""
    keys = [(key(contract_id), "CONTRACT") for contract_id in dict.fromkeys(contract_ids)]
    return {item.id: item for item in ContractItem.batch_get(keys, consistent_read=True)} if keys else {}


def new_review(
    contract: ContractItem, reviewer_id: str, reviewee_id: str, rating: int, text: str, at: str
) -> ReviewItem:
    """A party's review of the other, kept with the contract and listed under the reviewee."""
    return ReviewItem(
        pk=contract.pk,
        sk=f"REVIEW#{reviewer_id}",
        type="Review",
        gsi1pk=f"REVIEWS#{reviewee_id}",
        gsi1sk=f"{at}#{contract.id}",
        contract_id=contract.id,
        reviewer_id=reviewer_id,
        reviewee_id=reviewee_id,
        rating=rating,
        text=text,
        at=at,
    )


def add_review(uow: Writes, review: ReviewItem) -> None:
    """Write a review; one per reviewer and contract (a second fails the unit of work)."""
    uow.save(review, condition=ReviewItem.pk.does_not_exist())


@dataclass(frozen=True)
class Parties:
    """Who is on a contract and whether it runs through the hub: set at award and never changed after, so a
    warm process may keep them (a response's hub mask needs them after the service has read the contract)."""

    id: str
    hub: bool
    customer_id: str
    provider_id: str
    provider_sub: str
    task_id: str


_PARTIES: OrderedDict[str, Parties] = OrderedDict()
_PARTIES_KEPT = 2048
_parties_lock = threading.Lock()  # the local API server answers on threads


def _remember(contract: ContractItem) -> ContractItem:
    known = Parties(
        contract.id,
        bool(contract.hub),
        contract.customer_id,
        contract.provider_id,
        contract.provider_sub,
        contract.task_id,
    )
    with _parties_lock:
        _PARTIES[contract.id] = known
        _PARTIES.move_to_end(contract.id)
        while len(_PARTIES) > _PARTIES_KEPT:
            _PARTIES.popitem(last=False)
    return contract


def parties(contract_id: str) -> Parties | None:
    """The contract's immutable parties: from this process's memory when it read the contract before (no call)."""
    with _parties_lock:
        known = _PARTIES.get(contract_id)
    if known is not None:
        return known
    contract = get(contract_id)
    if contract is None:
        return None
    with _parties_lock:
        return _PARTIES.get(contract_id)


def get(contract_id: str) -> ContractItem | None:
    try:
        return _remember(ContractItem.get(key(contract_id), "CONTRACT", consistent_read=True))
    except ContractItem.DoesNotExist:
        return None


def milestones(contract_id: str) -> list[MilestoneItem]:
    return list(MilestoneItem.query(key(contract_id), MilestoneItem.sk.startswith("MILESTONE#"), consistent_read=True))


@dataclass(frozen=True)
class Partition:
    """A contract with what lives beside it, as one read returns them."""

    contract: ContractItem
    milestones: list[MilestoneItem]  # in position order
    reviews: list[ReviewItem]
    tokens: dict[str, TokenItem]  # the workflow tokens parked now, by milestone id


def partition(contract_id: str) -> Partition | None:
    """The contract, its milestones, reviews and parked workflow tokens in one consistent Query (None: no contract).

    `sk >= "CONTRACT"` starts at the contract item: the audit trail (`AUDIT#…`, which sorts before it
    and grows with every change) is never read here. The other items of the collection (the contract
    thread's `THREAD` reference) are skipped.
    """
    found: dict[str, list[dict[str, Any]]] = {"CONTRACT": [], "MILESTONE#": [], "REVIEW#": [], "TOKEN#": []}
    connection = ContractItem._get_connection()
    start: dict[str, Any] | None = None
    while True:
        page = connection.query(
            key(contract_id),
            range_key_condition=ContractItem.sk >= "CONTRACT",
            consistent_read=True,
            exclusive_start_key=start,
        )
        for raw in page.get("Items", []):
            sk = raw["sk"]["S"]
            kind = "CONTRACT" if sk == "CONTRACT" else sk[: sk.find("#") + 1]
            found.get(kind, []).append(raw)
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    if not found["CONTRACT"]:
        return None
    tokens = [TokenItem.from_raw_data(raw) for raw in found["TOKEN#"]]
    return Partition(
        contract=_remember(ContractItem.from_raw_data(found["CONTRACT"][0])),
        milestones=[MilestoneItem.from_raw_data(raw) for raw in found["MILESTONE#"]],
        reviews=[ReviewItem.from_raw_data(raw) for raw in found["REVIEW#"]],
        tokens={token.sk.removeprefix("TOKEN#"): token for token in tokens},
    )


def for_customer(customer_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The customer's contracts, newest first (gsi1: the customer's side)."""
    return _for_party(ContractItem.gsi1.query, "gsi1pk", customer_id, limit, cursor)


def for_provider(provider_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The provider's contracts, newest first (gsi2: the provider's side)."""
    return _for_party(ContractItem.gsi2.query, "gsi2pk", provider_id, limit, cursor)


def _for_party(
    query: Callable[..., Any], index_key: str, party_id: str, limit: int, cursor: str | None
) -> paging.Page[Any]:
    partition = _party(party_id)
    return paging.collect(
        lambda start: query(partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit),
        limit,
        cursor,
        (index_key, partition),
    )


def open_disputes(limit: int, cursor: str | None) -> paging.Page[Any]:
    return paging.collect(
        lambda start: MilestoneItem.gsi1.query(
            OPEN_DISPUTES, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", OPEN_DISPUTES),
    )


def commission_settings() -> tuple[int, dict[str, int]]:
    try:
        item = SettingsItem.get("SETTINGS", "COMMISSION", consistent_read=True)
    except SettingsItem.DoesNotExist:
        return DEFAULT_BPS, {}
    return int(item.default_bps), {k: int(v) for k, v in (item.overrides or {}).items()}


def save_pending_milestone(uow: Writes, milestone: MilestoneItem) -> None:
    """Write a changed milestone back only while it is still `pending` at the version read (an amendment)."""
    uow.save(milestone, condition=MilestoneItem.status == "pending")


def remove_pending_milestone(uow: Writes, milestone: MilestoneItem) -> None:
    """Delete a milestone only while it is still `pending` at the version read (an amendment removes it)."""
    uow.delete(milestone, condition=MilestoneItem.status == "pending")
