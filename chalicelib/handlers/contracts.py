"""Award, contracts, milestones, deliverables, reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.handlers import views
from chalicelib.handlers.http import NO_STORE, Call, endpoint
from chalicelib.handlers.policy import CUSTOMER, PROFILE, PROFILE_OR_ADMIN, PROVIDER, VERIFIED_CUSTOMER
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import common as common_bodies
    from chalicelib.schemas import contracts as bodies
else:
    bodies, common_bodies = lazy("contracts"), lazy("common")

bp = Blueprint(__name__)


@endpoint(bp, "/bids/{bid_id}/award", "POST", policy=VERIFIED_CUSTOMER, status=201)
def award(call: Call, bid_id: str) -> dict[str, Any]:
    """Award a bid (verified task owner): a draft contract with the bid's milestones; other bids lose."""
    from chalicelib.services import contracts, hub

    contract, milestones = contracts.award(call.actor, bid_id)
    return views.masked(views.contract(contract, milestones), hub.mask_for(call.actor, contract))


@endpoint(bp, "/me/contracts", "GET", policy=PROFILE, query=("cursor", "limit"))
def my_contracts(call: Call) -> dict[str, Any]:
    """My contracts, newest first."""
    from chalicelib.services import contracts, hub

    page = contracts.mine(call.actor, call.limit(), call.query("cursor"))
    masks = hub.masks_for(call.actor, page.items)
    me = call.actor.profile_id
    return views.page(
        [
            views.masked(
                (views.reviewed_contract(c, []) if views.my_role(c, me) == "reviewer" else views.contract(c, []))
                | {"milestones": None, "myRole": views.my_role(c, me)},
                masks.get(c.id),
            )
            for c in page.items
        ],
        page.next_cursor,
    )


@endpoint(bp, "/contracts/{contract_id}", "GET", policy=PROFILE_OR_ADMIN)
def get_contract(call: Call, contract_id: str) -> dict[str, Any]:
    """The contract with its milestones: parties, the assigned reviewer and admins."""
    from chalicelib.services import contracts, hub

    contract, milestones, role = contracts.load(call.actor, contract_id)
    if role == "reviewer":  # the reviewer sees the work, not the money or the parties' papers
        return views.reviewed_contract(contract, milestones)
    return views.masked(views.contract(contract, milestones), hub.mask_for(call.actor, contract))


@endpoint(bp, "/contracts/{contract_id}/sign", "POST", policy=PROFILE)
def sign(call: Call, contract_id: str) -> dict[str, Any]:
    """Sign (terms, NDA and the document's SHA-256 recorded, with time and version); both signed → active."""
    from chalicelib.services import contracts, hub

    contract, milestones = contracts.sign(call.actor, contract_id)
    return views.masked(views.contract(contract, milestones), hub.mask_for(call.actor, contract))


@endpoint(bp, "/contracts/{contract_id}/document", "GET", policy=PROFILE_OR_ADMIN)
def document(call: Call, contract_id: str) -> Response:
    """The contract document (PDF) of the current version, its SHA-256 in X-Document-SHA256 (parties, the
    reviewer, admins). Send `Accept: application/pdf` (or `*/*`): API Gateway returns binary only then."""
    from chalicelib.services import contracts

    issued = contracts.document(call.actor, contract_id)
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="{issued.filename}"',
        "X-Document-SHA256": issued.sha256,
        "X-Document-Version": str(issued.version),
        "Cache-Control": NO_STORE,
    }
    return Response(body=issued.body, status_code=200, headers=headers)


def _milestone(contract_id: str, milestone: Any, actor: Any = None) -> dict[str, Any]:
    from chalicelib.services import hub

    view = views.milestone(milestone) | {"contractId": contract_id}
    return views.masked(view, hub.mask_for_id(actor, contract_id)) if actor is not None else view


@endpoint(
    bp, "/contracts/{contract_id}/milestones/{milestone_id}/fund", "POST", policy=CUSTOMER, body=bodies.Fund, money=True
)
def fund(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Hold the milestone's amount in escrow, from the wallet or by card (Stripe: 202 with the payment to
    confirm; the milestone is funded when the payment webhook arrives)."""
    from chalicelib.handlers import payments
    from chalicelib.services import escrow

    return payments.funding(contract_id, escrow.fund_milestone(call.actor, contract_id, milestone_id, call.body.source))


@endpoint(bp, "/contracts/{contract_id}/bonus", "POST", policy=CUSTOMER, body=bodies.PayBonus, status=201, money=True)
def pay_bonus(call: Call, contract_id: str) -> dict[str, Any]:
    """Pay the provider extra from the wallet (contract active or completed), less the contract's commission."""
    from chalicelib.services import bonus

    paid = bonus.pay_bonus(call.actor, contract_id, call.body.amount.domain(), call.body.note)
    return {
        "postingId": paid.posting_id,
        "contractId": paid.contract_id,
        "amount": paid.amount.to_json(),
        "commission": paid.commission.to_json(),
        "net": paid.net.to_json(),
        "note": paid.note,
        "at": paid.at,
    }


@endpoint(bp, "/contracts/{contract_id}/milestones/{milestone_id}/submit", "POST", policy=PROVIDER, body=bodies.Submit)
def submit(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Deliver files (upload ids, purpose deliverable) for review."""
    from chalicelib.services import escrow

    milestone = escrow.submit(call.actor, contract_id, milestone_id, list(call.body.uploads), call.body.note)
    return _milestone(contract_id, milestone)


@endpoint(bp, "/contracts/{contract_id}/milestones/{milestone_id}/accept", "POST", policy=CUSTOMER, money=True)
def accept(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Accept the work: the escrow is released to the provider less commission."""
    from chalicelib.services import escrow

    return _milestone(contract_id, escrow.accept(call.actor, contract_id, milestone_id), call.actor)


@endpoint(
    bp,
    "/contracts/{contract_id}/milestones/{milestone_id}/request-revision",
    "POST",
    policy=CUSTOMER,
    body=common_bodies.Reason,
)
def request_revision(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Send the work back with a reason."""
    from chalicelib.services import escrow

    return _milestone(
        contract_id, escrow.request_revision(call.actor, contract_id, milestone_id, call.body.reason), call.actor
    )


@endpoint(
    bp, "/contracts/{contract_id}/milestones/{milestone_id}/dispute", "POST", policy=PROFILE, body=bodies.OpenDispute
)
def dispute(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Either party disputes work under review, the customer also work not delivered: the escrow is frozen."""
    from chalicelib.services import escrow

    body = call.body
    return _milestone(
        contract_id,
        escrow.dispute(call.actor, contract_id, milestone_id, body.reason, list(body.evidence)),
        call.actor,
    )


@endpoint(
    bp, "/contracts/{contract_id}/milestones/{milestone_id}/evidence", "POST", policy=PROFILE, body=bodies.AddEvidence
)
def add_evidence(call: Call, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """Either party adds a note and files (upload purpose evidence) to a disputed milestone, for the admins."""
    from chalicelib.services import disputes

    body = call.body
    return _milestone(
        contract_id,
        disputes.add_evidence(call.actor, contract_id, milestone_id, body.note, list(body.uploads)),
        call.actor,
    )


@endpoint(
    bp,
    "/contracts/{contract_id}/milestones/{milestone_id}/evidence/{upload_id}",
    "GET",
    policy=PROFILE_OR_ADMIN,
)
def evidence_file(call: Call, contract_id: str, milestone_id: str, upload_id: str) -> dict[str, Any]:
    """A short-lived download link for an evidence file (parties, admins)."""
    from chalicelib.services import disputes

    return disputes.evidence_url(call.actor, contract_id, milestone_id, upload_id)


@endpoint(
    bp, "/contracts/{contract_id}/milestones/{milestone_id}/deliverables/{upload_id}", "GET", policy=PROFILE_OR_ADMIN
)
def deliverable(call: Call, contract_id: str, milestone_id: str, upload_id: str) -> dict[str, Any]:
    """A short-lived download link for a submitted file (parties, reviewer, admins)."""
    from chalicelib.services import escrow

    return escrow.deliverable_url(call.actor, contract_id, milestone_id, upload_id)


@endpoint(bp, "/contracts/{contract_id}/reviews", "POST", policy=PROFILE, body=bodies.PostReview, status=201)
def review(call: Call, contract_id: str) -> dict[str, Any]:
    """Rate the other party of a completed contract, once."""
    from chalicelib.services import contracts, hub

    item = contracts.review(call.actor, contract_id, call.body.rating, call.body.text)
    view = {
        "contractId": item.contract_id,
        "reviewerId": item.reviewer_id,
        "revieweeId": item.reviewee_id,
        "rating": int(item.rating),
        "text": item.text,
        "at": item.at,
    }
    return views.masked(view, hub.mask_for_id(call.actor, contract_id))


@endpoint(bp, "/contracts/{contract_id}/terminate", "POST", policy=PROFILE_OR_ADMIN, body=bodies.Terminate)
def terminate(call: Call, contract_id: str) -> dict[str, Any]:
    """End the contract: a party proposes, the other agrees, or an admin decides; undelivered escrow goes back."""
    from chalicelib.services import hub, termination

    contract, milestones = termination.terminate(call.actor, contract_id, call.body.reason)
    return views.masked(views.contract(contract, milestones), hub.mask_for(call.actor, contract))
