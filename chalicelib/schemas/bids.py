"""Bodies of bidding and the selection workbench."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from chalicelib.domain.bids import BidChanges, Counter, NewBid, PlannedMilestone
from chalicelib.schemas.common import Body, PositiveMoney, Text


class ProposedMilestone(Body):
    title: Annotated[Text, StringConstraints(max_length=140)]
    amount: PositiveMoney
    due_date: date
    acceptance_criteria: Annotated[str, StringConstraints(max_length=2000)] | None = None


class PlaceBid(Body):
    price: PositiveMoney
    proposal: Annotated[Text, StringConstraints(max_length=10000)]
    duration_days: int = Field(ge=1, le=3650)
    milestones: list[ProposedMilestone] = Field(min_length=1, max_length=20)

    def to_command(self) -> NewBid:
        return NewBid(
            price=self.price.domain(),
            proposal=self.proposal,
            duration_days=self.duration_days,
            milestones=_planned(self.milestones),
        )


def _planned(milestones: list[ProposedMilestone]) -> tuple[PlannedMilestone, ...]:
    return tuple(PlannedMilestone(m.title, m.amount.domain(), m.due_date, m.acceptance_criteria) for m in milestones)


class EditBid(Body):
    """PATCH /bids/{id}: PlaceBid's fields, each optional, at least one; a field may be left out, not nulled."""

    price: PositiveMoney | None = None
    proposal: Annotated[Text, StringConstraints(max_length=10000)] | None = None
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    milestones: list[ProposedMilestone] | None = Field(default=None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def something_and_no_nulls(self) -> EditBid:
        """A null is checked after parsing: a `before` validator would parse the nested dates laxly (strict JSON)."""
        if not self.model_fields_set:
            raise ValueError("send at least one of price, proposal, durationDays, milestones")
        nulled = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"{', '.join(nulled)} may be left out but not set to null")
        return self

    def to_command(self) -> BidChanges:
        return BidChanges(
            price=self.price.domain() if self.price is not None else None,
            proposal=self.proposal,
            duration_days=self.duration_days,
            milestones=_planned(self.milestones) if self.milestones is not None else None,
        )


class CounterOffer(Body):
    """POST /bids/{id}/counter: without milestones the bid's last milestone takes the difference."""

    price: PositiveMoney
    milestones: list[ProposedMilestone] | None = Field(default=None, min_length=1, max_length=20)
    note: Annotated[Text, StringConstraints(max_length=2000)]

    def to_command(self) -> Counter:
        milestones = _planned(self.milestones) if self.milestones is not None else None
        return Counter(self.price.domain(), self.note, milestones)


class Remark(Body):
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
