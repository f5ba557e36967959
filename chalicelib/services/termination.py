"""Terminating a contract: one party proposes, the other agrees, or an admin decides at once.

The termination itself is one unit of work: the contract `terminated`, each `pending` milestone `cancelled`,
each `funded`/`revision_requested` one `refunded` with one `termination_refund` posting that moves their escrow
back to the customer's wallet, the proposal out of the admins' queue, an audit line per move and
`ContractTerminated`. Released or resolved money stays where it went; work under review or in dispute must be
decided first (409 naming the milestone). Every milestone is saved at the version read, so a provider's submit
racing the agreement makes one of the two a 409 and never both. After the commit each refunded milestone's
workflow gets "terminated" for its parked submission wait and ends in `Terminated`; a token parked later is
answered the same way by `escrow.park_token`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import audit_repo, contracts_repo, ledger_repo, paging
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso
from chalicelib.domain.contracts import CONTRACT, ENDED, ContractStatus, termination_moves
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, ValidationFailed
from chalicelib.domain.milestones import MILESTONE, MilestoneStatus
from chalicelib.domain.money import Money
from chalicelib.services import escrow
from chalicelib.services.contracts import load
from chalicelib.services.identity import Actor

Loaded = tuple[contracts_repo.Contract, list[contracts_repo.Milestone]]

MAX_ITEMS_PER_TRANSACTION = 100
# The contract, its audit line, the queue item, the event, the posting (two balances, two entries), its money line.
FIXED_ITEMS = 8
ITEMS_PER_MILESTONE = 2  # the milestone and its audit line


def terminate(actor: Actor, contract_id: str, reason: str | None) -> Loaded:
    """POST /contracts/{id}/terminate: a party's first call proposes, the other party's agrees, an admin's decides."""
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider", "admin"):
        raise Forbidden("only the parties or an admin terminate a contract")
    CONTRACT.next(ContractStatus(contract.status), "terminate")  # completed or terminated: 409
    termination = contract.termination or {}
    proposal = termination if termination.get("status") == "proposed" else None
    if role == "admin":
        return _terminate(contract, milestones, f"admin:{actor.sub}", "admin", _required(reason), proposal)
    if proposal is None:
        return _propose(contract, milestones, str(actor.profile_id), role, _required(reason))
    if proposal.get("proposedBy") == role:
        raise Conflict("you proposed this termination already: the other party agrees, or an admin decides")
    return _terminate(contract, milestones, str(actor.profile_id), role, reason, proposal)


def proposed(actor: Actor, limit: int, cursor: str | None) -> tuple[paging.Page[Any], dict[str, Any]]:
    """Admin: the proposed terminations, oldest first, with their contracts (one BatchGetItem for the page)."""
    actor.require_admin()
    page = contracts_repo.proposed_terminations(limit, cursor)
    return page, contracts_repo.get_many([item.contract_id for item in page.items])


def _required(reason: str | None) -> str:
    if not reason:
        raise ValidationFailed("say why the contract ends", [{"field": "reason", "message": "required"}])
    return reason


def _check_size(moving: int) -> None:
    """One transaction holds at most 100 items: refuse a contract whose termination would not fit (422)."""
    if FIXED_ITEMS + ITEMS_PER_MILESTONE * moving > MAX_ITEMS_PER_TRANSACTION:
        raise BusinessRuleViolated(
            f"{moving} open milestones are too many to end in one transaction; "
            f"at most {(MAX_ITEMS_PER_TRANSACTION - FIXED_ITEMS) // ITEMS_PER_MILESTONE}: ask support"
        )


def _propose(
    contract: contracts_repo.Contract, milestones: list[contracts_repo.Milestone], actor_id: str, role: str, reason: str
) -> Loaded:
    _check_size(sum(1 for m in milestones if MilestoneStatus(m.status) not in ENDED))
    at = iso()
    contract.termination = {
        "status": "proposed",
        "proposedBy": role,
        "proposerId": actor_id,
        "reason": reason,
        "at": at,
    }
    contract.updated_at = at
    other = contract.provider_id if role == "customer" else contract.customer_id
    with unit_of_work("the contract changed meanwhile; reload and retry") as uow:
        contracts_repo.save(uow, contract)
        contracts_repo.list_termination(uow, contract, role, actor_id, reason, at)
        line = audit_repo.Line(
            actor_id, "propose_termination", f"contract: {reason}", at, contract.status, contract.status
        )
        audit_repo.add_for_contract(uow, contract.id, line)
        uow.emit(
            "ContractTerminationProposed",
            {
                "contractId": contract.id,
                "title": contract.title,
                "proposedBy": role,
                "reason": reason,
                "recipients": [other],
                "category": contract.category,
            },
            at,
        )
    return contract, milestones


def _terminate(
    contract: contracts_repo.Contract,
    milestones: list[contracts_repo.Milestone],
    actor_id: str,
    by: str,
    reason: str | None,
    proposal: dict[str, Any] | None,
) -> Loaded:
    moves = termination_moves(milestones)
    moving = [m for m in milestones if m.id in moves]
    for milestone in moving:
        if milestone.dispute and milestone.dispute.get("frozen"):
            raise Conflict(
                f'milestone "{milestone.title}" ({milestone.id}) is frozen by a card dispute: an admin decides it first'
            )
    _check_size(len(moving))
    at = iso()
    before = contract.status
    contract.status = CONTRACT.next(ContractStatus(before), "terminate").value
    refunded = [m for m in moving if moves[m.id] == "refund"]
    refund = Money(sum(int(m.amount) for m in refunded), contract.currency)
    lines = [audit_repo.Line(actor_id, "terminate", f"contract: {reason or 'agreed'}", at, before, contract.status)]
    for milestone in moving:
        target = MILESTONE.next(MilestoneStatus(milestone.status), moves[milestone.id])
        amounts = (
            {"amount": int(milestone.amount), "currency": milestone.currency}
            if moves[milestone.id] == "refund"
            else None
        )
        lines.append(
            audit_repo.Line(
                actor_id, moves[milestone.id], f"milestone {milestone.id}", at, milestone.status, target.value, amounts
            )
        )
        milestone.status = target.value
        milestone.review_deadline = None
        milestone.updated_at = at
    contract.refunded_total = int(contract.refunded_total) + refund.amount
    contract.termination = (proposal or {"proposedBy": "admin", "proposerId": None, "reason": reason, "at": at}) | {
        "status": "terminated",
        "terminatedBy": by,
        "terminatedAt": at,
        "note": reason,
    }
    contract.updated_at = at
    with unit_of_work("the contract or one of its milestones changed meanwhile; reload and retry") as uow:
        contracts_repo.save(uow, contract)
        for milestone in moving:
            contracts_repo.save_milestone(uow, milestone)
        contracts_repo.unlist_termination(uow, contract.id)
        for line in lines:
            audit_repo.add_for_contract(uow, contract.id, line)
        if refund.amount:
            posting = ledger.termination_refund(contract.id, contract.customer_id, refund)
            ledger_repo.add_posting(uow, posting, at, contract.id)
            legs = [{"account": leg.account, "amount": leg.amount, "currency": leg.currency} for leg in posting.legs]
            money = audit_repo.Line(actor_id, f"money:{posting.kind}", "contract", at, amounts=legs)
            audit_repo.add_for_contract(uow, contract.id, money)
        uow.emit(
            "ContractTerminated",
            {
                "contractId": contract.id,
                "title": contract.title,
                "terminatedBy": by,
                "reason": contract.termination.get("reason"),
                "refunded": refund.to_json(),
                "refundedMilestones": [m.id for m in refunded],
                "cancelledMilestones": [m.id for m in moving if moves[m.id] == "cancel"],
                "recipients": [contract.customer_id, contract.provider_id],
                "category": contract.category,
            },
            at,
        )
    for milestone in refunded:  # their workflows wait for a submission: end them (a token parked later: park_token)
        escrow.answer_terminated(contract.id, milestone.id)
    return contract, milestones
