"""Awarding a bid, signing, reading a contract, reviews."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import bids_repo, contracts_repo, events, paging, profiles_repo, tasks_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import AuditItem, ContractItem, MilestoneItem, ProfileItem, ReviewItem
from chalicelib.adapters.transactions import transaction
from chalicelib.domain.accounts import Role
from chalicelib.domain.bids import BID, LIVE, BidStatus
from chalicelib.domain.clock import iso
from chalicelib.domain.commission import rate_for
from chalicelib.domain.contracts import CONTRACT, NDA_VERSION, TERMS_VERSION, ContractRole, ContractStatus, role_in
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound
from chalicelib.domain.milestones import MilestoneStatus
from chalicelib.domain.tasks import TASK, TaskStatus
from chalicelib.services import threads
from chalicelib.services.identity import Actor

MAX_ITEMS_PER_TRANSACTION = 100  # award writes task, bid, losing bids, contract, milestones, skill index, audit,
# the contract thread (thread, reference, two members), the reveal of the winner's pre-award thread and the event


def audit(contract_id: str, actor: str, action: str, subject: str, at: str, **extra: Any) -> AuditItem:
    return AuditItem(
        pk=contracts_repo.key(contract_id),
        sk=f"AUDIT#{new_id()}",
        type="Audit",
        actor=actor,
        action=action,
        subject=subject,
        at=at,
        from_status=extra.get("from_status"),
        to_status=extra.get("to_status"),
        amounts=extra.get("amounts"),
    )


def load(actor: Actor, contract_id: str) -> tuple[ContractItem, list[MilestoneItem], ContractRole]:
    """The contract, its milestones and the caller's part in it (strangers get a 404)."""
    contract = contracts_repo.get(contract_id)
    if contract is None:
        raise NotFound("no such contract")
    role = role_in(contract, actor.profile_id, actor.is_admin)
    return contract, contracts_repo.milestones(contract_id), role


def mine(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """GET /me/contracts: my contracts, newest first, on the side my role is on."""
    profile = actor.require_profile()
    if profile.role == Role.CUSTOMER.value:
        return contracts_repo.for_customer(profile.id, limit, cursor)
    return contracts_repo.for_provider(profile.id, limit, cursor)


def award(actor: Actor, bid_id: str) -> tuple[ContractItem, list[MilestoneItem]]:
    actor.require_writable()
    owner = actor.require_verified(Role.CUSTOMER)
    bid = bids_repo.get(bid_id)
    task = tasks_repo.get(bid.task_id) if bid else None
    if bid is None or task is None or task.owner_id != owner.id:
        raise NotFound("no such bid")
    TASK.next(TaskStatus(task.status), "award")
    BID.next(BidStatus(bid.status), "award")
    others = [b for b in bids_repo.all_for_task(task.id) if b.id != bid.id and BidStatus(b.status) in LIVE]
    if len(others) + len(bid.milestones) + len(task.skills) + 10 > MAX_ITEMS_PER_TRANSACTION:
        raise BusinessRuleViolated("too many live bids to award at once; reject some first")
    provider = profiles_repo.get_by_sub(bid.provider_sub)
    if provider is None:
        raise NotFound("no such bid")
    default_bps, overrides = contracts_repo.commission_settings()
    at = iso()
    contract_id = new_id()
    contract = ContractItem(
        pk=contracts_repo.key(contract_id),
        sk="CONTRACT",
        type="Contract",
        gsi1pk=f"PARTY#{task.owner_id}",
        gsi1sk=f"{at}#{contract_id}",
        gsi2pk=f"PARTY#{bid.provider_id}",
        gsi2sk=f"{at}#{contract_id}",
        gsi3pk=f"TASKCONTRACT#{task.id}",
        gsi3sk=contract_id,
        id=contract_id,
        task_id=task.id,
        bid_id=bid.id,
        category=task.category,
        title=task.title,
        customer_id=owner.id,
        customer_sub=owner.sub,
        provider_id=bid.provider_id,
        provider_sub=bid.provider_sub,
        currency=bid.currency,
        total_amount=bid.price_amount,
        commission_bps=rate_for(task.category, default_bps, overrides),
        status=ContractStatus.DRAFT.value,
        signatures={},
        created_at=at,
        updated_at=at,
    )
    milestones = []
    for position, proposed in enumerate(bid.milestones):
        milestone_id = new_id()
        milestones.append(
            MilestoneItem(
                pk=contract.pk,
                sk=contracts_repo.milestone_sk(position, milestone_id),
                type="Milestone",
                id=milestone_id,
                contract_id=contract_id,
                position=position,
                title=proposed["title"],
                amount=proposed["amount"]["amount"],
                currency=proposed["amount"]["currency"],
                due_date=proposed["dueDate"],
                acceptance_criteria=proposed.get("acceptanceCriteria"),
                status=MilestoneStatus.PENDING.value,
                submissions=[],
                revisions=[],
                updated_at=at,
            )
        )
    chat = threads.plan_award(task, contract, owner, provider, at)
    task.status = TaskStatus.AWARDED.value
    task.updated_at = at
    tasks_repo.index(task, at)
    bid.status = BidStatus.AWARDED.value
    bid.updated_at = at
    event = events.Event(
        "ContractAwarded",
        {
            "contractId": contract_id,
            "taskId": task.id,
            "bidId": bid.id,
            "recipients": [owner.id, bid.provider_id],
            "amount": {"amount": int(bid.price_amount), "currency": bid.currency},
            "taskOpenedAt": task.opened_at,
        },
    )
    with transaction("the task was awarded meanwhile, or a bid changed") as tx:
        tx.save(task)
        tx.save(bid)
        for other in others:
            other.status = BID.next(BidStatus(other.status), "lose").value
            other.updated_at = at
            tx.save(other)
        for index_item in tasks_repo.skill_items(task):  # no longer open: out of the skill browse
            tx.delete(index_item)
        tx.save(contract, condition=ContractItem.pk.does_not_exist())
        for milestone in milestones:
            tx.save(milestone)
        tx.save(audit(contract_id, owner.id, "award", f"bid {bid.id}", at, from_status=None, to_status="draft"))
        chat.stage(tx, at)  # the contract thread opens with the contract
        events.stage(tx, event, at)
    events.publish([event])
    return contract, milestones


def sign(actor: Actor, contract_id: str) -> tuple[ContractItem, list[MilestoneItem]]:
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise NotFound("no such contract")
    CONTRACT.next(ContractStatus(contract.status), "sign")
    signatures = dict(contract.signatures or {})
    if role in signatures:
        raise Conflict("you have already signed this contract")
    at = iso()
    signatures[role] = {"at": at, "termsVersion": TERMS_VERSION, "ndaVersion": NDA_VERSION, "by": actor.profile_id}
    contract.signatures = signatures
    contract.updated_at = at
    before = contract.status
    task = None
    changes = [audit(contract.id, str(actor.profile_id), "sign", f"{role} accepted terms {TERMS_VERSION}", at)]
    evts = []
    if {"customer", "provider"} <= set(signatures):
        contract.status = CONTRACT.next(ContractStatus(contract.status), "activate").value
        task = tasks_repo.get(contract.task_id)
        if task is not None and TASK.allows(TaskStatus(task.status), "start"):
            task.status = TaskStatus.IN_PROGRESS.value
            task.updated_at = at
            tasks_repo.index(task, at)
        changes.append(audit(contract.id, "system", "activate", "contract", at, from_status=before, to_status="active"))
        evts.append(
            events.Event(
                "ContractActivated",
                {"contractId": contract.id, "recipients": [contract.customer_id, contract.provider_id]},
            )
        )
    with transaction("the contract changed meanwhile; retry") as tx:
        tx.save(contract)
        if task is not None:
            tx.save(task)
        for item in changes:
            tx.save(item)
        for event in evts:
            events.stage(tx, event, at)
    events.publish(evts)
    return contract, milestones


def review(actor: Actor, contract_id: str, rating: int, text: str) -> ReviewItem:
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
    reviewee = profiles_repo.get_by_sub(reviewee_sub)
    if reviewee is None:
        raise NotFound("the other party has no profile")
    at = iso()
    item = ReviewItem(
        pk=contract.pk,
        sk=f"REVIEW#{actor.profile_id}",
        type="Review",
        gsi1pk=f"REVIEWS#{reviewee_id}",
        gsi1sk=f"{at}#{contract.id}",
        contract_id=contract.id,
        reviewer_id=str(actor.profile_id),
        reviewee_id=reviewee_id,
        rating=rating,
        text=text,
        at=at,
    )
    event = events.Event(
        "ReviewPosted",
        {"contractId": contract.id, "rating": rating, "recipients": [reviewee_id], "reviewerId": actor.profile_id},
    )
    with transaction("you have already reviewed this contract") as tx:
        tx.save(item, condition=ReviewItem.pk.does_not_exist())
        tx.update(
            reviewee,
            actions=[ProfileItem.rating_sum.add(rating), ProfileItem.rating_count.add(1)],
        )
        events.stage(tx, event, at)
    events.publish([event])
    return item
