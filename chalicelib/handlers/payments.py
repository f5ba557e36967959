"""Stripe webhooks, card payments, withdrawals, payout accounts and the payout-job consumer."""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response, SQSEvent

from chalicelib.domain.errors import DomainError, ValidationFailed
from chalicelib.handlers import policy as may
from chalicelib.handlers import views
from chalicelib.handlers.http import MAX_BODY, ROUTES, STATUS_KEY, Call, RouteSpec, endpoint, from_error, log, problem
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import common as common_bodies
    from chalicelib.schemas import money as bodies
else:
    bodies, common_bodies = lazy("money"), lazy("common")

bp = Blueprint(__name__)
consumer_log = logging.getLogger(__name__)
PAYOUTS_QUEUE = "tasklane-payouts"


# --- Stripe's webhook -------------------------------------------------------------------------------


@bp.route("/webhooks/stripe", methods=["POST"], content_types=["application/json"])
def stripe_webhook() -> Response:
    """Stripe's signed events: the raw body is verified before it is parsed; each event id is applied once."""
    request = bp.current_request
    request_id = (request.context or {}).get("requestId") or request.headers.get("x-request-id") or str(uuid.uuid4())
    log.set_correlation_id(request_id)
    log.append_keys(route="POST /webhooks/stripe")
    raw = request.raw_body or b""
    try:
        if len(raw) > MAX_BODY:
            raise ValidationFailed(f"body larger than {MAX_BODY} bytes")
        from chalicelib.services import stripe_events

        result = stripe_events.receive_webhook(raw, request.headers.get("stripe-signature"))
    except DomainError as error:
        log.info("webhook refused", extra={"status": error.status, "detail": error.detail})
        response = from_error(error)
    except Exception:  # Stripe retries anything but a 2xx: nothing is lost
        log.exception("webhook failed")
        response = problem(500, "internal", "Internal error", f"something went wrong; quote {request_id}")
    else:
        response = Response(body=json.dumps(result), status_code=200, headers={"Content-Type": "application/json"})
    response.headers["X-Request-Id"] = request_id
    return response


ROUTES.append(
    RouteSpec(
        "/webhooks/stripe",
        "POST",
        "Stripe's signed events (Stripe-Signature checked with the endpoint secret); each event applied once.",
        may.PUBLIC.for_method("POST"),
        None,
        200,
        "payments",
    )
)


# --- views ------------------------------------------------------------------------------------------


def withdrawal(w: Any) -> dict[str, Any]:
    return {
        "id": w.id,
        "status": w.status,
        "amount": views.money(w.amount, w.currency),
        "profileId": w.profile_id,
        "gateway": w.gateway,
        "transferId": w.transfer_id,
        "payoutId": w.payout_id,
        "reason": w.reason,
        "failure": w.failure,
        "history": list(w.history or []),
        "requestedAt": w.requested_at,
        "decidedAt": w.decided_at,
        "settledAt": w.settled_at,
        "updatedAt": w.updated_at,
    }


def funding(contract_id: str, result: Any) -> dict[str, Any]:
    """POST …/fund: the milestone; with a card payment still to complete, its client secret and a 202."""
    view = views.milestone(result.milestone) | {"contractId": contract_id}
    if result.payment is None:
        return view
    view["payment"] = result.payment
    return view | {STATUS_KEY: 202} if result.pending else view


def deposit(result: dict[str, Any]) -> dict[str, Any]:
    """POST /me/deposits: 201 when settled, 202 with the client secret while the card payment is to complete."""
    return result if result.get("status") == "succeeded" else result | {STATUS_KEY: 202}


# --- withdrawals ----------------------------------------------------------------------------------------


@endpoint(
    bp, "/me/withdrawals", "POST", policy=may.VERIFIED_PROVIDER, body=bodies.RequestWithdrawal, status=201, money=True
)
def request_withdrawal(call: Call) -> dict[str, Any]:
    """Provider: withdraw `{amount}` from the wallet to the payout account → `requested` (admins approve)."""
    from chalicelib.services import withdrawals

    return withdrawal(withdrawals.request(call.actor, call.body.amount.domain()))


@endpoint(bp, "/me/withdrawals", "GET", policy=may.PROFILE, query=("cursor", "limit"))
def my_withdrawals(call: Call) -> dict[str, Any]:
    """My withdrawals, newest first."""
    from chalicelib.services import withdrawals

    page = withdrawals.mine(call.actor, call.limit(), call.query("cursor"))
    return views.page([withdrawal(w) for w in page.items], page.next_cursor)


@endpoint(bp, "/admin/withdrawals", "GET", policy=may.ADMIN, query=("status", "cursor", "limit"))
def withdrawal_queue(call: Call) -> dict[str, Any]:
    """Admin: `?status=requested` (default) or `approved`, oldest first, each with the user's recent deposits
    and incoming payments beside it."""
    from chalicelib.services import withdrawals

    page, recent_by_payee = withdrawals.queue(call.actor, call.query("status"), call.limit(), call.query("cursor"))
    items = []
    for w in page.items:
        recent = recent_by_payee[w.profile_id]
        items.append(
            withdrawal(w)
            | {
                "displayName": w.display_name,
                "email": w.email,
                "recentDeposits": [views.entry(e) for e in recent["deposits"]],
                "recentIncoming": [views.entry(e) for e in recent["incoming"]],
            }
        )
    return views.page(items, page.next_cursor)


@endpoint(bp, "/admin/withdrawals/{withdrawal_id}/approve", "POST", policy=may.ADMIN, money=True)
def approve_withdrawal(call: Call, withdrawal_id: str) -> dict[str, Any]:
    """Admin: approve → `approved`; the payout job sends it to the provider's payout account."""
    from chalicelib.services import withdrawals

    return withdrawal(withdrawals.approve(call.actor, withdrawal_id))


@endpoint(
    bp, "/admin/withdrawals/{withdrawal_id}/reject", "POST", policy=may.ADMIN, body=common_bodies.Reason, money=True
)
def reject_withdrawal(call: Call, withdrawal_id: str) -> dict[str, Any]:
    """Admin: reject with `{reason}` → `rejected`; the money goes back to the wallet."""
    from chalicelib.services import withdrawals

    return withdrawal(withdrawals.reject(call.actor, withdrawal_id, call.body.reason))


@endpoint(bp, "/me/payouts/onboarding", "POST", policy=may.PROVIDER)
def payout_onboarding(call: Call) -> dict[str, Any]:
    """Provider: my payout account (Stripe Connect Express, created once) and a fresh onboarding link."""
    from chalicelib.services import withdrawals

    return withdrawals.onboarding(call.actor)


# --- card payments ------------------------------------------------------------------------------------


@endpoint(bp, "/payments/{payment_id}", "GET", policy=may.PROFILE_OR_ADMIN)
def get_payment(call: Call, payment_id: str) -> dict[str, Any]:
    """A card payment (milestone funding or deposit): the payer and admins."""
    from chalicelib.services import payments

    return payments.payment_view(payments.payment_for(call.actor, payment_id))


@endpoint(
    bp, "/payments/{payment_id}/refund", "POST", policy=may.PROFILE_OR_ADMIN, body=bodies.RequestRefund, money=True
)
def refund_payment(call: Call, payment_id: str) -> dict[str, Any]:
    """The payer or an admin: send `{amount}` back to the card, as far as the wallet still holds that money."""
    from chalicelib.services import payments, refunds

    key = call.request.headers.get("idempotency-key")
    return payments.payment_view(refunds.request(call.actor, payment_id, call.body.amount.domain(), key))


# --- the payout job ------------------------------------------------------------------------------------


def on_payout_job(body: dict[str, Any]) -> str:
    """A `WithdrawalApproved` event (EventBridge envelope through SQS, or its bare detail): pay it out."""
    inner = body.get("detail")
    detail: dict[str, Any] = inner if isinstance(inner, dict) else body
    if body.get("detail-type", "WithdrawalApproved") != "WithdrawalApproved" or not detail.get("withdrawalId"):
        return "not a payout job"
    from chalicelib.services import withdrawals

    return withdrawals.run_payout(str(detail["withdrawalId"]))


@bp.on_sqs_message(queue=PAYOUTS_QUEUE, batch_size=1)
def payouts_consumer(event: SQSEvent) -> None:
    for record in event:
        consumer_log.info("payout job: %s", on_payout_job(json.loads(record.body)))
