"""Milestone lifecycle (one Step Functions execution each drives its waits and timeouts).

pending → funded → submitted → under_review → accepted → released
under_review → revision_requested → submitted …
under_review → disputed → resolved
under_review, no decision within the review window → accepted (auto) → released
funded | revision_requested → disputed (non-delivery: the customer disputes work that never came)
termination: pending → cancelled; funded | revision_requested → refunded (escrow back to the customer)
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from chalicelib.domain.lifecycle import Lifecycle


class MilestoneStatus(StrEnum):
    PENDING = "pending"
    FUNDED = "funded"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    REVISION_REQUESTED = "revision_requested"
    ACCEPTED = "accepted"
    RELEASED = "released"
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


MILESTONE = Lifecycle[MilestoneStatus](
    "milestone",
    {
        MilestoneStatus.PENDING: {"fund": MilestoneStatus.FUNDED, "cancel": MilestoneStatus.CANCELLED},
        MilestoneStatus.FUNDED: {
            "submit": MilestoneStatus.SUBMITTED,
            "dispute": MilestoneStatus.DISPUTED,
            "refund": MilestoneStatus.REFUNDED,
        },
        MilestoneStatus.REVISION_REQUESTED: {
            "submit": MilestoneStatus.SUBMITTED,
            "dispute": MilestoneStatus.DISPUTED,
            "refund": MilestoneStatus.REFUNDED,
        },
        MilestoneStatus.SUBMITTED: {"review": MilestoneStatus.UNDER_REVIEW},
        MilestoneStatus.UNDER_REVIEW: {
            "accept": MilestoneStatus.ACCEPTED,
            "auto_accept": MilestoneStatus.ACCEPTED,
            "request_revision": MilestoneStatus.REVISION_REQUESTED,
            "dispute": MilestoneStatus.DISPUTED,
        },
        MilestoneStatus.ACCEPTED: {"release": MilestoneStatus.RELEASED},
        MilestoneStatus.DISPUTED: {"resolve": MilestoneStatus.RESOLVED},
    },
)

# A contract is complete once every milestone is in one of these.
SETTLED = frozenset({MilestoneStatus.RELEASED, MilestoneStatus.RESOLVED})

# Which workflow wait each status is parked in (the callback token belongs to that wait).
WAITS: dict[str, frozenset[MilestoneStatus]] = {
    "submission": frozenset({MilestoneStatus.FUNDED, MilestoneStatus.REVISION_REQUESTED}),
    "decision": frozenset({MilestoneStatus.UNDER_REVIEW}),
    "resolution": frozenset({MilestoneStatus.DISPUTED}),
}


# Not yet delivered: past the due date these are overdue (a submitted milestone is the customer's to decide).
AWAITING_DELIVERY = frozenset({MilestoneStatus.PENDING, MilestoneStatus.FUNDED, MilestoneStatus.REVISION_REQUESTED})
# Step Functions' largest task timeout; a due date further out than that is not watched by the workflow.
MAX_TIMEOUT_SECONDS = 99_999_999


def due_end(due_date: str) -> datetime:
    """A milestone is due until the end of its due date (UTC): it is overdue from the next midnight."""
    return datetime.combine(date.fromisoformat(due_date) + timedelta(days=1), time.min, tzinfo=UTC)


def is_overdue(status: str, due_date: str | None, now: datetime) -> bool:
    return bool(due_date) and MilestoneStatus(status) in AWAITING_DELIVERY and now >= due_end(str(due_date))


def seconds_until_overdue(due_date: str, now: datetime) -> int:
    """The submission wait's timeout: at least 1 (funded after the due date → notified at once)."""
    return max(1, min(MAX_TIMEOUT_SECONDS, math.ceil((due_end(due_date) - now).total_seconds())))


def path(status: MilestoneStatus, *actions: str) -> list[tuple[MilestoneStatus, MilestoneStatus]]:
    """Apply several moves at once (e.g. submit+review, accept+release); returns every step for the audit."""
    steps = []
    for action in actions:
        target = MILESTONE.next(status, action)
        steps.append((status, target))
        status = target
    return steps
