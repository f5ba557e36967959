"""What every area's bodies share: the base model, money, text, ids, and the one-reason body."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.domain.money import Money as DomainMoney

Currency = Literal["EUR", "USD", "GBP", "CHF", "PLN", "SEK", "CZK"]  # = domain.money.CURRENCIES (tested)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Id = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, alias_generator=to_camel, populate_by_name=True, frozen=True)


class Money(Body):
    amount: int = Field(ge=0, le=MAX_AMOUNT, description="integer minor units (cents)")
    currency: Currency

    def domain(self) -> DomainMoney:
        return DomainMoney(self.amount, self.currency)


class PositiveMoney(Money):
    amount: int = Field(ge=1, le=MAX_AMOUNT, description="integer minor units (cents), at least 1")


# Revision requests, disputes, a rejected withdrawal: a reason is required.
class Reason(Body):
    reason: Annotated[Text, StringConstraints(max_length=4000)]
