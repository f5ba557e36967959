"""Awarding a bid, signing, reading a contract, reviews."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import audit_repo, bids_repo, contracts_repo, paging, profiles_repo, quality_repo, tasks_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.accounts import Role
from chalicelib.domain.bids import BID, LIVE, BidStatus, CounterStatus
from chalicelib.domain.clock import iso
from chalicelib.domain.commission import rate_for
from chalicelib.domain.contracts import CONTRACT, ContractRole, ContractStatus, role_in
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound
from chalicelib.domain.milestones import MilestoneStatus
from chalicelib.domain.tasks import TASK, TaskStatus
from chalicelib.services import documents, hub, text_safety, threads
from chalicelib.services.identity import Actor

MAX_ITEMS_PER_TRANSACTION = 100  # award writes task, bid, losing bids, contract, milestones, skill index, audit,
# the contract thread (thread, reference, two members), the reveal of the winner's pre-award thread and the event


def load(
    actor: Actor, contract_id: str
) -> tuple[contracts_repo.Contract, list[contracts_repo.Milestone], ContractRole]:
    """The contract, its milestones and the caller's part in it (strangers get a 404), in one read."""
    found = contracts_repo.partition(contract_id)
    if found is None:
        raise NotFound("no such contract")
    return found.contract, found.milestones, role_of(actor, found.contract)


def role_of(actor: Actor, contract: contracts_repo.Contract) -> ContractRole:
    """The caller's part in the contract (strangers: 404).

    An admin's profile is read only if it could give them a party's or the reviewer's part: the
    contract names both parties' subs, so an admin who is neither is an admin without that read.
    """
    if (
        actor.is_admin
        and not actor.profile_read
        and actor.sub not in (contract.customer_sub, contract.provider_sub)
        and not contract.reviewer_id
    ):
        return "admin"
    return role_in(contract, actor.profile_id, actor.is_admin)


def mine(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """GET /me/contracts: my contracts, newest first, on the side my role is on (a provider's include those
    they review as QC reviewer: listed on the same index, so one Query and one cursor)."""
    profile = actor.require_profile()
    if profile.role == Role.CUSTOMER.value:
        return contracts_repo.for_customer(profile.id, limit, cursor)
    page = contracts_repo.for_provider(profile.id, limit, cursor)
    return paging.Page(quality_repo.resolve_reviewing(page.items), page.next_cursor)


def award(actor: Actor, bid_id: str) -> tuple[contracts_repo.Contract, list[contracts_repo.Milestone]]:
    actor.require_writable()
    owner = actor.require_verified(Role.CUSTOMER)
    bid = bids_repo.get(bid_id)
    task = tasks_repo.get(bid.task_id) if bid else None
    if bid is None or task is None or task.owner_id != owner.id:
        raise NotFound("no such bid")
    hub.require_forwarded(task, bid)  # hub mode: the owner awards only what an admin forwarded
    TASK.next(TaskStatus(task.status), "award")
    BID.next(BidStatus(bid.status), "award")
    others = [b for b in bids_repo.all_for_task(task.id) if b.id != bid.id and BidStatus(b.status) in LIVE]
    if len(others) + len(bid.milestones) + tasks_repo.skill_index_size(task) + 10 > MAX_ITEMS_PER_TRANSACTION:
        raise BusinessRuleViolated("too many live bids to award at once; reject some first")
    provider = profiles_repo.get_by_sub(bid.provider_sub)
    if provider is None:
        raise NotFound("no such bid")
    default_bps, overrides = contracts_repo.commission_settings()
    at = iso()
    contract_id = new_id()
    commission_bps = rate_for(task.category, default_bps, overrides)
    contract = contracts_repo.new(contract_id, task, bid, owner, commission_bps, ContractStatus.DRAFT.value, at)
    milestones = [
        contracts_repo.new_milestone(contract, position, new_id(), proposed, MilestoneStatus.PENDING.value, at)
        for position, proposed in enumerate(bid.milestones)
    ]
    chat = threads.plan_award(task, contract, owner, provider, at)
    task.status = TaskStatus.AWARDED.value
    task.updated_at = at
    tasks_repo.index(task, at)
    bid.status = BidStatus.AWARDED.value
    bid.updated_at = at
    bids_repo.close_counter(bid, CounterStatus.CLOSED, at)  # awarded on its own terms: an open counter is moot
    with unit_of_work("the task was awarded meanwhile, or a bid changed") as uow:
        tasks_repo.save(uow, task)
        bids_repo.save(uow, bid)
        for other in others:
            other.status = BID.next(BidStatus(other.status), "lose").value
            other.updated_at = at
            bids_repo.close_counter(other, CounterStatus.CLOSED, at)
            bids_repo.save(uow, other)
        tasks_repo.unlist_by_skills(uow, task)  # no longer open: out of the skill browse
        contracts_repo.add(uow, contract)
        for milestone in milestones:
            contracts_repo.save_milestone(uow, milestone)
        audit_repo.add_for_contract(
            uow,
            contract_id,
            audit_repo.Line(owner.id, "award", f"bid {bid.id}", at, from_status=None, to_status="draft"),
        )
        chat.stage(uow, at)  # the contract thread opens with the contract
        if task.quality_review:  # the customer asked for quality control: into the admins' queue for a reviewer
            quality_repo.want_reviewer(uow, contract, at)
        uow.emit(
            "ContractAwarded",
            {
                "contractId": contract_id,
                "taskId": task.id,
                "bidId": bid.id,
                "recipients": [owner.id, bid.provider_id],
                "amount": {"amount": int(bid.price_amount), "currency": bid.currency},
                "taskOpenedAt": task.opened_at,
            },
            at,
        )
    return contract, milestones


def sign(actor: Actor, contract_id: str) -> tuple[contracts_repo.Contract, list[contracts_repo.Milestone]]:
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise NotFound("no such contract")
    CONTRACT.next(ContractStatus(contract.status), "sign")
    signatures = dict(contract.signatures or {})
    if role in signatures:
        raise Conflict("you have already signed this contract")
    signed = documents.to_sign(contract, milestones)  # S3 is not in the transaction: the document is stored first
    at = iso()
    signatures[role] = {
        "at": at,
        "termsVersion": signed.terms_version,
        "ndaVersion": signed.nda_version,
        "by": actor.profile_id,
        "version": signed.version,
        "documentSha256": signed.sha256,
    }
    contract.signatures = signatures
    contract.updated_at = at
    before = contract.status
    task = None
    lines = [
        audit_repo.Line(
            str(actor.profile_id),
            "sign",
            f"{role} accepted terms {signed.terms_version}, NDA {signed.nda_version}: "
            f"version {signed.version}, document sha256 {signed.sha256}",
            at,
        )
    ]
    activated = False
    if {"customer", "provider"} <= set(signatures):
        contract.status = CONTRACT.next(ContractStatus(contract.status), "activate").value
        task = tasks_repo.get(contract.task_id)
        if task is not None and TASK.allows(TaskStatus(task.status), "start"):
            task.status = TaskStatus.IN_PROGRESS.value
            task.updated_at = at
            tasks_repo.index(task, at)
        lines.append(audit_repo.Line("system", "activate", "contract", at, from_status=before, to_status="active"))
        activated = True
    with unit_of_work("the contract changed meanwhile; retry") as uow:
        contracts_repo.save(uow, contract)
        if task is not None:
            tasks_repo.save(uow, task)
        for line in lines:
            audit_repo.add_for_contract(uow, contract.id, line)
        if activated:
            uow.emit(
                "ContractActivated",
                {"contractId": contract.id, "recipients": [contract.customer_id, contract.provider_id]},
                at,
            )
    return contract, milestones


def document(actor: Actor, contract_id: str) -> documents.Issued:
    """GET /contracts/{id}/document: the current version's PDF for the parties, the reviewer and admins
    (strangers: 404), stored once per version (services/documents.py)."""
    contract, milestones, _ = load(actor, contract_id)
    return documents.issue(contract, milestones)


def review(actor: Actor, contract_id: str, rating: int, text: str) -> contracts_repo.Review:
    actor.require_writable()
    contract, _, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise NotFound("no such contract")
    if contract.status != ContractStatus.COMPLETED.value:
        raise Conflict(f"reviews open once the contract is completed (it is {contract.status})")
    reviewee_id, reviewee_sub = (
        (contract.provider_id, contract.provider_sub)
        if role == "customer"
        else (contract.customer_id, contract.customer_sub)
    )
    at = iso()
    text, screened = text_safety.for_review(text, actor.require_profile(), contract.id)
    item = contracts_repo.new_review(contract, str(actor.profile_id), reviewee_id, rating, text, at)
    try:
        with unit_of_work("you have already reviewed this contract") as uow:
            contracts_repo.add_review(uow, item)
            screened.stage(uow, at)
            profiles_repo.add_rating_by_sub(uow, reviewee_sub, rating)  # conditional on the profile: no read first
            uow.emit(
                "ReviewPosted",
                {
                    "contractId": contract.id,
                    "rating": rating,
                    "recipients": [reviewee_id],
                    "reviewerId": actor.profile_id,
                },
                at,
            )
    except Conflict:
        if profiles_repo.get_by_sub(reviewee_sub) is None:  # only a failed commit tells the two apart
            raise NotFound("the other party has no profile") from None
        raise
    return item
