"""Commission rounding, ledger postings and the milestone table: pure rules, no AWS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import ledger
from chalicelib.domain.commission import commission, rate_for
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.milestones import MILESTONE, SETTLED, MilestoneStatus, path
from chalicelib.domain.money import Money


@pytest.mark.parametrize(
    ("amount", "bps", "fee"),
    [
        (100000, 1000, 10000),  # 1,000.00 at 10 % -> 100.00
        (999, 1000, 100),  # 99.9 rounds half up to 100
        (994, 1000, 99),  # 99.4 rounds down
        (995, 1000, 100),  # exactly half: up
        (1, 1000, 0),
        (5, 1000, 1),  # 0.5 -> 1
        (12345, 0, 0),
        (12345, 250, 309),  # 308.625 -> 309
    ],
)
def test_commission_rounds_half_up_to_the_minor_unit(amount: int, bps: int, fee: int) -> None:
    assert commission(amount, bps) == fee


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=5000))
def test_commission_and_payout_always_add_up(amount: int, bps: int) -> None:
    fee = commission(amount, bps)
    assert 0 <= fee <= amount
    posting = ledger.release("c", "p", Money(amount, "EUR"), bps) if amount else None
    if posting is not None:
        assert sum(leg.amount for leg in posting.legs) == 0
        assert {leg.account: leg.amount for leg in posting.legs}.get("wallet:p") == amount - fee


def test_commission_limits() -> None:
    with pytest.raises(ValidationFailed):
        commission(100, 5001)
    with pytest.raises(ValidationFailed):
        commission(-1, 1000)


def test_per_category_override() -> None:
    assert rate_for("design", 1000, {"design": 500}) == 500
    assert rate_for("data-engineering", 1000, {"design": 500}) == 1000
    assert rate_for(None, 1000, {}) == 1000


def test_unbalanced_postings_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="does not balance"):
        ledger.Posting("broken", (ledger.Leg("a", 5, "EUR"), ledger.Leg("b", -4, "EUR")))
    with pytest.raises(ValidationFailed):
        ledger.Posting("mixed", (ledger.Leg("a", 5, "EUR"), ledger.Leg("b", -5, "USD")))


def test_the_acceptance_example_in_postings() -> None:
    """Deposit 4,000.00; fund 1,000.00 + 1,500.00; release the first; split the second 1,000.00/500.00."""
    postings = [
        ledger.deposit("cust", Money(400000, "EUR"), "sandbox"),
        ledger.fund_from_wallet("cust", "k", Money(100000, "EUR")),
        ledger.fund_from_wallet("cust", "k", Money(150000, "EUR")),
        ledger.release("k", "prov", Money(100000, "EUR"), 1000),
        ledger.split("k", "prov", "cust", Money(100000, "EUR"), Money(50000, "EUR"), 1000),
    ]
    balances: dict[str, int] = {}
    for posting in postings:
        for leg in posting.legs:
            balances[leg.account] = balances.get(leg.account, 0) + leg.amount
    assert balances["wallet:cust"] == 200000
    assert balances["wallet:prov"] == 180000
    assert balances["escrow:k"] == 0
    assert balances[ledger.REVENUE] == 20000
    assert balances["clearing:sandbox"] == -400000
    assert sum(balances.values()) == 0


def test_net_changes_merge_legs_on_the_same_account() -> None:
    posting = ledger.split("k", "same", "same", Money(100, "EUR"), Money(50, "EUR"), 1000)
    assert posting.net()[("wallet:same", "EUR")] == 90 + 50
    assert not ledger.may_go_negative("wallet:x")
    assert ledger.may_go_negative("clearing:sandbox")


def test_milestone_paths() -> None:
    assert path(MilestoneStatus.FUNDED, "submit", "review") == [
        (MilestoneStatus.FUNDED, MilestoneStatus.SUBMITTED),
        (MilestoneStatus.SUBMITTED, MilestoneStatus.UNDER_REVIEW),
    ]
    assert path(MilestoneStatus.UNDER_REVIEW, "accept", "release")[-1][1] == MilestoneStatus.RELEASED
    assert MILESTONE.next(MilestoneStatus.REVISION_REQUESTED, "submit") == MilestoneStatus.SUBMITTED
    assert MILESTONE.next(MilestoneStatus.DISPUTED, "resolve") == MilestoneStatus.RESOLVED
    assert {MilestoneStatus.RELEASED, MilestoneStatus.RESOLVED} == SETTLED


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (MilestoneStatus.PENDING, "submit"),
        (MilestoneStatus.FUNDED, "accept"),
        (MilestoneStatus.RELEASED, "accept"),
        (MilestoneStatus.DISPUTED, "accept"),
        (MilestoneStatus.UNDER_REVIEW, "fund"),
        (MilestoneStatus.RESOLVED, "dispute"),
    ],
)
def test_illegal_milestone_moves_are_conflicts(state: MilestoneStatus, action: str) -> None:
    with pytest.raises(Conflict):
        MILESTONE.next(state, action)
