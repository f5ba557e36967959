"""Amendments (supplementary agreements) to an active contract's unfunded milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import PROFILE, PROFILE_OR_ADMIN
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import amendments as bodies
else:
    bodies = lazy("amendments")

bp = Blueprint(__name__)


@endpoint(bp, "/contracts/{contract_id}/amendments", "POST", policy=PROFILE, body=bodies.ProposeAmendment, status=201)
def propose(call: Call, contract_id: str) -> dict[str, Any]:
    """A party of an active contract proposes to add, change or remove pending milestones (one open at a time)."""
    from chalicelib.services import amendments, hub

    return views.masked(
        views.amendment(amendments.propose(call.actor, contract_id, call.body.to_command())),
        hub.mask_for_id(call.actor, contract_id),
    )


@endpoint(bp, "/contracts/{contract_id}/amendments", "GET", policy=PROFILE_OR_ADMIN)
def list_amendments(call: Call, contract_id: str) -> dict[str, Any]:
    """The contract's amendments, oldest first (parties and admins)."""
    from chalicelib.services import amendments, hub

    return views.masked(
        {"items": [views.amendment(a) for a in amendments.for_contract(call.actor, contract_id)]},
        hub.mask_for_id(call.actor, contract_id),
    )


@endpoint(bp, "/contracts/{contract_id}/amendments/{amendment_id}/accept", "POST", policy=PROFILE)
def accept(call: Call, contract_id: str, amendment_id: str) -> dict[str, Any]:
    """The other party accepts: the changes apply at once and the contract's version rises by one."""
    from chalicelib.services import amendments, hub

    return views.masked(
        views.amendment(amendments.accept(call.actor, contract_id, amendment_id)),
        hub.mask_for_id(call.actor, contract_id),
    )


@endpoint(bp, "/contracts/{contract_id}/amendments/{amendment_id}/reject", "POST", policy=PROFILE)
def reject(call: Call, contract_id: str, amendment_id: str) -> dict[str, Any]:
    """The other party rejects: nothing in the contract changes."""
    from chalicelib.services import amendments, hub

    return views.masked(
        views.amendment(amendments.reject(call.actor, contract_id, amendment_id)),
        hub.mask_for_id(call.actor, contract_id),
    )
