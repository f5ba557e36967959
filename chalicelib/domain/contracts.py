"""Contract lifecycle: created from the awarded bid, signed by both, active, then completed.

Also who a caller is in a contract, and when a contract completes: rules, not storage, so the
services that need them (contracts, escrow, threads, audit) share them without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Literal, Protocol

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.lifecycle import Lifecycle
from chalicelib.domain.milestones import SETTLED, MilestoneStatus

TERMS_VERSION = "2026-11-01"
NDA_VERSION = "2026-11-01"

ContractRole = Literal["customer", "provider", "reviewer", "admin"]


class ContractStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


CONTRACT = Lifecycle[ContractStatus](
    "contract",
    {
        ContractStatus.DRAFT: {
            "sign": ContractStatus.DRAFT,
            "activate": ContractStatus.ACTIVE,
            "terminate": ContractStatus.TERMINATED,  # a deal nobody wants any more need not be signed first
        },
        ContractStatus.ACTIVE: {
            "fund": ContractStatus.ACTIVE,
            "complete": ContractStatus.COMPLETED,
            "terminate": ContractStatus.TERMINATED,
        },
    },
)


class Parties(Protocol):
    """Who is on a contract (a stored contract is one)."""

    customer_id: str
    provider_id: str
    reviewer_id: str | None


def role_in(contract: Parties, profile_id: str | None, is_admin: bool) -> ContractRole:
    """The caller's part in the contract, a party's before an admin's; strangers get a 404, as if it did not exist."""
    if profile_id is not None:
        if profile_id == contract.customer_id:
            return "customer"
        if profile_id == contract.provider_id:
            return "provider"
        if contract.reviewer_id and profile_id == contract.reviewer_id:
            return "reviewer"
    if is_admin:
        return "admin"
    raise NotFound("no such contract")


def every_milestone_settled(milestone_statuses: Iterable[str]) -> bool:
    """True once each milestone is released, or resolved after a dispute (and there is at least one)."""
    statuses = [MilestoneStatus(s) for s in milestone_statuses]
    return bool(statuses) and all(s in SETTLED for s in statuses)


def status_after_milestone_move(status: ContractStatus, milestone_statuses: Iterable[str]) -> ContractStatus:
    """A contract completes when every milestone is settled; until then a milestone's move leaves it as it is.

    Completing is a lifecycle move, so a contract that is not active cannot complete (409).
    """
    if every_milestone_settled(milestone_statuses):
        return CONTRACT.next(status, "complete")
    return status


# --- termination -------------------------------------------------------------------------------------

# What termination does to a milestone: unfunded ones are cancelled, funded-but-undelivered escrow is refunded.
TERMINATION_MOVES: dict[MilestoneStatus, str] = {
    MilestoneStatus.PENDING: "cancel",
    MilestoneStatus.FUNDED: "refund",
    MilestoneStatus.REVISION_REQUESTED: "refund",
}
# Already over: released or resolved money stays where it went; cancelled and refunded ones are done.
ENDED = SETTLED | {MilestoneStatus.CANCELLED, MilestoneStatus.REFUNDED}


class Terminable(Protocol):
    """A milestone as termination reads it (a stored milestone is one)."""

    id: str
    title: str
    status: str


def termination_moves(milestones: Sequence[Terminable]) -> dict[str, str]:
    """milestone id → `cancel` | `refund` for every milestone termination moves; the ended ones stay.

    Any other status (work under review, a dispute) is the customer's or an admin's to decide first: a 409 that
    names the milestone, so nothing is refunded that may yet be owed to the provider.
    """
    moves: dict[str, str] = {}
    for milestone in milestones:
        status = MilestoneStatus(milestone.status)
        if status in TERMINATION_MOVES:
            moves[milestone.id] = TERMINATION_MOVES[status]
        elif status not in ENDED:
            raise Conflict(
                f'milestone "{milestone.title}" ({milestone.id}) is {status.value}: '
                "it must be decided before the contract can be terminated"
            )
    return moves
