"""The transition tables: legal moves land where docs/state-machines.md says, illegal ones are 409s."""

from __future__ import annotations

import pytest

from chalicelib.domain.accounts import VERIFICATION, Verification
from chalicelib.domain.bids import BID, LIVE, BidStatus
from chalicelib.domain.errors import Conflict
from chalicelib.domain.tasks import TASK, TaskStatus


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (TaskStatus.DRAFT, "submit", TaskStatus.IN_REVIEW),
        (TaskStatus.IN_REVIEW, "approve", TaskStatus.OPEN),
        (TaskStatus.IN_REVIEW, "request_changes", TaskStatus.CHANGES_REQUESTED),
        (TaskStatus.CHANGES_REQUESTED, "submit", TaskStatus.IN_REVIEW),
        (TaskStatus.OPEN, "award", TaskStatus.AWARDED),
        (TaskStatus.OPEN, "cancel", TaskStatus.CANCELLED),
        (TaskStatus.DRAFT, "cancel", TaskStatus.CANCELLED),
        (TaskStatus.IN_REVIEW, "cancel", TaskStatus.CANCELLED),
        (TaskStatus.CHANGES_REQUESTED, "cancel", TaskStatus.CANCELLED),
    ],
)
def test_task_legal_moves(state: TaskStatus, action: str, expected: TaskStatus) -> None:
    assert TASK.next(state, action) == expected


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (TaskStatus.OPEN, "edit"),
        (TaskStatus.IN_REVIEW, "edit"),
        (TaskStatus.DRAFT, "approve"),
        (TaskStatus.OPEN, "submit"),
        (TaskStatus.AWARDED, "bid"),
        (TaskStatus.CANCELLED, "submit"),
    ],
)
def test_task_illegal_moves_conflict(state: TaskStatus, action: str) -> None:
    with pytest.raises(Conflict) as raised:
        TASK.next(state, action)
    assert raised.value.status == 409
    assert state.value in raised.value.detail


def test_bid_moves() -> None:
    assert BID.next(BidStatus.SUBMITTED, "shortlist") == BidStatus.SHORTLISTED
    assert BID.next(BidStatus.SHORTLISTED, "reject") == BidStatus.REJECTED
    assert BID.next(BidStatus.SUBMITTED, "withdraw") == BidStatus.WITHDRAWN
    for terminal in (BidStatus.WITHDRAWN, BidStatus.LOST, BidStatus.AWARDED):
        with pytest.raises(Conflict):
            BID.next(terminal, "shortlist")
    with pytest.raises(Conflict):
        BID.next(BidStatus.SHORTLISTED, "shortlist")


def test_only_tasks_before_award_can_be_cancelled() -> None:
    """POST /tasks/{id}/cancel: draft, in_review, changes_requested and open; every other state is a 409."""
    cancellable = {s for s in TaskStatus if TASK.allows(s, "cancel")}
    assert cancellable == {TaskStatus.DRAFT, TaskStatus.IN_REVIEW, TaskStatus.CHANGES_REQUESTED, TaskStatus.OPEN}
    for state in set(TaskStatus) - cancellable:
        with pytest.raises(Conflict, match=f"cannot cancel a task that is {state.value}"):
            TASK.next(state, "cancel")


def test_cancelling_closes_only_live_bids() -> None:
    """A cancelled task closes the bids still competing (`LIVE`); a final bid refuses the move."""
    assert {s for s in BidStatus if BID.allows(s, "close")} == set(LIVE)
    assert all(BID.next(s, "close") == BidStatus.CLOSED for s in LIVE)
    with pytest.raises(Conflict):
        BID.next(BidStatus.CLOSED, "withdraw")


def test_verification_moves() -> None:
    assert VERIFICATION.next(Verification.UNVERIFIED, "submit") == Verification.PENDING
    assert VERIFICATION.next(Verification.PENDING, "approve") == Verification.VERIFIED
    assert VERIFICATION.next(Verification.REJECTED, "submit") == Verification.PENDING
    with pytest.raises(Conflict):
        VERIFICATION.next(Verification.VERIFIED, "approve")
    with pytest.raises(Conflict):
        VERIFICATION.next(Verification.PENDING, "submit")
