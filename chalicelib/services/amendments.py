"""Amendments (supplementary agreements): a party proposes changes to unfunded milestones, the other decides.

Proposing writes the amendment (one open per contract: a guard item makes a second proposal fail), an audit
line and `AmendmentProposed` to the other party. Accepting re-checks the changes against the milestones as
they are now and applies them in ONE unit of work: new milestones, changed ones and removed ones (each on
the condition that it is still `pending` at the version read), the contract (version-checked, its total
recomputed and its terms `version` + 1) and the amendment itself. Anything that moved meanwhile (a milestone
funded, the contract terminated, another decision) fails the commit: a 409, nothing applied.

The acceptance is the other party's consent to the new terms, so the contract stays `active` and no new
signatures are collected (docs/state-machines.md, "Amendment").
"""

from __future__ import annotations

import logging

from chalicelib.adapters import amendments_repo, audit_repo, contracts_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.amendments import (
    AMENDMENT,
    AmendmentStatus,
    ChangeMilestone,
    Current,
    NewAmendment,
    Plan,
    all_from_json,
    check,
    to_json,
)
from chalicelib.domain.clock import iso, now
from chalicelib.domain.contracts import ContractStatus
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.domain.milestones import MilestoneStatus
from chalicelib.services import documents
from chalicelib.services.contracts import load, role_of
from chalicelib.services.identity import Actor

log = logging.getLogger(__name__)

ACTIVE = (ContractStatus.ACTIVE.value,)


def _current(milestones: list[contracts_repo.Milestone]) -> list[Current]:
    return [Current(m.id, m.status, int(m.amount), int(m.position)) for m in milestones]


def _require_active(contract: contracts_repo.Contract) -> None:
    if contract.status != ContractStatus.ACTIVE.value:
        raise Conflict(f"amendments apply to an active contract (this one is {contract.status})")


def _other_party(contract: contracts_repo.Contract, role: str) -> str:
    return str(contract.provider_id if role == "customer" else contract.customer_id)


def propose(actor: Actor, contract_id: str, proposal: NewAmendment) -> amendments_repo.Amendment:
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise NotFound("no such contract")
    _require_active(contract)
    check(proposal.changes, _current(milestones), contract.currency, now().date())
    at = iso()
    amendment = amendments_repo.new(
        contract.id,
        new_id(),
        role,
        str(actor.profile_id),
        proposal.reason,
        [to_json(change) for change in proposal.changes],
        at,
    )
    try:
        with unit_of_work("the contract changed meanwhile; reload and retry") as uow:
            contracts_repo.require_contract_status(uow, contract, ACTIVE)
            amendments_repo.propose(uow, amendment)
            line = audit_repo.Line(
                str(actor.profile_id), "amendment:propose", f"amendment {amendment.id}", at, to_status="proposed"
            )
            audit_repo.add_for_contract(uow, contract.id, line)
            uow.emit(
                "AmendmentProposed",
                {
                    "contractId": contract.id,
                    "amendmentId": amendment.id,
                    "proposedBy": role,
                    "actor": actor.profile_id,
                    "recipients": [_other_party(contract, role)],
                },
                at,
            )
    except Conflict as lost:  # only a failed commit is explained by reading: the guard, or the contract moved
        still_open = amendments_repo.open_id(contract.id)
        if still_open is not None:
            raise Conflict(f"amendment {still_open} is still open: it must be accepted or rejected first") from None
        raise lost from None
    return amendment


def _decidable(
    actor: Actor, contract_id: str, amendment_id: str, action: str
) -> tuple[contracts_repo.Contract, list[contracts_repo.Milestone], amendments_repo.Amendment]:
    """The contract, its milestones and the amendment, if the caller is the party who decides it."""
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise NotFound("no such contract")
    amendment = amendments_repo.get(contract.id, amendment_id)
    if amendment is None:
        raise NotFound("no such amendment")
    if amendment.proposed_by == role:
        raise Forbidden(f"you proposed this amendment: the {_other_role(role)} accepts or rejects it")
    AMENDMENT.next(AmendmentStatus(amendment.status), action)
    return contract, milestones, amendment


def _other_role(role: str) -> str:
    return "provider" if role == "customer" else "customer"


def accept(actor: Actor, contract_id: str, amendment_id: str) -> amendments_repo.Amendment:
    contract, milestones, amendment = _decidable(actor, contract_id, amendment_id, "accept")
    _require_active(contract)
    changes = all_from_json(amendment.changes)
    plan = check(changes, _current(milestones), contract.currency, now().date())
    at = iso()
    by_id = {m.id: m for m in milestones}
    changed = [_changed(by_id[c.milestone_id], c, at) for c in plan.changed]
    removed = [by_id[milestone_id] for milestone_id in plan.removed]
    added = _added(contract, plan, at)
    contract.total_amount = plan.total
    contract.terms_version = int(contract.terms_version or 1) + 1
    contract.updated_at = at
    amendment.status = AmendmentStatus.ACCEPTED.value
    amendment.terms_version = int(contract.terms_version)
    amendment.decided_by = actor.profile_id
    amendment.decided_at = at
    who = str(actor.profile_id)
    lines = [
        audit_repo.Line(
            who,
            "amendment:accept",
            f"amendment {amendment.id}: version {contract.terms_version}",
            at,
            from_status="proposed",
            to_status="accepted",
        ),
        *[audit_repo.Line(who, "amend:add", f"milestone {m.id}", at, to_status=m.status) for m in added],
        *[audit_repo.Line(who, "amend:change", f"milestone {m.id}", at, m.status, m.status) for m in changed],
        *[audit_repo.Line(who, "amend:remove", f"milestone {m.id}", at, from_status=m.status) for m in removed],
    ]
    with unit_of_work("a milestone or the contract changed meanwhile; nothing was applied: reload and retry") as uow:
        contracts_repo.save(uow, contract)
        for milestone in changed:
            contracts_repo.save_pending_milestone(uow, milestone)
        for milestone in removed:
            contracts_repo.remove_pending_milestone(uow, milestone)
        for milestone in added:
            contracts_repo.save_milestone(uow, milestone)
        amendments_repo.decide(uow, amendment)
        for line in lines:
            audit_repo.add_for_contract(uow, contract.id, line)
        uow.emit(
            "AmendmentAccepted",
            {
                "contractId": contract.id,
                "amendmentId": amendment.id,
                "version": int(contract.terms_version),
                "total": {"amount": plan.total, "currency": contract.currency},
                "addedMilestones": [m.id for m in added],
                "actor": actor.profile_id,
                "recipients": [amendment.proposer_id],
            },
            at,
        )
    _issue_document(contract, [m for m in milestones if m.id not in plan.removed] + added)
    return amendment


def _issue_document(contract: contracts_repo.Contract, milestones: list[contracts_repo.Milestone]) -> None:
    """The new version's document, rendered and stored now: it shows the milestones as the amendment left them.

    After the commit, so a failure here changes nothing agreed: the document is then rendered on its first
    download instead.
    """
    try:
        documents.issue(contract, milestones, new_version=True)
    except Exception:  # S3 or rendering trouble must not turn an applied amendment into a 500
        log.exception("document of contract %s version %s not issued now", contract.id, contract.terms_version)


def _changed(milestone: contracts_repo.Milestone, change: ChangeMilestone, at: str) -> contracts_repo.Milestone:
    if change.title is not None:
        milestone.title = change.title
    if change.amount is not None:
        milestone.amount = change.amount.amount
    if change.due_date is not None:
        milestone.due_date = change.due_date.isoformat()
    if change.acceptance_criteria is not None:
        milestone.acceptance_criteria = change.acceptance_criteria
    milestone.updated_at = at
    return milestone


def _added(contract: contracts_repo.Contract, plan: Plan, at: str) -> list[contracts_repo.Milestone]:
    """The new milestones, `pending`, after the last position the contract uses."""
    pending = MilestoneStatus.PENDING.value
    return [
        contracts_repo.new_milestone(contract, position, new_id(), to_json(change), pending, at)
        for position, change in plan.added
    ]


def reject(actor: Actor, contract_id: str, amendment_id: str) -> amendments_repo.Amendment:
    """The other party says no: nothing in the contract changes (allowed on any contract, so that a
    terminated contract does not keep an amendment open)."""
    contract, _, amendment = _decidable(actor, contract_id, amendment_id, "reject")
    at = iso()
    amendment.status = AmendmentStatus.REJECTED.value
    amendment.decided_by = actor.profile_id
    amendment.decided_at = at
    with unit_of_work("the amendment was decided meanwhile; reload") as uow:
        amendments_repo.decide(uow, amendment)
        line = audit_repo.Line(
            str(actor.profile_id),
            "amendment:reject",
            f"amendment {amendment.id}",
            at,
            from_status="proposed",
            to_status="rejected",
        )
        audit_repo.add_for_contract(uow, contract.id, line)
        uow.emit(
            "AmendmentRejected",
            {
                "contractId": contract.id,
                "amendmentId": amendment.id,
                "actor": actor.profile_id,
                "recipients": [amendment.proposer_id],
            },
            at,
        )
    return amendment


def for_contract(actor: Actor, contract_id: str) -> list[amendments_repo.Amendment]:
    """The contract's amendments, oldest first: the parties and admins (the reviewer and strangers: 404)."""
    contract = contracts_repo.get(contract_id)
    if contract is None or role_of(actor, contract) not in ("customer", "provider", "admin"):
        raise NotFound("no such contract")
    return amendments_repo.for_contract(contract.id)
