"""Card payments through the gateway: the payment records and opening a payment.

Refunds are in services/refunds.py, Stripe's webhooks that settle payments in services/stripe_events.py,
the comparison with the gateway's books in services/reconciliation.py. See docs/payments.md.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import payments_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.payment_port import Charge, PaymentGateway
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import Conflict
from chalicelib.domain.money import Money
from chalicelib.domain.withdrawals import CARD_PAYMENT, OPEN_PAYMENTS, PaymentStatus

if TYPE_CHECKING:
    from chalicelib.adapters.contracts_repo import Contract, Milestone
    from chalicelib.services.identity import Actor

log = logging.getLogger(__name__)
# Something else to write in a commit; gets the posting id (None without a posting).
Write = Callable[[Writes, str | None], None]
ATTEMPTS = 5


# --- payment items -------------------------------------------------------------------------


def get_payment(payment_id: str) -> payments_repo.Payment | None:
    return payments_repo.get(payment_id)


def new_payment(
    charge: Charge,
    purpose: str,
    profile_id: str,
    money: Money,
    contract: Contract | None = None,
    milestone: Milestone | None = None,
    reference: str | None = None,
) -> payments_repo.Payment:
    at = iso()
    reference = reference or (f"milestone:{milestone.id}" if milestone is not None else f"deposit:{charge.id}")
    return payments_repo.new(
        charge,
        purpose,
        profile_id,
        money,
        reference,
        at,
        contract_id=contract.id if contract is not None else None,
        milestone_id=milestone.id if milestone is not None else None,
    )


def settled(payment: payments_repo.Payment, received: Money, booked_to: str) -> None:
    """Mark the payment succeeded (in memory; `save_payment` writes it in the commit)."""
    payment.status = CARD_PAYMENT.next(PaymentStatus(payment.status), "succeed").value
    payment.received = received.amount
    payment.booked_to = booked_to
    payments_repo.leave_pending(payment)
    payment.updated_at = iso()


def save_payment(payment: payments_repo.Payment) -> Write:
    """Write the payment in the commit; its version makes a concurrent second application fail the whole commit."""

    def write(uow: Writes, _posting: str | None) -> None:
        payments_repo.save(uow, payment)

    return write


def clearing_ref(gateway_name: str, key: str, kind: str) -> Write:
    """Remember which gateway object a clearing posting mirrors (for `make reconcile`)."""

    def write(uow: Writes, posting_id: str | None) -> None:
        if posting_id is None:
            return
        payments_repo.add_clearing_ref(uow, posting_id, gateway_name, key, kind, iso())

    return write


def payments_for(reference: str) -> list[payments_repo.Payment]:
    return payments_repo.for_reference(reference)


def payment_view(payment: payments_repo.Payment, client_secret: str | None = None) -> dict[str, Any]:
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


def milestone_metadata(contract: Contract, milestone: Milestone) -> dict[str, str]:
    return {
        "purpose": "milestone",
        "contractId": contract.id,
        "milestoneId": milestone.id,
        "customerId": contract.customer_id,
    }


def open_milestone_payment(
    port: PaymentGateway, contract: Contract, milestone: Milestone, money: Money
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


def _keep(payment: payments_repo.Payment) -> None:
    with suppress(Conflict):  # the same PaymentIntent (same idempotency key) was recorded by a concurrent call
        payments_repo.add(payment)


def pending_payments(profile_id: str) -> dict[str, int]:
    """Card payments that are processing (not yet captured), per currency: part of the wallet's `pending`."""
    totals: dict[str, int] = defaultdict(int)
    for payment in payments_repo.pending_for(profile_id):
        totals[payment.currency] += int(payment.amount)
    return dict(totals)


def payment_for(actor: Actor, payment_id: str) -> payments_repo.Payment:
    """GET /payments/{id}: the payer and admins; to anyone else it does not exist (404)."""
    from chalicelib.domain.errors import NotFound

    payment = get_payment(payment_id)
    if payment is None or (not actor.is_admin and payment.profile_id != actor.profile_id):
        raise NotFound("no such payment")
    return payment
