"""What termination does to each milestone, and which contracts may end: pure rules, no AWS."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.domain import ledger
from chalicelib.domain.contracts import CONTRACT, ContractStatus, termination_moves
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.milestones import MilestoneStatus as M
from chalicelib.domain.money import Money


@dataclass
class Milestone:
    id: str
    status: str
    title: str = "Part"


def test_unfunded_are_cancelled_undelivered_refunded_and_ended_ones_stay() -> None:
    milestones = [
        Milestone("a", M.PENDING),
        Milestone("b", M.FUNDED),
        Milestone("c", M.REVISION_REQUESTED),
        Milestone("d", M.RELEASED),
        Milestone("e", M.RESOLVED),
        Milestone("f", M.CANCELLED),
        Milestone("g", M.REFUNDED),
    ]
    assert termination_moves(milestones) == {"a": "cancel", "b": "refund", "c": "refund"}


@pytest.mark.parametrize("status", [M.SUBMITTED, M.UNDER_REVIEW, M.ACCEPTED, M.DISPUTED])
def test_work_waiting_for_a_decision_blocks_and_is_named(status: M) -> None:
    with pytest.raises(Conflict) as refused:
        termination_moves([Milestone("a", M.FUNDED), Milestone("b", status, "Build")])
    assert '"Build" (b)' in refused.value.detail and status.value in refused.value.detail


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (ContractStatus.DRAFT, True),
        (ContractStatus.ACTIVE, True),
        (ContractStatus.COMPLETED, False),
        (ContractStatus.TERMINATED, False),
    ],
)
def test_draft_and_active_contracts_may_end(status: ContractStatus, allowed: bool) -> None:
    assert CONTRACT.allows(status, "terminate") is allowed


def test_the_refund_posting_moves_escrow_to_the_wallet_and_balances() -> None:
    posting = ledger.termination_refund("k", "cust", Money(700, "EUR"))
    assert posting.kind == "termination_refund"
    assert posting.net() == {("escrow:k", "EUR"): -700, ("wallet:cust", "EUR"): 700}
    with pytest.raises(ValidationFailed):
        ledger.termination_refund("k", "cust", Money(0, "EUR"))
