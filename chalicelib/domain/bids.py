"""Bid lifecycle, the rule that a bid's milestones add up to its price, and negotiation before award."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import BusinessRuleViolated, ValidationFailed
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
    FORWARDED = "forwarded"  # hub mode: an admin passed it on to the task's owner
    DECLINED = "declined"  # hub mode: an admin turned it down; the owner never sees it


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
            # negotiation: the terms change, the status does not
            "edit": BidStatus.SUBMITTED,
            "counter": BidStatus.SUBMITTED,
            "accept_counter": BidStatus.SUBMITTED,
            # hub mode: a bid on a hub task waits in `submitted` for an admin (services/hub.py)
            "forward": BidStatus.FORWARDED,
            "decline": BidStatus.DECLINED,
        },
        # hub mode: a forwarded bid is on the owner's workbench exactly like a submitted one elsewhere
        BidStatus.FORWARDED: {
            "shortlist": BidStatus.SHORTLISTED,
            "reject": BidStatus.REJECTED,
            "withdraw": BidStatus.WITHDRAWN,
            "award": BidStatus.AWARDED,
            "lose": BidStatus.LOST,
            "close": BidStatus.CLOSED,
            "remark": BidStatus.FORWARDED,
            "edit": BidStatus.FORWARDED,
            "counter": BidStatus.FORWARDED,
            "accept_counter": BidStatus.FORWARDED,
        },
        BidStatus.SHORTLISTED: {
            "reject": BidStatus.REJECTED,
            "withdraw": BidStatus.WITHDRAWN,
            "award": BidStatus.AWARDED,
            "lose": BidStatus.LOST,
            "close": BidStatus.CLOSED,
            "remark": BidStatus.SHORTLISTED,
            "edit": BidStatus.SHORTLISTED,
            "counter": BidStatus.SHORTLISTED,
            "accept_counter": BidStatus.SHORTLISTED,
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

    def to_json(self) -> dict[str, Any]:
        """The stored and shown shape (the contract's milestones are copied from it at award)."""
        return {
            "title": self.title,
            "amount": self.amount.to_json(),
            "dueDate": self.due_date.isoformat(),
            "acceptanceCriteria": self.acceptance_criteria,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> PlannedMilestone:
        amount = raw["amount"]
        return cls(
            raw["title"],
            Money(int(amount["amount"]), str(amount["currency"])),
            date.fromisoformat(raw["dueDate"]),
            raw.get("acceptanceCriteria"),
        )


@dataclass(frozen=True)
class NewBid:
    """A provider's bid on a task: the milestones add up to the price (check_milestones_sum)."""

    price: Money
    proposal: str
    duration_days: int
    milestones: tuple[PlannedMilestone, ...]


# Bids that still compete for the task (and block a second bid by the same provider).
LIVE = frozenset({BidStatus.SUBMITTED, BidStatus.FORWARDED, BidStatus.SHORTLISTED})


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


# --- negotiation before award --------------------------------------------------------------------------


class CounterStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # the bid took its terms
    SUPERSEDED = "superseded"  # replaced by a newer counter, or answered by the bidder's edit
    CLOSED = "closed"  # the bid left the negotiation (awarded on its own terms, lost, withdrawn, task cancelled)


class Move(StrEnum):
    """A negotiation entry in the bid's history (and an action of BID)."""

    EDITED = "edited"
    COUNTERED = "countered"
    COUNTER_ACCEPTED = "counter_accepted"


# A bid carries its history; the cap keeps the item far below DynamoDB's 400 KB whatever the milestones.
MAX_MOVES = 50


@dataclass(frozen=True)
class Terms:
    """What a bid offers now: award copies price and milestones into the contract."""

    price: Money
    proposal: str
    duration_days: int
    milestones: tuple[PlannedMilestone, ...]


@dataclass(frozen=True)
class BidChanges:
    """PATCH /bids/{id}: only the fields sent (None = keep)."""

    price: Money | None = None
    proposal: str | None = None
    duration_days: int | None = None
    milestones: tuple[PlannedMilestone, ...] | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in (self.price, self.proposal, self.duration_days, self.milestones))


@dataclass(frozen=True)
class Counter:
    """The owner's counter-offer: a price, and milestones or None (derived by countered_milestones)."""

    price: Money
    note: str
    milestones: tuple[PlannedMilestone, ...] | None = None


def edited(current: Terms, changes: BidChanges) -> Terms:
    """The bid's terms after an edit, under the rules of a new bid: the milestones add up to the price.

    A new price without new milestones keeps the old milestones, which then must still add up (400 if not).
    """
    if changes.is_empty():
        raise ValidationFailed("nothing to change", [{"field": "body", "message": "send at least one field"}])
    after = Terms(
        changes.price if changes.price is not None else current.price,
        changes.proposal if changes.proposal is not None else current.proposal,
        changes.duration_days if changes.duration_days is not None else current.duration_days,
        changes.milestones if changes.milestones is not None else current.milestones,
    )
    check_milestones_sum(after.price, [m.amount for m in after.milestones])
    return after


def countered_milestones(
    price: Money, current: tuple[PlannedMilestone, ...], proposed: tuple[PlannedMilestone, ...] | None
) -> tuple[PlannedMilestone, ...]:
    """The milestones a counter-offer stands for.

    Sent: they must add up to the countered price. Left out: the bid's milestones with the LAST one's
    amount changed by the difference, so the sum is the countered price; a last milestone of 0 or less
    is a 422 (send milestones instead).
    """
    if proposed is not None:
        check_milestones_sum(price, [m.amount for m in proposed])
        return proposed
    if not current:
        raise BusinessRuleViolated("the bid has no milestones to adjust; send milestones")
    before_last = total([m.amount for m in current[:-1]], price.currency)
    last = price - before_last
    if last.amount <= 0:
        raise BusinessRuleViolated(
            f"the other milestones already add up to {before_last.amount}: the last one would be {last.amount}",
            [{"field": "milestones", "message": "send milestones that add up to the countered price"}],
        )
    return (*current[:-1], replace(current[-1], amount=last))


def changes_between(before: Terms, after: Terms) -> dict[str, Any]:
    """A history entry's `changes`: from/to of each field that differs. Milestones by their amounts only and the
    proposal as `{"changed": true}`, so an entry stays small (the bid itself shows its current terms in full)."""
    changes: dict[str, Any] = {}
    if before.price != after.price:
        changes["price"] = {"from": before.price.to_json(), "to": after.price.to_json()}
    if before.duration_days != after.duration_days:
        changes["durationDays"] = {"from": before.duration_days, "to": after.duration_days}
    if before.proposal != after.proposal:
        changes["proposal"] = {"changed": True}
    if before.milestones != after.milestones:
        changes["milestones"] = {
            "from": [m.amount.to_json() for m in before.milestones],
            "to": [m.amount.to_json() for m in after.milestones],
        }
    return changes


def history_entry(move: Move, by: str, at: str, changes: dict[str, Any], note: str | None = None) -> dict[str, Any]:
    """`by` is a role (provider, customer, admin), never an id: the customer may see an anonymous bidder's bid."""
    entry: dict[str, Any] = {"at": at, "by": by, "action": move.value, "changes": changes}
    if note is not None:
        entry["note"] = note
    return entry


def check_room(history: list[Any]) -> None:
    if len(history) >= MAX_MOVES:
        raise BusinessRuleViolated(f"a bid takes at most {MAX_MOVES} negotiation moves; award, reject or withdraw it")
