"""Quality control on moto with the real milestone workflow: a reviewer rejects, then approves; the review window
starts at the approval; an unanswered review escalates to the admins; the reviewer's fee is paid once.

`expenses:qc` is shared by the session, so it is read as a change around each step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import ledger_repo, threads_repo, workflow
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, NotFound
from chalicelib.handlers import views
from chalicelib.handlers.consumers import CALLBACKS_QUEUE
from chalicelib.services import audit, contracts, disputes, escrow, gates, threads
from chalicelib.services.identity import Actor
from scripts import pump
from tests.integration.conftest import workflow_waits
from tests.integration.market import ADMIN, entered_states, person, place_bid, put_file, race

EUR = "EUR"
FEE_BPS = 300  # the default qc_fee_bps


def _eur(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def _qc_contract(amount: int = 100000) -> tuple[Actor, Actor, Any, Any]:
    """A signed contract whose customer asked for quality control at posting, one milestone funded."""
    from chalicelib.domain.money import Money
    from chalicelib.domain.tasks import NewTask
    from chalicelib.services import tasks, wallet

    customer, provider = person("customer"), person("provider")
    new = NewTask(
        "Checked work",
        "With a second expert.",
        "data-engineering",
        ("python",),
        Money(amount, EUR),
        quality_review=True,
    )
    task = tasks.create_task(customer, new)
    tasks.submit_task(customer, task.id)
    tasks.review_task(ADMIN, task.id, "approve", None)
    bid = place_bid(provider, task.id, (amount,))
    contract, _ = contracts.award(customer, bid.id)
    contracts.sign(customer, contract.id)
    contract, (milestone,) = contracts.sign(provider, contract.id)
    wallet.deposit(customer, Money(amount, EUR))
    escrow.fund_milestone(customer, contract.id, milestone.id, "wallet")
    return customer, provider, contract, milestone


def _status(actor: Actor, contract_id: str) -> str:
    return str(contracts.load(actor, contract_id)[1][0].status)


def _entered(arn: str, state: str) -> datetime:
    (event,) = [
        e
        for e in workflow.history(arn)
        if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] == state
    ]
    stamp: datetime = event["timestamp"]
    return stamp


def test_a_reviewer_rejects_then_approves_and_the_review_window_starts_at_approval(aws: dict[str, str]) -> None:
    customer, provider, contract, milestone = _qc_contract()
    cid, mid = contract.id, milestone.id
    queued = [item.contract_id for item in gates.unassigned(ADMIN, 100, None).items]
    assert cid in queued  # the task asked for QC: the admins see it waiting for a reviewer

    reviewer = person("provider")
    ranked = gates.reviewer_candidates(ADMIN, cid, "provider", 100)
    assert reviewer.profile_id in [c.profile.id for c in ranked]
    assert provider.profile_id not in [c.profile.id for c in ranked]  # a party never reviews its own contract
    with pytest.raises(BusinessRuleViolated):
        gates.assign_reviewer(ADMIN, cid, str(provider.profile_id))
    with pytest.raises(BusinessRuleViolated):
        gates.assign_reviewer(ADMIN, cid, str(person("provider", verified=False).profile_id))
    gates.assign_reviewer(ADMIN, cid, str(reviewer.profile_id))
    assert cid not in [item.contract_id for item in gates.unassigned(ADMIN, 100, None).items]

    # the reviewer: in the thread as a member, the contract in their list, a narrow view of it
    thread = threads.contract_thread(reviewer, cid)
    assert reviewer.profile_id in thread.member_ids
    assert threads.role_in(reviewer, thread) == "reviewer"
    (mine,) = [c for c in contracts.mine(reviewer, 50, None).items if c.id == cid]
    assert views.my_role(mine, reviewer.profile_id) == "reviewer"
    seen = views.reviewed_contract(*contracts.load(reviewer, cid)[:2])
    assert "escrow" not in seen and "customerId" not in seen and "amount" not in seen["milestones"][0]
    with pytest.raises(NotFound):
        audit.trail(reviewer, cid)

    workflow_waits(cid, mid, "submission")
    first = put_file(provider, "deliverable")
    submitted = escrow.submit(provider, cid, mid, [first], "v1")
    assert (submitted.status, submitted.review_deadline) == ("qc_review", None)  # the customer's clock is not running
    workflow_waits(cid, mid, "qc_review")
    assert escrow.deliverable_url(reviewer, cid, mid, first)["url"]  # the reviewer reads the work
    with pytest.raises(Forbidden):
        gates.qc_approve(customer, cid, mid)  # a party does not pass its own work
    with pytest.raises(NotFound):
        gates.qc_approve(person("provider"), cid, mid)  # another provider learns nothing
    with pytest.raises(Conflict):
        escrow.accept(customer, cid, mid)  # not the customer's to decide yet

    expenses, earned = _eur(ledger.QC_FEES), _eur(ledger.wallet(str(reviewer.profile_id)))
    rejected = gates.qc_reject(reviewer, cid, mid, "The tests are missing")
    assert rejected.status == "revision_requested"
    assert rejected.revisions[-1]["by"] == "qc" and rejected.revisions[-1]["reason"] == "The tests are missing"
    fee = 100000 * FEE_BPS // 10000
    assert _eur(ledger.wallet(str(reviewer.profile_id))) - earned == fee
    assert _eur(ledger.QC_FEES) - expenses == -fee  # the platform's cost, nothing of the escrow

    workflow_waits(cid, mid, "submission")
    escrow.submit(provider, cid, mid, [put_file(provider, "deliverable")], "v2")
    workflow_waits(cid, mid, "qc_review")
    approved_at = datetime.now().astimezone()
    approved = gates.qc_approve(reviewer, cid, mid)
    assert approved.status == "under_review"
    deadline = datetime.fromisoformat(str(approved.review_deadline).replace("Z", "+00:00"))
    window = timedelta(seconds=escrow.get_settings().review_window_seconds)
    assert approved_at + window - timedelta(seconds=5) <= deadline <= approved_at + window + timedelta(seconds=5)
    workflow_waits(cid, mid, "decision")
    arn = escrow.execution_arn(cid, mid)
    assert _entered(arn, "AwaitDecision") >= approved_at - timedelta(seconds=1)  # the workflow's window: from now

    provider_before = _eur(ledger.wallet(str(provider.profile_id)))
    escrow.accept(customer, cid, mid)
    assert _eur(ledger.wallet(str(provider.profile_id))) - provider_before == 90000  # less commission, no QC fee
    assert _eur(ledger.wallet(str(reviewer.profile_id))) - earned == 2 * fee  # one fee per decision
    assert _eur(ledger.escrow(cid)) == 0
    pump.settle(lambda: workflow.status(arn), done=lambda s: s == "SUCCEEDED", queues=[CALLBACKS_QUEUE])
    assert entered_states(arn) == [
        "AwaitSubmission",
        "RouteSubmission",
        "AwaitQcReview",
        "RouteQc",
        "AwaitNextSubmission",
        "RouteSubmission",
        "AwaitQcReview",
        "RouteQc",
        "AwaitDecision",
        "RouteDecision",
        "Released",
    ]


def test_an_unanswered_review_escalates_to_the_admins_who_decide(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    short = escrow.get_settings().model_copy(update={"qc_review_seconds": 2})
    monkeypatch.setattr(escrow, "get_settings", lambda: short)
    customer, provider, contract, milestone = _qc_contract(50000)
    cid, mid = contract.id, milestone.id
    reviewer = person("provider")
    gates.assign_reviewer(ADMIN, cid, str(reviewer.profile_id))
    workflow_waits(cid, mid, "submission")
    escrow.submit(provider, cid, mid, [put_file(provider, "deliverable")], None)

    overdue = pump.settle(  # the QC wait times out: EscalateQc's message lists the review for the admins
        lambda: [m.id for m in gates.overdue(ADMIN, 100, None).items],
        done=lambda ids: mid in ids,
        what="the QC review to be listed overdue",
        queues=[CALLBACKS_QUEUE],
    )
    assert mid in overdue
    arn = escrow.execution_arn(cid, mid)
    pump.settle(
        lambda: entered_states(arn),
        done=lambda states: "AwaitQcReviewEscalated" in states,
        queues=[CALLBACKS_QUEUE],
    )
    assert entered_states(arn)[-3:] == ["AwaitQcReview", "EscalateQc", "AwaitQcReviewEscalated"]
    assert gates.escalate_qc(cid, mid) is False  # a redelivered escalation lists nothing twice
    workflow_waits(cid, mid, "qc_review")
    assert _status(customer, cid) == "qc_review"

    expenses = _eur(ledger.QC_FEES)
    approved = gates.qc_approve(ADMIN, cid, mid)  # the admin decides in the reviewer's place: no fee
    assert approved.status == "under_review"
    assert _eur(ledger.QC_FEES) == expenses
    assert mid not in [m.id for m in gates.overdue(ADMIN, 100, None).items]
    workflow_waits(cid, mid, "decision")
    assert entered_states(arn)[-3:] == ["AwaitQcReviewEscalated", "RouteQc", "AwaitDecision"]


def test_two_approvals_at_once_pay_one_fee(aws: dict[str, str]) -> None:
    _, provider, contract, milestone = _qc_contract(80000)
    cid, mid = contract.id, milestone.id
    reviewer = person("provider")
    gates.assign_reviewer(ADMIN, cid, str(reviewer.profile_id))
    escrow.submit(provider, cid, mid, [put_file(provider, "deliverable")], None)
    expenses = _eur(ledger.QC_FEES)

    results, errors = race(lambda: gates.qc_approve(reviewer, cid, mid), lambda: gates.qc_approve(reviewer, cid, mid))

    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    fee = 80000 * FEE_BPS // 10000
    assert _eur(ledger.wallet(str(reviewer.profile_id))) == fee
    assert _eur(ledger.QC_FEES) - expenses == -fee  # the two legs of the one posting sum to zero


def test_the_reviewer_reads_no_evidence_and_a_replaced_reviewer_leaves_the_thread(aws: dict[str, str]) -> None:
    customer, _, contract, milestone = _qc_contract(30000)
    first, second = person("provider"), person("provider")
    gates.assign_reviewer(ADMIN, contract.id, str(first.profile_id))
    evidence = put_file(customer, "evidence")
    escrow.dispute(customer, contract.id, milestone.id, "Nothing delivered", [evidence])
    with pytest.raises(NotFound):
        disputes.evidence_url(first, contract.id, milestone.id, evidence)
    gates.assign_reviewer(ADMIN, contract.id, str(second.profile_id))
    thread = threads_repo.find(threads_repo.of_contract(contract.id))
    assert thread is not None
    assert second.profile_id in thread.member_ids and first.profile_id not in thread.member_ids
    with pytest.raises(NotFound):
        threads.contract_thread(first, contract.id)
    posted, _ = threads.post_message(second, thread.id, "I will check the deliverables.", [])
    assert posted.sender_role == "reviewer"
    assert [c.id for c in contracts.mine(second, 50, None).items].count(contract.id) == 1
    assert contract.id not in [c.id for c in contracts.mine(first, 50, None).items]
