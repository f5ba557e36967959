"""Bodies of the back office's moves: decisions, dispute resolutions, commission settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Body, Money, Slug, Text


# Approve, reject, request changes, dismiss, confirm, suspend, reinstate: an optional reason or note.
class Decision(Body):
    reason: Annotated[Text, StringConstraints(max_length=1000)] | None = None
    note: Annotated[Text, StringConstraints(max_length=1000)] | None = None


class Resolve(Body):
    release_amount: Money
    refund_amount: Money
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None


class CommissionSettings(Body):
    default_bps: int = Field(ge=0, le=5000, description="basis points: 1000 = 10 %")
    overrides: dict[Slug, Annotated[int, Field(ge=0, le=5000)]] = Field(default_factory=dict, max_length=200)
    version: int = Field(
        ge=0,
        le=2**53,
        description="the version GET /admin/settings returned: a stale one is a 409, so no change is lost unseen",
    )


class HubSettings(Body):
    """PUT /admin/settings/hub: tasks in these categories always run in hub mode (from their next write)."""

    categories: list[Slug] = Field(max_length=200)
    version: int = Field(
        ge=0,
        le=2**53,
        description="the hub version GET /admin/settings returned: a stale one is a 409",
    )


class HubDecline(Body):
    """Why the hub declines a bid: the bidder reads it."""

    reason: Annotated[Text, StringConstraints(min_length=1, max_length=1000)]
