"""Milestone lifecycle (one Step Functions execution each drives its waits and timeouts).

pending → funded → submitted → under_review → accepted → released
under_review → revision_requested → submitted …
gates between submission and the customer's review (docs/quality-control.md):
  submitted → hub_review (hub contract) → forward → qc_review | under_review; return → revision_requested
  submitted → qc_review (a reviewer is assigned) → qc_approve → under_review; qc_reject → revision_requested
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
    HUB_REVIEW = "hub_review"
    QC_REVIEW = "qc_review"


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
        MilestoneStatus.SUBMITTED: {
            "review": MilestoneStatus.UNDER_REVIEW,
            "hold_for_hub": MilestoneStatus.HUB_REVIEW,
            "hold_for_qc": MilestoneStatus.QC_REVIEW,
        },
        MilestoneStatus.HUB_REVIEW: {
            "forward": MilestoneStatus.UNDER_REVIEW,
            "forward_to_qc": MilestoneStatus.QC_REVIEW,
            "return": MilestoneStatus.REVISION_REQUESTED,
        },
        MilestoneStatus.QC_REVIEW: {
            "qc_approve": MilestoneStatus.UNDER_REVIEW,
            "qc_reject": MilestoneStatus.REVISION_REQUESTED,
        },
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
    "hub_review": frozenset({MilestoneStatus.HUB_REVIEW}),
    "qc_review": frozenset({MilestoneStatus.QC_REVIEW}),
}

# The gate a submission passes before the customer's review: the workflow's choice after a submission.
HUB, QC, NO_GATE = "hub", "qc", "none"
GATE_STATUS = {HUB: MilestoneStatus.HUB_REVIEW, QC: MilestoneStatus.QC_REVIEW}


def gate_for(hub: bool, has_reviewer: bool) -> str:
    """Hub contracts stop at the hub admins first; a contract with a reviewer stops at quality control."""
    if hub:
        return HUB
    return QC if has_reviewer else NO_GATE


def gate_moves(gate: str) -> tuple[str, ...]:
    """The moves after `submit` that park a submission at `gate` (none: straight to the customer's review)."""
    return {HUB: ("hold_for_hub",), QC: ("hold_for_qc",)}.get(gate, ("review",))


def forward_moves(has_reviewer: bool) -> tuple[str, ...]:
    """A hub admin forwards: on to quality control when a reviewer is assigned, else to the customer."""
    return ("forward_to_qc",) if has_reviewer else ("forward",)


def gate_of(status: MilestoneStatus) -> str:
    """The gate a milestone that has moved on is waiting at now (a late workflow answer names it)."""
    for gate, waiting in GATE_STATUS.items():
        if status == waiting:
            return gate
    return NO_GATE


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
