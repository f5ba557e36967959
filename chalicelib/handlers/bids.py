"""Bids and the selection workbench."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import (
    CUSTOMER,
    PROFILE,
    PROFILE_OR_ADMIN,
    PROVIDER,
    VERIFIED_PROVIDER,
    Policy,
    Who,
)
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import bids as bodies
else:
    bodies = lazy("bids")

bp = Blueprint(__name__)
# The task owner counters; admins too (hub mode, issue 17, sends negotiation through them).
OWNER_OR_ADMIN = Policy(Who.CUSTOMER, admins=True)


@endpoint(bp, "/tasks/{task_id}/bids", "POST", policy=VERIFIED_PROVIDER, body=bodies.PlaceBid, status=201)
def place_bid(call: Call, task_id: str) -> dict[str, Any]:
    """Bid on an open task (verified providers); milestone amounts add up to the price."""
    from chalicelib.services import bids

    return views.bid(bids.place_bid(call.actor, task_id, call.body.to_command()))


@endpoint(bp, "/tasks/{task_id}/bids", "GET", policy=PROFILE_OR_ADMIN, query=("order", "cursor", "limit"))
def list_bids(call: Call, task_id: str) -> dict[str, Any]:
    """The owner sees all bids (order=match|price|rating); a provider sees their own."""
    from chalicelib.services import bids

    task, rows, cursor = bids.list_bids(call.actor, task_id, call.query("order"), call.limit(), call.query("cursor"))
    owner = bids.sees_every_bid(call.actor, task)
    return views.page(
        [views.bid(b, p if owner else None, s if owner else None, for_owner=owner) for b, p, s in rows], cursor
    )


@endpoint(bp, "/me/bids", "GET", policy=PROFILE, query=("cursor", "limit"))
def my_bids(call: Call) -> dict[str, Any]:
    """My bids, newest first (providers)."""
    from chalicelib.services import bids

    page = bids.mine(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.bid(b) for b in page.items], page.next_cursor)


@endpoint(bp, "/bids/{bid_id}", "GET", policy=PROFILE_OR_ADMIN)
def get_bid(call: Call, bid_id: str) -> dict[str, Any]:
    """One bid: its bidder, the task owner and admins."""
    from chalicelib.services import bids

    bid = bids.get_bid(call.actor, bid_id)
    return views.bid(bid, for_owner=bids.owns_task_of(call.actor, bid))


def _move(call: Call, bid_id: str, action: str, note: str | None = None) -> dict[str, Any]:
    from chalicelib.services import bids

    return views.bid(bids.workbench_move(call.actor, bid_id, action, note), for_owner=True)


@endpoint(bp, "/bids/{bid_id}/shortlist", "POST", policy=CUSTOMER)
def shortlist(call: Call, bid_id: str) -> dict[str, Any]:
    """Workbench: shortlist a bid."""
    return _move(call, bid_id, "shortlist")


@endpoint(bp, "/bids/{bid_id}/reject", "POST", policy=CUSTOMER)
def reject(call: Call, bid_id: str) -> dict[str, Any]:
    """Workbench: reject a bid."""
    return _move(call, bid_id, "reject")


@endpoint(bp, "/bids/{bid_id}/remark", "PUT", policy=CUSTOMER, body=bodies.Remark)
def remark(call: Call, bid_id: str) -> dict[str, Any]:
    """Workbench: the owner's private note on a bid (empty text clears it)."""
    return _move(call, bid_id, "remark", call.body.text)


@endpoint(bp, "/bids/{bid_id}/withdraw", "POST", policy=PROVIDER)
def withdraw(call: Call, bid_id: str) -> dict[str, Any]:
    """The bidder withdraws their bid."""
    from chalicelib.services import bids

    return views.bid(bids.withdraw(call.actor, bid_id))


@endpoint(bp, "/bids/{bid_id}", "PATCH", policy=PROVIDER, body=bodies.EditBid)
def edit_bid(call: Call, bid_id: str) -> dict[str, Any]:
    """The bidder edits a live bid (price, proposal, durationDays, milestones: a new bid's rules)."""
    from chalicelib.services import negotiation

    return views.bid(negotiation.edit(call.actor, bid_id, call.body.to_command()))


@endpoint(bp, "/bids/{bid_id}/counter", "POST", policy=OWNER_OR_ADMIN, body=bodies.CounterOffer)
def counter(call: Call, bid_id: str) -> dict[str, Any]:
    """The task owner (or an admin) counters a live bid: {price, milestones?, note}."""
    from chalicelib.services import bids, negotiation

    bid = negotiation.counter(call.actor, bid_id, call.body.to_command())
    return views.bid(bid, for_owner=bids.owns_task_of(call.actor, bid))


@endpoint(bp, "/bids/{bid_id}/counter/accept", "POST", policy=PROVIDER)
def accept_counter(call: Call, bid_id: str) -> dict[str, Any]:
    """The bidder accepts the open counter-offer: the bid takes its price and milestones."""
    from chalicelib.services import negotiation

    return views.bid(negotiation.accept_counter(call.actor, bid_id))
