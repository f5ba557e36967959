"""Admin moves: verification decisions, task review, disputes, commission settings (the `admin` group only)."""

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


def _settings(commission: Any) -> dict[str, Any]:
    from chalicelib.services import settings

    return {
        "commission": {
            "defaultBps": commission.default_bps,
            "overrides": commission.overrides,
            "version": commission.version,
        },
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
    """Commission: the default and per-category overrides in basis points, its version, and the latest changes."""
    from chalicelib.services import settings

    return _settings(settings.commission())


@endpoint(bp, "/admin/settings/commission", "PUT", policy=ADMIN, body=bodies.CommissionSettings)
def set_commission(call: Call) -> dict[str, Any]:
    """Set the default commission and per-category overrides (applies to contracts awarded after); send the
    `version` you read: a stale one is a 409."""
    from chalicelib.services import settings

    body = call.body
    return _settings(settings.set_commission(call.actor, body.version, body.default_bps, dict(body.overrides)))
