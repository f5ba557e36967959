"""Request bodies as pydantic v2 models: strict types, camelCase, unknown fields refused.

The same models generate the request schemas of /openapi.json.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from chalicelib.domain.accounts import Kind, Role
from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.domain.money import Money as DomainMoney
from chalicelib.domain.tasks import Mode, Visibility
from chalicelib.domain.uploads import Purpose

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


class CreateProfile(Body):
    role: Role
    display_name: Annotated[Text, StringConstraints(max_length=80)]
    kind: Kind
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]] = Field(
        default_factory=list, max_length=10
    )
    hourly_rate: PositiveMoney | None = None
    bio: Annotated[str, StringConstraints(max_length=2000)] | None = None
    anonymous: bool = False


class SubmitVerification(Body):
    legal_name: Annotated[Text, StringConstraints(max_length=200)]
    documents: list[Id] = Field(min_length=1, max_length=10)


class Decision(Body):
    reason: Annotated[Text, StringConstraints(max_length=1000)] | None = None
    note: Annotated[Text, StringConstraints(max_length=1000)] | None = None


class CreateUpload(Body):
    purpose: Purpose
    filename: Annotated[Text, StringConstraints(max_length=200)]
    content_type: Annotated[str, StringConstraints(max_length=100)]
    size: int = Field(ge=1, le=5 * 1024 * 1024 * 1024)


class TaskFields(Body):
    title: Annotated[Text, StringConstraints(max_length=140)]
    description: Annotated[Text, StringConstraints(max_length=10000)]
    category: Slug
    skills: list[Skill] = Field(min_length=1, max_length=20)
    budget: PositiveMoney
    mode: Mode = Mode.BIDDING
    visibility: Visibility = Visibility.PUBLIC
    invitees: list[Id] = Field(default_factory=list, max_length=50)
    start_date: date | None = None
    due_date: date | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=20)
    quality_review: bool = False


class EditTask(Body):
    """PATCH: every field optional; only what is sent changes."""

    title: Annotated[Text, StringConstraints(max_length=140)] | None = None
    description: Annotated[Text, StringConstraints(max_length=10000)] | None = None
    category: Slug | None = None
    skills: list[Skill] | None = Field(default=None, min_length=1, max_length=20)
    budget: PositiveMoney | None = None
    mode: Mode | None = None
    visibility: Visibility | None = None
    invitees: list[Id] | None = Field(default=None, max_length=50)
    start_date: date | None = None
    due_date: date | None = None
    attachments: list[Id] | None = Field(default=None, max_length=20)
    quality_review: bool | None = None

    @field_validator(
        "title", "description", "category", "skills", "budget", "mode", "visibility", "quality_review", mode="before"
    )
    @classmethod
    def not_null(cls, value: object) -> object:
        """Only dates may be cleared with null; a task always has the rest."""
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value


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


class Remark(Body):
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Fund(Body):
    source: Literal["wallet", "card"] = "wallet"


class Submit(Body):
    uploads: list[Id] = Field(min_length=1, max_length=20)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class Reason(Body):
    reason: Annotated[Text, StringConstraints(max_length=4000)]


class Resolve(Body):
    release_amount: Money
    refund_amount: Money
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class PostReview(Body):
    rating: int = Field(ge=1, le=5)
    text: Annotated[Text, StringConstraints(max_length=4000)]


class Deposit(Body):
    amount: PositiveMoney


class CommissionSettings(Body):
    default_bps: int = Field(ge=0, le=5000, description="basis points: 1000 = 10 %")
    overrides: dict[Slug, Annotated[int, Field(ge=0, le=5000)]] = Field(default_factory=dict, max_length=200)
    version: int = Field(
        ge=0,
        le=2**53,
        description="the version GET /admin/settings returned: a stale one is a 409, so no change is lost unseen",
    )
