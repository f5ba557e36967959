"""The gates between a submission and the customer's review: the hub admins' check and quality control.

A hub contract's submissions wait in `hub_review` until an admin forwards or returns them; a contract with
an assigned reviewer sends each submission (after the hub, if both) to `qc_review`, where the reviewer (or
an admin) approves it on to `under_review` or rejects it back to `revision_requested`. The review window
starts only when the work reaches the customer. Each command commits through `escrow._commit` (state,
audit, event, and the reviewer's fee in one transaction) and then answers the workflow's wait.
docs/quality-control.md has the rules; docs/ledger.md the fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.adapters import audit_repo, contracts_repo, paging, profiles_repo, quality_repo, tasks_repo
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.accounts import Role, Verification
from chalicelib.domain.clock import iso, now
from chalicelib.domain.commission import commission
from chalicelib.domain.contracts import ContractStatus
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, NotFound
from chalicelib.domain.matching import reviewer_fit, reviewer_order
from chalicelib.domain.milestones import MilestoneStatus, forward_moves, path
from chalicelib.domain.money import Money
from chalicelib.services import escrow, text_safety, threads, users
from chalicelib.services.contracts import load
from chalicelib.services.identity import Actor
from chalicelib.settings import get_settings

SYSTEM = "system:qc-timeout"
ASSIGNABLE = (ContractStatus.DRAFT.value, ContractStatus.ACTIVE.value)


# --- assigning a reviewer ---------------------------------------------------------------------------


def _not_a_reviewer(message: str) -> BusinessRuleViolated:
    return BusinessRuleViolated(message, [{"field": "providerId", "message": message}])


def _reviewable_by(profile: profiles_repo.Profile | None, contract: contracts_repo.Contract) -> str | None:
    """Why `profile` may not review the contract, or None: a verified, unsuspended provider who is not a party."""
    if profile is None or profile.role != Role.PROVIDER.value:
        return "no such provider"
    if profile.verification != Verification.VERIFIED.value:
        return "the reviewer must be a verified provider"
    if profile.suspended:
        return "the provider is suspended"
    if profile.id in (contract.customer_id, contract.provider_id):
        return "a party cannot review its own contract"
    return None


def assign_reviewer(actor: Actor, contract_id: str, provider_id: str) -> contracts_repo.Contract:
    """Admin: make `provider_id` the contract's reviewer (replacing an earlier one), in its thread and list.

    Any draft or active contract may get one: the task's `qualityReview` puts it in the admins' queue,
    an admin may add one to any other at their discretion. Submissions from now on go through QC.
    """
    actor.require_admin()
    contract = contracts_repo.get(contract_id)
    if contract is None:
        raise NotFound("no such contract")
    if contract.status not in ASSIGNABLE:
        raise Conflict(f"a reviewer is assigned to a draft or active contract (this one is {contract.status})")
    reviewer = profiles_repo.get_by_id(provider_id)
    refusal = _reviewable_by(reviewer, contract)
    if refusal is not None or reviewer is None:
        raise _not_a_reviewer(refusal or "no such provider")
    if contract.reviewer_id == reviewer.id:
        return contract  # already theirs: nothing to change
    previous = contract.reviewer_id
    at = iso()
    contract.reviewer_id = reviewer.id
    contract.updated_at = at
    line = audit_repo.Line(f"admin:{actor.sub}", "assign_reviewer", f"reviewer {reviewer.id}", at)
    with unit_of_work("the contract changed meanwhile; reload and retry") as uow:
        contracts_repo.save(uow, contract)
        quality_repo.list_reviewer(uow, contract, reviewer.id, at)
        threads.stage_reviewer(uow, contract, reviewer, at)
        audit_repo.add_for_contract(uow, contract.id, line)
        uow.emit(
            "ReviewerAssigned",
            {
                "contractId": contract.id,
                "reviewerId": reviewer.id,
                "previousReviewerId": previous,
                "recipients": [contract.customer_id, contract.provider_id, reviewer.id],
            },
            at,
        )
    return contract


@dataclass(frozen=True)
class Candidate:
    profile: profiles_repo.Profile
    score: int
    shared: list[str]
    reasons: list[str]


def _rating_centi(profile: profiles_repo.Profile) -> int | None:
    count = int(profile.rating_count or 0)
    return 100 * int(profile.rating_sum or 0) // count if count else None


def reviewer_candidates(actor: Actor, contract_id: str, query: str | None, limit: int) -> list[Candidate]:
    """Admin: providers whose name or email starts with `query`, fit to review, best first.

    Bounded: one page (`limit`) of the user-search index and one BatchGetItem of their profiles, then ranked
    by `domain.matching.reviewer_order`: most skills shared with the task first, then the match score (rating).
    """
    actor.require_admin()
    contract = contracts_repo.get(contract_id)
    if contract is None:
        raise NotFound("no such contract")
    task = tasks_repo.get(contract.task_id)
    wanted = list(task.skills or []) if task is not None else []
    found = users.search(actor, query, limit, None).items
    candidates: dict[str, Candidate] = {}
    for hit in found:
        profile = hit.profile
        if profile.id in candidates or _reviewable_by(profile, contract) is not None:
            continue
        rating = _rating_centi(profile)
        score, shared = reviewer_fit(wanted, profile.skills or [], rating)
        reasons = [f"skills: {', '.join(shared)}" if shared else "no shared skills"]
        if rating is not None:
            reasons.append(f"rating {rating / 100:.2f}")
        if profile.id == contract.reviewer_id:
            reasons.append("the current reviewer")
        candidates[profile.id] = Candidate(profile, score, shared, reasons)
    return sorted(
        candidates.values(), key=lambda c: (*reviewer_order(c.score, c.shared), c.profile.display_name, c.profile.id)
    )


# --- the gate commands ------------------------------------------------------------------------------


def _milestone(
    actor: Actor, contract_id: str, milestone_id: str
) -> tuple[contracts_repo.Contract, list[contracts_repo.Milestone], contracts_repo.Milestone, str]:
    contract, milestones, role = load(actor, contract_id)
    for milestone in milestones:
        if milestone.id == milestone_id:
            return contract, milestones, milestone, role
    raise NotFound("no such milestone")


def _start_review_window(milestone: contracts_repo.Milestone) -> None:
    """The work reaches the customer now: their review window starts now (the workflow's decision wait too)."""
    milestone.review_deadline = iso(now() + timedelta(seconds=get_settings().review_window_seconds))


def _qc_actor(actor: Actor, contract_id: str, milestone_id: str) -> tuple[Any, ...]:
    """The reviewer or an admin; the parties are refused (403), strangers get a 404."""
    actor.require_writable()
    contract, milestones, milestone, role = _milestone(actor, contract_id, milestone_id)
    if role not in ("reviewer", "admin"):
        raise Forbidden("only the contract's reviewer or an admin decides quality control")
    who = str(actor.profile_id) if role == "reviewer" else f"admin:{actor.sub}"
    return contract, milestones, milestone, role, who


def _fee(contract: contracts_repo.Contract, milestone: contracts_repo.Milestone, role: str) -> ledger.Posting | None:
    """The reviewer's fee for deciding (approve or reject alike); none when an admin decided in their place."""
    amount = commission(int(milestone.amount), get_settings().qc_fee_bps)
    if role != "reviewer" or amount <= 0 or not contract.reviewer_id:
        return None
    return ledger.qc_fee(contract.reviewer_id, Money(amount, milestone.currency))


def _recipients(contract: contracts_repo.Contract) -> list[str]:
    return [r for r in (contract.customer_id, contract.provider_id, contract.reviewer_id) if r]


def qc_approve(actor: Actor, contract_id: str, milestone_id: str) -> contracts_repo.Milestone:
    contract, milestones, milestone, role, who = _qc_actor(actor, contract_id, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "qc_approve")
    _start_review_window(milestone)
    quality_repo.unlist(milestone)
    posting = _fee(contract, milestone, role)
    data = {"recipients": _recipients(contract), "by": role}
    change = escrow.Change(contract, milestone, who, "qc_approve", steps, posting, "QcApproved", data)
    result = escrow.commit(change, milestones)
    escrow.answer_wait(contract.id, milestone.id, "qc_review", "approved")
    return result


def qc_reject(actor: Actor, contract_id: str, milestone_id: str, reason: str) -> contracts_repo.Milestone:
    contract, milestones, milestone, role, who = _qc_actor(actor, contract_id, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "qc_reject")
    writes = []
    if role == "reviewer":  # the provider reads it: contact details are masked as in any milestone text
        shown, screened = text_safety.for_milestone_text(
            "milestone.qc.reason", reason, actor.require_profile(), contract.id, milestone.id
        )
        reason = shown or reason
        writes.append(screened.staged(iso()))
    milestone.revisions = [*(milestone.revisions or []), {"reason": reason, "at": iso(), "by": "qc"}]
    milestone.review_deadline = None
    quality_repo.unlist(milestone)
    posting = _fee(contract, milestone, role)
    data = {"recipients": _recipients(contract), "reason": reason, "by": role}
    change = escrow.Change(contract, milestone, who, "qc_reject", steps, posting, "QcRejected", data, writes)
    result = escrow.commit(change, milestones)
    escrow.answer_wait(contract.id, milestone.id, "qc_review", "rejected")
    return result


def forward(actor: Actor, contract_id: str, milestone_id: str) -> contracts_repo.Milestone:
    """Hub admin: the submission goes on to quality control (with a reviewer) or to the customer."""
    actor.require_admin()
    contract, milestones, milestone, _ = _milestone(actor, contract_id, milestone_id)
    steps = path(MilestoneStatus(milestone.status), *forward_moves(bool(contract.reviewer_id)))
    to_qc = steps[-1][1] == MilestoneStatus.QC_REVIEW
    if not to_qc:
        _start_review_window(milestone)
    if milestone.submissions:  # from now on the company reads it (hub.held_back)
        milestone.submissions = [*milestone.submissions[:-1], {**milestone.submissions[-1], "forwardedAt": iso()}]
    quality_repo.unlist(milestone)
    data = {"recipients": _recipients(contract)}
    change = escrow.Change(
        contract, milestone, f"admin:{actor.sub}", "forward", steps, None, "SubmissionForwarded", data
    )
    result = escrow.commit(change, milestones)
    escrow.answer_wait(contract.id, milestone.id, "hub_review", "forwarded", gate="qc" if to_qc else "none")
    return result


def return_submission(actor: Actor, contract_id: str, milestone_id: str, reason: str) -> contracts_repo.Milestone:
    """Hub admin: the submission goes back to the provider with a reason; the customer never saw it."""
    actor.require_admin()
    contract, milestones, milestone, _ = _milestone(actor, contract_id, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "return")
    milestone.revisions = [*(milestone.revisions or []), {"reason": reason, "at": iso(), "by": "hub"}]
    quality_repo.unlist(milestone)
    data = {"recipients": [contract.provider_id], "reason": reason}
    change = escrow.Change(contract, milestone, f"admin:{actor.sub}", "return", steps, None, "SubmissionReturned", data)
    result = escrow.commit(change, milestones)
    escrow.answer_wait(contract.id, milestone.id, "hub_review", "returned")
    return result


def escalate_qc(contract_id: str, milestone_id: str) -> bool:
    """The QC wait timed out: list the review as overdue for admins and remind the reviewer, once.

    The workflow then waits on without a timeout; the reviewer or an admin decides (or an admin assigns
    another reviewer, who decides). False: nothing to escalate (decided meanwhile, or already listed).
    """
    found = contracts_repo.partition(contract_id)
    if found is None:
        return False
    milestone = next((m for m in found.milestones if m.id == milestone_id), None)
    if milestone is None or milestone.status != MilestoneStatus.QC_REVIEW.value:
        return False
    if milestone.gsi1pk == quality_repo.OVERDUE:
        return False
    quality_repo.list_qc_overdue(milestone, iso())
    data = {"recipients": [found.contract.reviewer_id] if found.contract.reviewer_id else []}
    change = escrow.Change(found.contract, milestone, SYSTEM, "qc_overdue", [], None, "QcReviewOverdue", data)
    try:
        escrow.commit(change, found.milestones)
    except Conflict:
        return False  # decided in the same instant; a redelivered message looks again
    return True


# --- the admins' queues -----------------------------------------------------------------------------


def hub_submissions(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Admin: submissions waiting in `hub_review`, oldest first."""
    actor.require_admin()
    return quality_repo.hub_submissions(limit, cursor)


def unassigned(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Admin: contracts whose task asked for quality control and that have no reviewer yet, oldest first."""
    actor.require_admin()
    return quality_repo.unassigned(limit, cursor)


def overdue(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Admin: milestones whose QC review ran past the reviewer's time, oldest escalation first."""
    actor.require_admin()
    return quality_repo.overdue_reviews(limit, cursor)
