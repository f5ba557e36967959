"""Bodies of the amendment routes: a reason and a list of changes, each tagged by `op`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain.amendments import (
    MAX_CHANGES,
    AddMilestone,
    Change,
    ChangeMilestone,
    NewAmendment,
    RemoveMilestone,
)
from chalicelib.schemas.common import Body, Id, PositiveMoney, Text

Title = Annotated[Text, StringConstraints(max_length=140)]
Criteria = Annotated[str, StringConstraints(max_length=2000)]


class Add(Body):
    op: Literal["add"]
    title: Title
    amount: PositiveMoney
    due_date: date
    acceptance_criteria: Criteria | None = None

    def to_change(self) -> Change:
        return AddMilestone(self.title, self.amount.domain(), self.due_date, self.acceptance_criteria)


class Edit(Body):
    op: Literal["change"]
    milestone_id: Id
    title: Title | None = None
    amount: PositiveMoney | None = None
    due_date: date | None = None
    acceptance_criteria: Criteria | None = None

    def to_change(self) -> Change:
        amount = self.amount.domain() if self.amount is not None else None
        return ChangeMilestone(self.milestone_id, self.title, amount, self.due_date, self.acceptance_criteria)


class Remove(Body):
    op: Literal["remove"]
    milestone_id: Id

    def to_change(self) -> Change:
        return RemoveMilestone(self.milestone_id)


class ProposeAmendment(Body):
    reason: Annotated[Text, StringConstraints(max_length=4000)]
    changes: list[Annotated[Add | Edit | Remove, Field(discriminator="op")]] = Field(
        min_length=1, max_length=MAX_CHANGES
    )

    def to_command(self) -> NewAmendment:
        return NewAmendment(self.reason, tuple(change.to_change() for change in self.changes))
