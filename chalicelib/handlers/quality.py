"""Quality control and hub mode's submission gate: reviewers, QC decisions, hub forward/return, admin queues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import ADMIN, Policy, Who
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import common as common_bodies
    from chalicelib.schemas import quality as bodies
else:
    bodies, common_bodies = lazy("quality"), lazy("common")

bp = Blueprint(__name__)

# The contract's reviewer is a provider; admins decide in their place (an overdue review). The service
# refuses the parties (403) and every other provider (404).
REVIEWER = Policy(Who.PROVIDER, admins=True)
MILESTONE = "/contracts/{contract_id}/milestones/{milestone_id}"


def _milestone(contract_id: str, milestone: Any) -> dict[str, Any]:
    return views.milestone(milestone) | {"contractId": contract_id}


@endpoint(bp, "/admin/contracts/{contract_id}/reviewer", "POST", policy=ADMIN, body=bodies.AssignReviewer)
def assign_reviewer(call: Call, contract_id: str) -> dict[str, Any]:
    """Assign (or replace) the contract's QC reviewer: a verified provider who is not a party."""
    from chalicelib.services import gates

    contract = gates.assign_reviewer(call.actor, contract_id, call.body.provider_id)
    return views.contract(contract, [])


@endpoint(bp, "/admin/contracts/{contract_id}/reviewer-candidates", "GET", policy=ADMIN, query=("q", "limit"))
def reviewer_candidates(call: Call, contract_id: str) -> dict[str, Any]:
    """Providers fit to review the contract whose name or email starts with `q`, best skill match first."""
    from chalicelib.services import gates

    found = gates.reviewer_candidates(call.actor, contract_id, call.query("q"), call.limit())
    return {"items": [views.reviewer_candidate(c) for c in found]}


@endpoint(bp, f"{MILESTONE}/qc-approve", "POST", policy=REVIEWER, money=True)
def qc_approve(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """The reviewer (or an admin) approves the submission: on to the customer, whose review window starts now."""
    from chalicelib.services import gates

    return _milestone(contract_id, gates.qc_approve(call.actor, contract_id, milestone_id))


@endpoint(bp, f"{MILESTONE}/qc-reject", "POST", policy=REVIEWER, body=common_bodies.Reason, money=True)
def qc_reject(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """The reviewer (or an admin) sends the submission back to the provider with a reason."""
    from chalicelib.services import gates

    return _milestone(contract_id, gates.qc_reject(call.actor, contract_id, milestone_id, call.body.reason))


@endpoint(bp, f"{MILESTONE}/forward", "POST", policy=ADMIN)
def forward(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Hub mode: the admin forwards the submission to quality control (with a reviewer) or to the customer."""
    from chalicelib.services import gates

    return _milestone(contract_id, gates.forward(call.actor, contract_id, milestone_id))


@endpoint(bp, f"{MILESTONE}/return", "POST", policy=ADMIN, body=common_bodies.Reason)
def return_submission(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Hub mode: the admin returns the submission to the provider with a reason."""
    from chalicelib.services import gates

    return _milestone(contract_id, gates.return_submission(call.actor, contract_id, milestone_id, call.body.reason))


@endpoint(bp, "/admin/submissions", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def hub_submissions(call: Call) -> dict[str, Any]:
    """Hub mode: submissions waiting for an admin (`status=hub_review`, the default), oldest first."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import gates

    if (call.query("status") or "hub_review") != "hub_review":
        raise ValidationFailed("only status=hub_review is queued", [{"field": "status", "message": "hub_review"}])
    page = gates.hub_submissions(call.actor, call.limit(), call.query("cursor"))
    return views.page([_milestone(m.contract_id, m) for m in page.items], page.next_cursor)


@endpoint(bp, "/admin/qc", "GET", policy=ADMIN, query=("overdue", "cursor", "limit"))
def qc_queue(call: Call) -> dict[str, Any]:
    """Contracts whose task asked for QC and that have no reviewer, oldest first; `overdue=true`: the milestones
    whose QC review ran past the reviewer's time."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import gates

    overdue = call.query("overdue") or "false"
    if overdue not in ("true", "false"):
        raise ValidationFailed("overdue is true or false", [{"field": "overdue", "message": "true|false"}])
    if overdue == "true":
        page = gates.overdue(call.actor, call.limit(), call.query("cursor"))
        return views.page([_milestone(m.contract_id, m) for m in page.items], page.next_cursor)
    wanted = gates.unassigned(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.qc_wanted(item) for item in wanted.items], wanted.next_cursor)
