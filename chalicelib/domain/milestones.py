"""Milestone lifecycle (one Step Functions execution each drives its waits and timeouts).

pending → funded → submitted → under_review → accepted → released
under_review → revision_requested → submitted …
under_review → disputed → resolved
under_review, no decision within the review window → accepted (auto) → released
"""

from __future__ import annotations

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


MILESTONE = Lifecycle[MilestoneStatus](
    "milestone",
    {
        MilestoneStatus.PENDING: {"fund": MilestoneStatus.FUNDED},
        MilestoneStatus.FUNDED: {"submit": MilestoneStatus.SUBMITTED},
        MilestoneStatus.REVISION_REQUESTED: {"submit": MilestoneStatus.SUBMITTED},
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


def path(status: MilestoneStatus, *actions: str) -> list[tuple[MilestoneStatus, MilestoneStatus]]:
    """Apply several moves at once (e.g. submit+review, accept+release); returns every step for the audit."""
    steps = []
    for action in actions:
        target = MILESTONE.next(status, action)
        steps.append((status, target))
        status = target
    return steps
