"""Milestone escrow: fund, submit, decide, dispute, resolve; and the workflow's callbacks.

DynamoDB holds the truth (status, money); the Step Functions execution holds the
waits and the review-window timer. Each command commits the state change, its
ledger posting, its audit lines and its event in one transaction, then answers the
workflow's callback token if the matching wait has parked one beside the milestone.
A contract and its milestones are one read (`contracts_repo.partition`); a token is taken
by one conditional delete that returns it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from chalicelib.adapters import (
    audit_repo,
    contracts_repo,
    ledger_repo,
    paging,
    payments_repo,
    profiles_repo,
    quality_repo,
    tasks_repo,
    tokens_repo,
    workflow,
)
from chalicelib.adapters import files as file_store
from chalicelib.adapters.gateways import gateway
from chalicelib.adapters.unit_of_work import Writes, unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso, now
from chalicelib.domain.contracts import CONTRACT, ContractStatus, status_after_milestone_move
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.milestones import (
    HUB,
    NO_GATE,
    WAITS,
    MilestoneStatus,
    gate_for,
    gate_moves,
    gate_of,
    is_overdue,
    path,
    seconds_until_overdue,
)
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import TASK, TaskStatus
from chalicelib.domain.uploads import Purpose
from chalicelib.services import disputes, text_safety, uploads
from chalicelib.services.contracts import load
from chalicelib.services.identity import Actor
from chalicelib.settings import get_settings

log = logging.getLogger(__name__)
SYSTEM = "system:review-window"

# Something else to write in a command's unit of work; gets the posting id (None without a posting).
Write = Callable[[Writes, str | None], None]


@dataclass
class Change:
    """Everything one command writes, committed together."""

    contract: contracts_repo.Contract
    milestone: contracts_repo.Milestone
    actor: str
    action: str
    steps: list[tuple[MilestoneStatus, MilestoneStatus]]
    posting: ledger.Posting | None = None
    event_type: str | None = None
    event_data: dict[str, Any] | None = None
    writes: list[Write] = field(default_factory=list)


@dataclass(frozen=True)
class Funding:
    """What `fund` did: the milestone, and the card payment still to complete (Stripe) if there is one."""

    milestone: contracts_repo.Milestone
    payment: dict[str, Any] | None = None

    @property
    def pending(self) -> bool:
        return self.milestone.status == MilestoneStatus.PENDING.value and self.payment is not None


def _find(milestones: list[contracts_repo.Milestone], milestone_id: str) -> contracts_repo.Milestone:
    for milestone in milestones:
        if milestone.id == milestone_id:
            return milestone
    raise NotFound("no such milestone")


def _money(milestone: contracts_repo.Milestone) -> Money:
    return Money(int(milestone.amount), milestone.currency)


def _commit(change: Change, all_milestones: list[contracts_repo.Milestone]) -> contracts_repo.Milestone:
    at = iso()
    contract, milestone = change.contract, change.milestone
    before = milestone.status
    if change.steps:
        milestone.status = change.steps[-1][1].value
    milestone.updated_at = at
    contract.updated_at = at
    subject = f"milestone {milestone.id}"
    audits = [
        audit_repo.Line(change.actor, change.action, subject, at, from_status=a, to_status=b) for a, b in change.steps
    ] or [audit_repo.Line(change.actor, change.action, subject, at, from_status=before, to_status=before)]
    task = None
    statuses = [milestone.status if m.id == milestone.id else m.status for m in all_milestones]
    contract_before = contract.status
    after = status_after_milestone_move(ContractStatus(contract_before), statuses) if change.steps else None
    if after is not None and after != contract_before:
        contract.status = after.value
        contract.completed_at = at
        audits.append(
            audit_repo.Line("system", "complete", "contract", at, from_status=contract_before, to_status=after.value)
        )
        task = tasks_repo.get(contract.task_id)
        if task is not None and TASK.allows(TaskStatus(task.status), "complete"):
            task.status = TaskStatus.COMPLETED.value
            task.updated_at = at
            tasks_repo.index(task, at)
        else:
            task = None
    recipients = [contract.customer_id, contract.provider_id]
    completed = contract.status == ContractStatus.COMPLETED.value and contract.completed_at == at
    lapsed = completed and (contract.termination or {}).get("status") == "proposed"
    if lapsed:  # a proposed termination ends with the contract: out of the admins' queue
        contract.termination = (contract.termination or {}) | {"status": "lapsed", "lapsedAt": at}
    with unit_of_work("the milestone changed meanwhile; reload and retry") as uow:
        contracts_repo.save_milestone(uow, milestone)
        contracts_repo.save(uow, contract)
        if completed:  # the provider card's completed work counts this contract, once with it (no read first)
            profiles_repo.count_completed_by_sub(uow, contract.provider_sub)
        if task is not None:
            tasks_repo.save(uow, task)
        if lapsed:
            contracts_repo.unlist_termination(uow, contract.id)
        for line in audits:
            audit_repo.add_for_contract(uow, contract.id, line)
        posting_id = None
        if change.posting is not None:
            posting_id = ledger_repo.add_posting(uow, change.posting, at, contract.id, milestone.id)
            legs = [
                {"account": leg.account, "amount": leg.amount, "currency": leg.currency} for leg in change.posting.legs
            ]
            money_line = audit_repo.Line(change.actor, f"money:{change.posting.kind}", subject, at, amounts=legs)
            audit_repo.add_for_contract(uow, contract.id, money_line)
        for write in change.writes:
            write(uow, posting_id)
        if change.event_type:
            data = {
                "contractId": contract.id,
                "milestoneId": milestone.id,
                "status": milestone.status,
                "actor": change.actor,
                "recipients": recipients,
                "category": contract.category,
            }
            uow.emit(change.event_type, data | (change.event_data or {}), at)
        if completed:
            uow.emit("ContractCompleted", {"contractId": contract.id, "recipients": recipients}, at)
    return milestone


def _answer_wait(contract_id: str, milestone_id: str, wait: str, outcome: str, **extra: str) -> None:
    """After a commit: if the workflow parked a token for this wait, take it (once) and hand it the outcome.

    One conditional delete that returns the token: whoever deletes it is the only one to use it. Not
    parked yet: `park_token` answers when it arrives (the milestone has moved past the wait by then).
    """
    taken = tokens_repo.take(contract_id, milestone_id, wait)
    if taken is None:
        log.info("no %s token parked for milestone %s (not yet, or already taken)", wait, milestone_id)
        return
    workflow.succeed(taken.task_token, {"outcome": outcome, **extra})


commit = _commit  # the gates (services/gates.py) commit and answer their waits the same way
answer_wait = _answer_wait


def answer_terminated(contract_id: str, milestone_id: str) -> None:
    """After a termination's commit: a refunded milestone's workflow leaves its submission wait for `Terminated`."""
    _answer_wait(contract_id, milestone_id, "submission", "terminated")


def _start_workflow(contract_id: str, milestone: contracts_repo.Milestone) -> None:
    overdue = seconds_until_overdue(milestone.due_date, now())
    settings = get_settings()
    workflow.start(contract_id, milestone.id, settings.review_window_seconds, overdue, settings.qc_review_seconds)


def parked_token(contract_id: str, milestone_id: str) -> tokens_repo.Token | None:
    return tokens_repo.parked(contract_id, milestone_id)


def _reload(contract_id: str, milestone_id: str) -> contracts_repo.Milestone | None:
    for milestone in contracts_repo.milestones(contract_id):
        if milestone.id == milestone_id:
            return milestone
    return None


# --- commands -------------------------------------------------------------------------


def fund_milestone(actor: Actor, contract_id: str, milestone_id: str, source: str) -> Funding:
    """Fund a milestone; with a gateway that settles later (Stripe) a card funding leaves it `pending`."""
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role != "customer":
        raise Forbidden("only the customer funds milestones")
    CONTRACT.next(ContractStatus(contract.status), "fund")
    milestone = _find(milestones, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "fund")
    money = _money(milestone)
    if source == "card":
        return _fund_by_card(contract, milestones, milestone, money, str(actor.profile_id))
    if source != "wallet":
        raise ValidationFailed("source must be wallet or card", [{"field": "source", "message": "wallet|card"}])
    milestone.funding_source = source
    contract.funded_total = int(contract.funded_total) + money.amount
    try:
        result = _commit(
            Change(
                contract,
                milestone,
                str(actor.profile_id),
                "fund",
                steps,
                ledger.fund_from_wallet(contract.customer_id, contract.id, money),
                "MilestoneFunded",
                {"amount": money.to_json(), "source": source},
            ),
            milestones,
        )
    except Conflict as lost:
        raise _wallet_refusal(contract, milestone, money, lost) from None
    _start_workflow(contract.id, milestone)
    return Funding(result)


def _wallet_refusal(
    contract: contracts_repo.Contract, milestone: contracts_repo.Milestone, money: Money, lost: Conflict
) -> Conflict | BusinessRuleViolated:
    """Why a wallet funding's commit failed, read only then: the debit is conditional on the balance, so
    nothing is read before the commit. The contract or milestone moved meanwhile: a lost race (`lost`,
    409), as before; otherwise a wallet that does not cover the milestone (422, with what it holds).
    """
    now = contracts_repo.partition(contract.id)
    stored = next((m for m in now.milestones if m.id == milestone.id), None) if now is not None else None
    if now is None or stored is None or (now.contract.version, stored.version) != (contract.version, milestone.version):
        return lost
    available = ledger_repo.balance(ledger.wallet(contract.customer_id), money.currency)
    if available >= money.amount:
        return lost
    return BusinessRuleViolated(
        f"your wallet holds {available} {money.currency} minor units; the milestone needs {money.amount}",
        [{"field": "source", "message": "insufficient funds"}],
    )


def _fund_by_card(
    contract: contracts_repo.Contract,
    milestones: list[contracts_repo.Milestone],
    milestone: contracts_repo.Milestone,
    money: Money,
    actor: str,
) -> Funding:
    """A gateway that settles at once (sandbox) funds now; Stripe gets a PaymentIntent and funds on its webhook."""
    from chalicelib.services import payments

    port = gateway()
    if not port.settles_at_once:
        return Funding(milestone, payments.open_milestone_payment(port, contract, milestone, money))
    charge = port.charge(
        money,
        f"{contract.id}/{milestone.id}",
        f"fund-{milestone.id}",
        metadata=payments.milestone_metadata(contract, milestone),
        transfer_group=contract.id,
    )
    if charge.status != "succeeded":
        raise BusinessRuleViolated("the card payment did not complete")
    payment = payments.new_payment(charge, "milestone", contract.customer_id, money, contract, milestone)
    funded = commit_card_payment(payment, money, actor, [], (contract, milestones))
    if funded is None:
        raise Conflict("the milestone changed meanwhile; reload and retry")
    return Funding(funded)


def commit_card_payment(
    payment: payments_repo.Payment,
    received: Money,
    actor: str,
    writes: list[Write],
    loaded: tuple[contracts_repo.Contract, list[contracts_repo.Milestone]] | None = None,
) -> contracts_repo.Milestone | None:
    """A card payment for a milestone succeeded: the escrow takes it and the milestone is `funded`, once.

    The one commit path for card funding: the sandbox calls it at once, the Stripe webhook when
    `payment_intent.succeeded` arrives. The payment item (version-checked), the clearing reference and
    `writes` (e.g. the webhook event record) commit in the same transaction as the milestone, so a
    replayed or concurrent delivery loses the race and changes nothing. Returns None, writing nothing,
    when the milestone no longer waits for this money (the caller credits the wallet instead).
    """
    from chalicelib.services import payments

    contract, milestones = loaded if loaded is not None else _load_for_payment(payment)
    milestone = next((m for m in milestones if m.id == payment.milestone_id), None)
    if contract is None or milestone is None or milestone.status != MilestoneStatus.PENDING.value:
        return None
    if received != _money(milestone) or contract.status != ContractStatus.ACTIVE.value:
        return None
    steps = path(MilestoneStatus.PENDING, "fund")
    milestone.funding_source = "card"
    contract.funded_total = int(contract.funded_total) + received.amount
    payments.settled(payment, received, ledger.escrow(contract.id))
    result = _commit(
        Change(
            contract,
            milestone,
            actor,
            "fund",
            steps,
            ledger.fund_from_card(contract.id, received, payment.gateway),
            "MilestoneFunded",
            {"amount": received.to_json(), "source": "card", "paymentId": payment.id},
            [payments.save_payment(payment), payments.clearing_ref(payment.gateway, payment.id, "fund"), *writes],
        ),
        milestones,
    )
    _start_workflow(contract.id, milestone)
    return result


def _load_for_payment(
    payment: payments_repo.Payment,
) -> tuple[contracts_repo.Contract | None, list[contracts_repo.Milestone]]:
    found = contracts_repo.partition(payment.contract_id) if payment.contract_id else None
    return (found.contract, found.milestones) if found is not None else (None, [])


def freeze_for_card_dispute(
    payment: payments_repo.Payment, info: dict[str, Any], actor: str, writes: list[Write]
) -> str:
    """`charge.dispute.created` on a milestone's card payment: freeze its escrow and open a dispute for admins.

    Under review, the milestone is disputed at once (the admin splits it as any dispute). Funded or
    sent back for revision, it is marked frozen and listed with the open disputes; its next submission
    goes straight to `disputed`, so the money can only move by an admin's resolution. Released or
    resolved money is gone from the escrow: returns without a change (the caller records it for admins).
    """
    contract, milestones = _load_for_payment(payment)
    milestone = next((m for m in milestones if m.id == payment.milestone_id), None)
    if contract is None or milestone is None:
        return "no milestone"
    status = MilestoneStatus(milestone.status)
    at = iso()
    dispute = {
        "openedBy": "cardholder",
        "byId": None,
        "reason": f"card dispute {info.get('id')}: {info.get('reason') or 'no reason given'}",
        "at": at,
        "frozen": True,
        "cardDispute": info,
    }
    data = {"reason": dispute["reason"], "openedBy": "cardholder", "amount": _money(milestone).to_json()}
    event_type: str | None = "DisputeOpened"
    if status == MilestoneStatus.UNDER_REVIEW:
        steps = path(status, "dispute")
        outcome = "milestone disputed"
    elif status in (MilestoneStatus.FUNDED, MilestoneStatus.REVISION_REQUESTED):
        steps = []
        outcome = "escrow frozen"
    elif status == MilestoneStatus.DISPUTED:
        dispute = (milestone.dispute or {}) | {"frozen": True, "cardDispute": info}
        steps = []
        outcome = "already disputed"
        event_type = None
    else:
        return f"not frozen: milestone {status.value}"
    milestone.dispute = dispute
    if status != MilestoneStatus.DISPUTED:
        contracts_repo.list_dispute(milestone, at)
    milestone.review_deadline = None if status == MilestoneStatus.UNDER_REVIEW else milestone.review_deadline
    _commit(Change(contract, milestone, actor, "card_dispute", steps, None, event_type, data, writes), milestones)
    if steps:
        _answer_wait(contract.id, milestone.id, "decision", "disputed")
    return outcome


def _frozen(milestone: contracts_repo.Milestone) -> bool:
    return bool(milestone.dispute and milestone.dispute.get("frozen"))


def submit(
    actor: Actor, contract_id: str, milestone_id: str, upload_ids: list[str], note: str | None
) -> contracts_repo.Milestone:
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role != "provider":
        raise Forbidden("only the provider submits work")
    milestone = _find(milestones, milestone_id)
    is_frozen = _frozen(milestone)  # a card dispute froze the escrow: the work goes to the admins, not the customer
    # a hub contract's work stops at the hub admins, a reviewed one's at quality control (services/gates.py)
    gate = NO_GATE if is_frozen else gate_for(bool(contract.hub), bool(contract.reviewer_id))
    moves = ("review", "dispute") if is_frozen else gate_moves(gate)
    steps = path(MilestoneStatus(milestone.status), "submit", *moves)
    used = {f["uploadId"] for s in milestone.submissions or [] for f in s["files"]}
    files = []
    for upload_id in dict.fromkeys(upload_ids):
        if upload_id in used:
            raise BusinessRuleViolated(f"upload {upload_id} was already submitted; upload the new version")
        upload, _ = uploads.claim_file(actor, upload_id, Purpose.DELIVERABLE)
        files.append(uploads.freeze(upload, f"deliverables/{contract.id}/{milestone.id}/{upload.id}/{upload.filename}"))
    at = now()
    deadline = at + timedelta(seconds=get_settings().review_window_seconds)
    note, screened = text_safety.for_milestone_text(
        "milestone.submission.note", note, actor.require_profile(), contract.id, milestone.id
    )
    milestone.submissions = [*(milestone.submissions or []), {"files": files, "note": note, "at": iso(at)}]
    milestone.review_deadline = None if is_frozen or gate != NO_GATE else iso(deadline)  # gated: starts later
    if gate == HUB:
        quality_repo.list_hub_review(milestone, iso(at))
    result = _commit(
        Change(
            contract,
            milestone,
            str(actor.profile_id),
            "submit",
            steps,
            None,
            "MilestoneSubmitted",
            # the hub checks a hub contract's work before the company hears of it (SubmissionForwarded)
            {"files": len(files)} | ({"recipients": [contract.provider_id]} if gate == HUB else {}),
            [screened.staged(iso(at))],
        ),
        milestones,
    )
    _answer_wait(contract.id, milestone.id, "submission", "submitted", gate=gate)
    return result


def _release_posting(contract: contracts_repo.Contract, milestone: contracts_repo.Milestone) -> ledger.Posting:
    money = _money(milestone)
    contract.released_total = int(contract.released_total) + money.amount
    return ledger.release(contract.id, contract.provider_id, money, int(contract.commission_bps))


def accept(actor: Actor, contract_id: str, milestone_id: str) -> contracts_repo.Milestone:
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role != "customer":
        raise Forbidden("only the customer accepts work")
    milestone = _find(milestones, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "accept", "release")
    posting = _release_posting(contract, milestone)
    result = _commit(
        Change(
            contract,
            milestone,
            str(actor.profile_id),
            "accept",
            steps,
            posting,
            "MilestoneReleased",
            _release_data(posting),
        ),
        milestones,
    )
    _answer_wait(contract.id, milestone.id, "decision", "accepted")
    return result


def _release_data(posting: ledger.Posting) -> dict[str, Any]:
    fee = sum(leg.amount for leg in posting.legs if leg.account == ledger.REVENUE)
    released = -sum(leg.amount for leg in posting.legs if leg.account.startswith("escrow:"))
    currency = posting.legs[0].currency
    return {"amount": {"amount": released, "currency": currency}, "commission": {"amount": fee, "currency": currency}}


def auto_accept(contract_id: str, milestone_id: str) -> contracts_repo.Milestone | None:
    """The review window ran out: the workflow asks for release without the customer."""
    found = contracts_repo.partition(contract_id)
    if found is None:
        return None
    contract, milestones = found.contract, found.milestones
    milestone = next((m for m in milestones if m.id == milestone_id), None)
    if milestone is None or milestone.status != MilestoneStatus.UNDER_REVIEW.value:
        return None  # decided meanwhile
    steps = path(MilestoneStatus(milestone.status), "auto_accept", "release")
    posting = _release_posting(contract, milestone)
    try:
        return _commit(
            Change(
                contract,
                milestone,
                SYSTEM,
                "auto_accept",
                steps,
                posting,
                "MilestoneReleased",
                _release_data(posting) | {"auto": True},
            ),
            milestones,
        )
    except Conflict:
        return None  # the customer decided in the same instant; their decision stands


def mark_overdue(contract_id: str, milestone_id: str) -> bool:
    """The first submission wait ran past the due date: tell both parties, once (False: nothing to tell)."""
    found = contracts_repo.partition(contract_id)
    if found is None:
        return False
    milestone = next((m for m in found.milestones if m.id == milestone_id), None)
    if milestone is None or milestone.overdue_notified_at:
        return False
    if not is_overdue(milestone.status, milestone.due_date, now()):
        return False  # delivered meanwhile (or the clock of the workflow ran ahead of ours)
    milestone.overdue_notified_at = iso()
    change = Change(
        found.contract, milestone, SYSTEM, "overdue", [], None, "MilestoneOverdue", {"dueDate": milestone.due_date}
    )
    try:
        _commit(change, found.milestones)
    except Conflict:
        return False  # the milestone moved in the same instant; a redelivered message looks again
    return True


def request_revision(actor: Actor, contract_id: str, milestone_id: str, reason: str) -> contracts_repo.Milestone:
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role != "customer":
        raise Forbidden("only the customer requests revisions")
    milestone = _find(milestones, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "request_revision")
    shown, screened = text_safety.for_milestone_text(
        "milestone.revision.reason", reason, actor.require_profile(), contract.id, milestone.id
    )
    reason = shown or reason
    milestone.revisions = [*(milestone.revisions or []), {"reason": reason, "at": iso()}]
    milestone.review_deadline = None
    result = _commit(
        Change(
            contract,
            milestone,
            str(actor.profile_id),
            "request_revision",
            steps,
            None,
            "RevisionRequested",
            {"reason": reason},
            [screened.staged(iso())],
        ),
        milestones,
    )
    _answer_wait(contract.id, milestone.id, "decision", "revision")
    return result


def dispute(
    actor: Actor, contract_id: str, milestone_id: str, reason: str, evidence: Sequence[str] = ()
) -> contracts_repo.Milestone:
    """Either party disputes work under review; the customer also work never delivered (`disputes.kind_of`)."""
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise Forbidden("only the parties open disputes")
    milestone = _find(milestones, milestone_id)
    status = MilestoneStatus(milestone.status)
    steps = path(status, "dispute")
    kind = disputes.kind_of(role, status)
    files = disputes.copy_evidence(actor, contract.id, milestone, evidence)
    at = iso()
    shown, screened = text_safety.for_milestone_text(
        "milestone.dispute.reason", reason, actor.require_profile(), contract.id, milestone.id
    )
    reason = shown or reason
    # merged: a card dispute's freeze (`frozen`, `cardDispute`) on a funded milestone stays on the record
    milestone.dispute = (milestone.dispute or {}) | {
        "kind": kind,
        "openedBy": role,
        "byId": actor.profile_id,
        "reason": reason,
        "at": at,
    }
    if files:
        milestone.evidence = [*(milestone.evidence or []), disputes.entry(role, actor.profile_id, None, files, at)]
    contracts_repo.list_dispute(milestone, at)
    milestone.review_deadline = None
    result = _commit(
        Change(
            contract,
            milestone,
            str(actor.profile_id),
            "dispute",
            steps,
            None,
            "DisputeOpened",
            {"reason": reason, "openedBy": role, "amount": _money(milestone).to_json(), "kind": kind},
            [screened.staged(at)],
        ),
        milestones,
    )
    # the workflow waits for a submission (non-delivery) or for the customer's decision (quality)
    _answer_wait(contract.id, milestone.id, "submission" if kind == disputes.NON_DELIVERY else "decision", "disputed")
    return result


def open_disputes(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Admin: the disputed milestones waiting for a split, oldest first."""
    actor.require_admin()
    return contracts_repo.open_disputes(limit, cursor)


def resolve(
    actor: Actor, contract_id: str, milestone_id: str, release: Money, refund: Money, note: str | None
) -> contracts_repo.Milestone:
    actor.require_admin()
    found = contracts_repo.partition(contract_id)
    if found is None:
        raise NotFound("no such contract")
    contract, milestones = found.contract, found.milestones
    milestone = _find(milestones, milestone_id)
    steps = path(MilestoneStatus(milestone.status), "resolve")
    escrowed = _money(milestone)
    if release.currency != escrowed.currency or refund.currency != escrowed.currency:
        raise BusinessRuleViolated(f"the escrow is in {escrowed.currency}")
    negative = [name for name, part in (("releaseAmount", release), ("refundAmount", refund)) if part.amount < 0]
    if negative:
        raise BusinessRuleViolated(
            "a split only divides the escrowed money: neither part may be negative",
            [{"field": name, "message": "must not be negative"} for name in negative],
        )
    if release.amount + refund.amount != escrowed.amount:
        raise BusinessRuleViolated(
            f"releaseAmount + refundAmount must equal the escrowed {escrowed.amount}",
            [{"field": "releaseAmount", "message": "sum must equal the escrowed amount"}],
        )
    posting = ledger.split(
        contract.id, contract.provider_id, contract.customer_id, release, refund, int(contract.commission_bps)
    )
    contract.released_total = int(contract.released_total) + release.amount
    contract.refunded_total = int(contract.refunded_total) + refund.amount
    milestone.resolution = {
        "release": release.to_json(),
        "refund": refund.to_json(),
        "note": note,
        "by": actor.sub,
        "at": iso(),
    }
    contracts_repo.unlist_dispute(milestone)
    result = _commit(
        Change(
            contract,
            milestone,
            f"admin:{actor.sub}",
            "resolve",
            steps,
            posting,
            "DisputeResolved",
            {"release": release.to_json(), "refund": refund.to_json()},
        ),
        milestones,
    )
    _answer_wait(contract.id, milestone.id, "resolution", "resolved")
    return result


# --- the workflow's side ----------------------------------------------------------------

# What a wait's outcome is when the milestone has already moved past it.
_OUTCOMES: dict[str, dict[MilestoneStatus, str]] = {
    "submission": {  # past the wait: submitted, or the contract was terminated (refunded, cancelled)
        s: "terminated" if s in (MilestoneStatus.REFUNDED, MilestoneStatus.CANCELLED) else "submitted"
        for s in MilestoneStatus
        if s not in WAITS["submission"] and s != MilestoneStatus.PENDING
    },
    "decision": {
        MilestoneStatus.ACCEPTED: "accepted",
        MilestoneStatus.RELEASED: "accepted",
        MilestoneStatus.REVISION_REQUESTED: "revision",
        MilestoneStatus.HUB_REVIEW: "revision",  # sent back and resubmitted since: on through the next submission
        MilestoneStatus.QC_REVIEW: "revision",
        MilestoneStatus.DISPUTED: "disputed",
        MilestoneStatus.RESOLVED: "disputed",
    },
    "resolution": {MilestoneStatus.RESOLVED: "resolved"},
    "hub_review": {  # past the hub: forwarded (on to QC or the customer) or returned to the provider
        s: "returned" if s == MilestoneStatus.REVISION_REQUESTED else "forwarded"
        for s in (
            MilestoneStatus.QC_REVIEW,
            MilestoneStatus.UNDER_REVIEW,
            MilestoneStatus.REVISION_REQUESTED,
            MilestoneStatus.ACCEPTED,
            MilestoneStatus.RELEASED,
            MilestoneStatus.DISPUTED,
            MilestoneStatus.RESOLVED,
        )
    },
    "qc_review": {  # past quality control: approved on to the customer, or rejected back to the provider
        s: "rejected" if s in (MilestoneStatus.REVISION_REQUESTED, MilestoneStatus.HUB_REVIEW) else "approved"
        for s in (
            MilestoneStatus.UNDER_REVIEW,
            MilestoneStatus.REVISION_REQUESTED,
            MilestoneStatus.HUB_REVIEW,  # rejected and resubmitted to the hub since
            MilestoneStatus.ACCEPTED,
            MilestoneStatus.RELEASED,
            MilestoneStatus.DISPUTED,
            MilestoneStatus.RESOLVED,
        )
    },
}
# Outcomes that lead on to a gate also name it: the workflow chooses its next wait by where the milestone is now.
_GATED = {("submission", "submitted"), ("hub_review", "forwarded")}


def park_token(contract_id: str, milestone_id: str, wait: str, token: str) -> str:
    """The workflow is waiting: keep its token, or answer at once if the step already happened.

    The token is written only while the milestone is still in the waiting status (a condition check in the
    same transaction); a command that commits first makes the check fail, and we answer instead.
    """
    for _ in range(5):
        milestone = _reload(contract_id, milestone_id)
        if milestone is None:
            return "unknown milestone"
        status = MilestoneStatus(milestone.status)
        if status in WAITS.get(wait, frozenset()):
            at = iso()
            try:
                with unit_of_work() as uow:
                    contracts_repo.require_milestone_status(uow, milestone, status.value)
                    tokens_repo.park(uow, contract_id, milestone_id, wait, token, at)
                return "parked"
            except Conflict:
                continue  # the milestone moved while we wrote: look again
        outcome = _OUTCOMES.get(wait, {}).get(status)
        if wait == "submission" and disputes.is_non_delivery(milestone):
            outcome = "disputed"  # disputed (or resolved since) with no delivery: on to the resolution wait
        if outcome is None:
            return f"ignored: {wait} while {status.value}"
        answer = {"outcome": outcome} | ({"gate": gate_of(status)} if (wait, outcome) in _GATED else {})
        workflow.succeed(token, answer)
        return f"answered {outcome}"
    return "gave up after 5 races"


def execution_arn(contract_id: str, milestone_id: str) -> str:
    return get_settings().state_machine_arn.replace(":stateMachine:", ":execution:") + f":{contract_id}-{milestone_id}"


def deliverable_url(actor: Actor, contract_id: str, milestone_id: str, upload_id: str) -> dict[str, Any]:
    _, milestones, role = load(actor, contract_id)
    milestone = _find(milestones, milestone_id)
    submissions = list(milestone.submissions or [])
    if role == "customer" and milestone.status == MilestoneStatus.HUB_REVIEW.value:
        submissions = submissions[:-1]  # the hub has not forwarded the latest work to the company yet
    for submission in submissions:
        for file in submission["files"]:
            if file["uploadId"] == upload_id:
                public = {k: v for k, v in file.items() if k != "key"}
                return public | {"url": file_store.presigned_get(file["key"], file["filename"])}
    raise NotFound("no such deliverable")
