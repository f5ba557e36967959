"""Admin moves: verification decisions, task review, disputes, commission and hub settings, the hub's bid queue
(the `admin` group only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import ADMIN
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import admin as bodies
else:
    bodies = lazy("admin")

bp = Blueprint(__name__)


@endpoint(bp, "/admin/verifications", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def verification_queue(call: Call) -> dict[str, Any]:
    """Pending verifications, oldest first, with short-lived links to the documents."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import profiles, users

    if (call.query("status") or "pending") != "pending":
        raise ValidationFailed("only status=pending is queued", [{"field": "status", "message": "pending"}])
    page = users.pending_verifications(call.actor, call.limit(), call.query("cursor"))
    documents = profiles.pending_documents(page.items)
    return views.page(
        [views.profile(p) | {"submittedAt": p.submitted_at, "documents": documents[p.id]} for p in page.items],
        page.next_cursor,
    )


def _decide(call: Call, user_id: str, action: str) -> dict[str, Any]:
    from chalicelib.services import profiles

    reason = call.body.reason or call.body.note if call.body else None
    return views.profile(profiles.decide_verification(call.actor, user_id, action, reason))


@endpoint(bp, "/admin/verifications/{user_id}/approve", "POST", policy=ADMIN, body=bodies.Decision)
def approve_verification(call: Call, user_id: str) -> dict[str, Any]:
    """Verify an account."""
    return _decide(call, user_id, "approve")


@endpoint(bp, "/admin/verifications/{user_id}/reject", "POST", policy=ADMIN, body=bodies.Decision)
def reject_verification(call: Call, user_id: str) -> dict[str, Any]:
    """Reject a verification with a reason; the user may resubmit."""
    return _decide(call, user_id, "reject")


@endpoint(bp, "/admin/tasks", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def task_queue(call: Call) -> dict[str, Any]:
    """Tasks by status (default in_review), oldest first."""
    from chalicelib.services import tasks

    page = tasks.review_queue(call.actor, call.query("status") or "in_review", call.limit(), call.query("cursor"))
    return views.page([views.task(t, full=True) for t in page.items], page.next_cursor)


@endpoint(bp, "/admin/tasks/{task_id}/approve", "POST", policy=ADMIN, body=bodies.Decision)
def approve_task(call: Call, task_id: str) -> dict[str, Any]:
    """Publish a task under review."""
    from chalicelib.services import tasks

    note = call.body.note if call.body else None
    return views.task(tasks.review_task(call.actor, task_id, "approve", note), full=True)


@endpoint(bp, "/admin/tasks/{task_id}/request-changes", "POST", policy=ADMIN, body=bodies.Decision)
def request_changes(call: Call, task_id: str) -> dict[str, Any]:
    """Send a task back to its owner with a note."""
    from chalicelib.services import tasks

    note = call.body.note or call.body.reason if call.body else None
    return views.task(tasks.review_task(call.actor, task_id, "request_changes", note), full=True)


@endpoint(bp, "/admin/disputes", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def dispute_queue(call: Call) -> dict[str, Any]:
    """Open disputes, oldest first: contract, milestone, escrowed amount, the kind, each side's reason and evidence."""
    from chalicelib.services import escrow

    page = escrow.open_disputes(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.dispute(m) for m in page.items], page.next_cursor)


@endpoint(
    bp, "/admin/disputes/{contract_id}/{milestone_id}/resolve", "POST", policy=ADMIN, body=bodies.Resolve, money=True
)
def resolve_dispute(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Split a disputed milestone's escrow: releaseAmount (less commission) and refundAmount."""
    from chalicelib.services import escrow

    body = call.body
    milestone = escrow.resolve(
        call.actor, contract_id, milestone_id, body.release_amount.domain(), body.refund_amount.domain(), body.note
    )
    return views.milestone(milestone) | {"contractId": contract_id}


@endpoint(bp, "/admin/terminations", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def termination_queue(call: Call) -> dict[str, Any]:
    """Proposed terminations, oldest first: who proposed, why, and the contract's escrow now."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import termination

    if (call.query("status") or "proposed") != "proposed":
        raise ValidationFailed("only status=proposed is queued", [{"field": "status", "message": "proposed"}])
    page, contracts = termination.proposed(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.termination(t, contracts.get(t.contract_id)) for t in page.items], page.next_cursor)


def _settings(commission: Any, hub: Any = None) -> dict[str, Any]:
    from chalicelib.services import settings

    hub = hub or settings.hub_categories()
    return {
        "commission": {
            "defaultBps": commission.default_bps,
            "overrides": commission.overrides,
            "version": commission.version,
        },
        "hub": {"categories": list(hub.categories), "version": hub.version},
        "history": [
            {
                "at": change.at,
                "by": change.by,
                "action": change.action,
                "fromVersion": change.from_version,
                "toVersion": change.to_version,
                "before": change.before,
                "after": change.after,
            }
            for change in settings.history()
        ],
    }


@endpoint(bp, "/admin/settings", "GET", policy=ADMIN)
def get_settings(call: Call) -> dict[str, Any]:
    """Commission (default and per-category bps), hub categories, their versions, and the latest changes."""
    from chalicelib.services import settings

    return _settings(settings.commission())


@endpoint(bp, "/admin/settings/commission", "PUT", policy=ADMIN, body=bodies.CommissionSettings)
def set_commission(call: Call) -> dict[str, Any]:
    """Set the default commission and per-category overrides (applies to contracts awarded after); send the
    `version` you read: a stale one is a 409."""
    from chalicelib.services import settings

    body = call.body
    return _settings(settings.set_commission(call.actor, body.version, body.default_bps, dict(body.overrides)))


@endpoint(bp, "/admin/settings/hub", "PUT", policy=ADMIN, body=bodies.HubSettings)
def set_hub(call: Call) -> dict[str, Any]:
    """Set the categories whose tasks run in hub mode (tasks created in them from now on).

    Send the hub `version` you read: a stale one is a 409."""
    from chalicelib.services import settings

    body = call.body
    hub = settings.set_hub_categories(call.actor, body.version, list(body.categories))
    return _settings(settings.commission(), hub)


@endpoint(bp, "/admin/bids", "GET", policy=ADMIN, query=("status", "hub", "cursor", "limit"))
def hub_bid_queue(call: Call) -> dict[str, Any]:
    """Hub mode: bids waiting for an admin to forward or decline them, oldest first, with task and bidder."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import hub

    if (call.query("status") or "submitted") != "submitted" or (call.query("hub") or "true") != "true":
        raise ValidationFailed(
            "only hub bids waiting for an admin are queued: status=submitted&hub=true",
            [{"field": "status", "message": "submitted, with hub=true"}],
        )
    found = hub.queue(call.actor, call.limit(), call.query("cursor"))
    items = []
    for b in found.page.items:
        task = found.tasks.get(b.task_id)
        items.append(
            views.bid(b, found.providers.get(b.provider_sub))
            | {"task": {"id": b.task_id, "title": task.title if task else None, "customerId": b.task_owner_id}}
        )
    return views.page(items, found.page.next_cursor)


@endpoint(bp, "/admin/bids/{bid_id}/forward", "POST", policy=ADMIN)
def forward_bid(call: Call, bid_id: str) -> dict[str, Any]:
    """Hub mode: pass a waiting bid to the task's owner (`forwarded`); the owner is told."""
    from chalicelib.services import hub

    return views.bid(hub.forward(call.actor, bid_id))


@endpoint(bp, "/admin/bids/{bid_id}/decline", "POST", policy=ADMIN, body=bodies.HubDecline)
def decline_bid(call: Call, bid_id: str) -> dict[str, Any]:
    """Hub mode: turn a waiting bid down with a reason the bidder reads (`declined`); the owner never sees it."""
    from chalicelib.services import hub

    return views.bid(hub.decline(call.actor, bid_id, call.body.reason))


@endpoint(bp, "/admin/threads", "GET", policy=ADMIN, query=("hub", "cursor", "limit"))
def hub_threads(call: Call) -> dict[str, Any]:
    """Hub mode: the pre-award threads owners and bidders opened with the hub, newest first."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import threads

    if (call.query("hub") or "true") != "true":
        raise ValidationFailed("only hub threads are listed: hub=true", [{"field": "hub", "message": "true"}])
    page = threads.hub_threads(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.thread(t, threads.viewer(call.actor, t)) for t in page.items], page.next_cursor)
