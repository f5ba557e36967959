"""Bodies of bidding and the selection workbench."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.domain.bids import NewBid, PlannedMilestone
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
            milestones=tuple(
                PlannedMilestone(m.title, m.amount.domain(), m.due_date, m.acceptance_criteria) for m in self.milestones
            ),
        )


class Remark(Body):
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
