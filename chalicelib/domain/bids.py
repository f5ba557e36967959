"""Bid lifecycle and the rule that a bid's milestones add up to its price."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.lifecycle import Lifecycle
from chalicelib.domain.money import Money, total


class BidStatus(StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    LOST = "lost"
    CLOSED = "closed"  # its task was cancelled before any award


BID = Lifecycle[BidStatus](
    "bid",
    {
        BidStatus.SUBMITTED: {
            "shortlist": BidStatus.SHORTLISTED,
            "reject": BidStatus.REJECTED,
            "withdraw": BidStatus.WITHDRAWN,
            "award": BidStatus.AWARDED,
            "lose": BidStatus.LOST,
            "close": BidStatus.CLOSED,
            "remark": BidStatus.SUBMITTED,
        },
        BidStatus.SHORTLISTED: {
            "reject": BidStatus.REJECTED,
            "withdraw": BidStatus.WITHDRAWN,
            "award": BidStatus.AWARDED,
            "lose": BidStatus.LOST,
            "close": BidStatus.CLOSED,
            "remark": BidStatus.SHORTLISTED,
        },
        BidStatus.REJECTED: {"remark": BidStatus.REJECTED},
    },
)


@dataclass(frozen=True)
class PlannedMilestone:
    """One milestone as a bid proposes it; the contract copies it at award."""

    title: str
    amount: Money
    due_date: date
    acceptance_criteria: str | None = None


@dataclass(frozen=True)
class NewBid:
    """A provider's bid on a task: the milestones add up to the price (check_milestones_sum)."""

    price: Money
    proposal: str
    duration_days: int
    milestones: tuple[PlannedMilestone, ...]


# Bids that still compete for the task (and block a second bid by the same provider).
LIVE = frozenset({BidStatus.SUBMITTED, BidStatus.SHORTLISTED})


def check_milestones_sum(price: Money, milestone_amounts: list[Money]) -> None:
    if not milestone_amounts:
        raise ValidationFailed(
            "a bid needs at least one milestone",
            [{"field": "milestones", "message": "at least one milestone"}],
        )
    for index, amount in enumerate(milestone_amounts):
        if amount.currency != price.currency:
            raise ValidationFailed(
                "milestone currency differs from the bid price",
                [{"field": f"milestones.{index}.amount.currency", "message": f"must be {price.currency}"}],
            )
    summed = total(milestone_amounts, price.currency)
    if summed != price:
        raise ValidationFailed(
            f"milestones add up to {summed.amount}, the price is {price.amount}",
            [{"field": "milestones", "message": "amounts must add up to price.amount"}],
        )
