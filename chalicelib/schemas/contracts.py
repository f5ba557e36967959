"""Bodies of the milestone, dispute, evidence, bonus and review routes (a revision takes common.Reason)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Body, Id, PositiveMoney, Text


class Fund(Body):
    source: Literal["wallet", "card"] = "wallet"


class Submit(Body):
    uploads: list[Id] = Field(min_length=1, max_length=20)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class PostReview(Body):
    rating: int = Field(ge=1, le=5)
    text: Annotated[Text, StringConstraints(max_length=4000)]


class PayBonus(Body):
    amount: PositiveMoney
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class Terminate(Body):
    """A party's proposal and an admin's decision need a reason; the agreeing party may add one."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class OpenDispute(Body):
    reason: Annotated[Text, StringConstraints(max_length=4000)]
    evidence: list[Id] = Field(default_factory=list, max_length=10, description="upload ids of purpose evidence")


class AddEvidence(Body):
    note: Annotated[Text, StringConstraints(max_length=2000)]
    uploads: list[Id] = Field(default_factory=list, max_length=10, description="upload ids of purpose evidence")
