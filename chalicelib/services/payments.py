"""Card payments through the gateway: the payment records and opening a payment.

Refunds are in services/refunds.py, Stripe's webhooks that settle payments in services/stripe_events.py,
the comparison with the gateway's books in services/reconciliation.py. See docs/payments.md.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.ids import new_id
from chalicelib.adapters.payment_models import (
    ClearingRefItem,
    PaymentItem,
)
from chalicelib.adapters.payment_port import Charge, PaymentGateway
from chalicelib.adapters.transactions import error_code
from chalicelib.domain.clock import iso
from chalicelib.domain.money import Money
from chalicelib.domain.withdrawals import CARD_PAYMENT, OPEN_PAYMENTS, PaymentStatus

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from chalicelib.adapters.table import ContractItem, MilestoneItem
    from chalicelib.services.identity import Actor

log = logging.getLogger(__name__)
Write = Callable[["TransactWrite", str | None], None]
ATTEMPTS = 5


# --- payment items -------------------------------------------------------------------------


def payment_key(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


def get_payment(payment_id: str) -> PaymentItem | None:
    try:
        return PaymentItem.get(payment_key(payment_id), "PAYMENT", consistent_read=True)
    except PaymentItem.DoesNotExist:
        return None


def new_payment(
    charge: Charge,
    purpose: str,
    profile_id: str,
    money: Money,
    contract: ContractItem | None = None,
    milestone: MilestoneItem | None = None,
    reference: str | None = None,
) -> PaymentItem:
    at = iso()
    reference = reference or (f"milestone:{milestone.id}" if milestone is not None else f"deposit:{charge.id}")
    return PaymentItem(
        pk=payment_key(charge.id),
        sk="PAYMENT",
        type="Payment",
        gsi1pk=f"PAYREF#{reference}",
        gsi1sk=f"{at}#{charge.id}",
        id=charge.id,
        gateway=charge.gateway,
        purpose=purpose,
        reference=reference,
        profile_id=profile_id,
        contract_id=contract.id if contract is not None else None,
        milestone_id=milestone.id if milestone is not None else None,
        amount=money.amount,
        currency=money.currency,
        status=PaymentStatus.REQUIRES_PAYMENT.value,
        charge_id=charge.charge_id,
        refunds=[],
        created_at=at,
        updated_at=at,
    )


def settled(payment: PaymentItem, received: Money, booked_to: str) -> None:
    """Mark the payment succeeded (in memory; `save_payment` writes it in the commit)."""
    payment.status = CARD_PAYMENT.next(PaymentStatus(payment.status), "succeed").value
    payment.received = received.amount
    payment.booked_to = booked_to
    payment.gsi2pk = None
    payment.gsi2sk = None
    payment.updated_at = iso()


def save_payment(payment: PaymentItem) -> Write:
    """Write the payment in the commit; its version makes a concurrent second application fail the whole commit."""

    def write(tx: TransactWrite, _posting: str | None) -> None:
        tx.save(payment)

    return write


def clearing_ref(gateway_name: str, key: str, kind: str) -> Write:
    """Remember which gateway object a clearing posting mirrors (for `make reconcile`)."""

    def write(tx: TransactWrite, posting_id: str | None) -> None:
        if posting_id is None:
            return
        tx.save(
            ClearingRefItem(
                pk=f"CLEARINGREF#{posting_id}",
                sk="REF",
                type="ClearingRef",
                gateway=gateway_name,
                key=key,
                kind=kind,
                at=iso(),
            )
        )

    return write


def payments_for(reference: str) -> list[PaymentItem]:
    return list(PaymentItem.gsi1.query(f"PAYREF#{reference}", scan_index_forward=True))


def payment_view(payment: PaymentItem, client_secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": payment.id,
        "gateway": payment.gateway,
        "purpose": payment.purpose,
        "status": payment.status,
        "amount": {"amount": int(payment.amount), "currency": payment.currency},
        "refunded": {"amount": int(payment.refunded or 0), "currency": payment.currency},
        "contractId": payment.contract_id,
        "milestoneId": payment.milestone_id,
        "createdAt": payment.created_at,
        "updatedAt": payment.updated_at,
    }
    if client_secret is not None:
        view["clientSecret"] = client_secret
    in_flight = sum(int(r["amount"]) for r in (payment.refunds or []) if r.get("status") == "pending")
    view["refunding"] = {"amount": in_flight, "currency": payment.currency}
    view["refunds"] = [
        {
            "id": r.get("id"),
            "amount": {"amount": int(r["amount"]), "currency": payment.currency},
            "status": r.get("status", "succeeded"),
            "at": r.get("at"),
            "source": "api" if r.get("kind") == "request" else "gateway",
        }
        for r in (payment.refunds or [])
    ]
    if payment.last_error:
        view["lastError"] = payment.last_error
    return view


def milestone_metadata(contract: ContractItem, milestone: MilestoneItem) -> dict[str, str]:
    return {
        "purpose": "milestone",
        "contractId": contract.id,
        "milestoneId": milestone.id,
        "customerId": contract.customer_id,
    }


def open_milestone_payment(
    port: PaymentGateway, contract: ContractItem, milestone: MilestoneItem, money: Money
) -> dict[str, Any]:
    """The card payment the customer completes for a milestone: the open one again, or a new PaymentIntent.

    One milestone never has two open payments: the latest open one is handed out again, and the
    idempotency key (`fund-<milestoneId>-<n>`, n = payments before it) makes concurrent calls get the same one.
    """
    earlier = payments_for(f"milestone:{milestone.id}")
    for payment in reversed(earlier):
        if PaymentStatus(payment.status) in OPEN_PAYMENTS:
            return payment_view(payment, port.intent(payment.id).client_secret)
    charge = port.charge(
        money,
        f"{contract.id}/{milestone.id}",
        f"fund-{milestone.id}-{len(earlier)}",
        metadata=milestone_metadata(contract, milestone),
        transfer_group=contract.id,
    )
    payment = new_payment(charge, "milestone", contract.customer_id, money, contract, milestone)
    _keep(payment)
    return payment_view(payment, charge.client_secret)


def open_deposit(port: PaymentGateway, profile_id: str, money: Money) -> dict[str, Any]:
    """A wallet top-up by card that completes on the webhook."""
    deposit_id = new_id()
    charge = port.charge(
        money,
        f"deposit/{profile_id}",
        f"deposit-{deposit_id}",
        metadata={"purpose": "deposit", "profileId": profile_id, "depositId": deposit_id},
    )
    payment = new_payment(charge, "deposit", profile_id, money, reference=f"deposit:{deposit_id}")
    _keep(payment)
    return payment_view(payment, charge.client_secret)


def _keep(payment: PaymentItem) -> None:
    from pynamodb.exceptions import PutError

    try:
        payment.save()  # new: conditional on no version yet
    except PutError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        # the same PaymentIntent (same idempotency key) was recorded by a concurrent call


def pending_payments(profile_id: str) -> dict[str, int]:
    """Card payments that are processing (not yet captured), per currency: part of the wallet's `pending`."""
    totals: dict[str, int] = defaultdict(int)
    for payment in PaymentItem.gsi2.query(f"PENDINGPAY#{profile_id}"):
        totals[payment.currency] += int(payment.amount)
    return dict(totals)


def payment_for(actor: Actor, payment_id: str) -> PaymentItem:
    """GET /payments/{id}: the payer and admins; to anyone else it does not exist (404)."""
    from chalicelib.domain.errors import NotFound

    payment = get_payment(payment_id)
    if payment is None or (not actor.is_admin and payment.profile_id != actor.profile_id):
        raise NotFound("no such payment")
    return payment
