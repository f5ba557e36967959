"""Refunds to the card: reserve first, then ask the gateway, then settle or release (domain/refunds.py).

Asked for through the API (`POST /payments/{id}/refund`) a refund never books a loss: its money is
reserved out of the wallet before the gateway is called. Only a refund the gateway starts itself
(a dashboard refund, seen in `charge.refunded`) is split between the wallet and `losses:platform`.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from chalicelib.adapters import ledger_repo, payments_repo
from chalicelib.adapters.gateways import gateway
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.payment_port import PaymentRefused
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain import refunds as rules
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound
from chalicelib.domain.money import Money
from chalicelib.domain.refunds import REFUND, RefundEntry, RefundStatus
from chalicelib.domain.withdrawals import PaymentStatus
from chalicelib.services.identity import Actor
from chalicelib.services.payments import Write, clearing_ref, get_payment

log = logging.getLogger(__name__)
ATTEMPTS = 8
REQUEST = "request"  # the kind of a `refunds` entry asked for through the API; "gateway" for dashboard refunds


def _backoff(attempt: int) -> None:
    """Full jitter: concurrent refunds of one payment conflict on its version; spread their retries."""
    time.sleep(random.uniform(0, min(0.4, 0.02 * 2**attempt)))


def requests_of(payment: payments_repo.Payment) -> list[RefundEntry]:
    return [RefundEntry.of(r) for r in (payment.refunds or []) if r.get("kind") == REQUEST]


def in_flight(payment: payments_repo.Payment) -> int:
    return sum(r.amount for r in requests_of(payment) if r.status in rules.IN_FLIGHT)


def _find(payment: payments_repo.Payment, refund_id: str) -> RefundEntry | None:
    return next((r for r in requests_of(payment) if r.id == refund_id), None)


def _replace(payment: payments_repo.Payment, entry: RefundEntry) -> None:
    payment.refunds = [
        entry.as_dict() | {"kind": REQUEST} if r.get("kind") == REQUEST and r.get("id") == entry.id else r
        for r in (payment.refunds or [])
    ]


# --- asked for through the API ----------------------------------------------------------------------


def request(actor: Actor, payment_id: str, money: Money, request_key: str | None) -> payments_repo.Payment:
    """The payer (or an admin) sends `money` back to the card, out of the wallet; never more than it holds."""
    actor.require_writable()
    refund_id = rules.refund_id(payment_id, request_key, new_id())
    payment, entry = _reserve(actor, payment_id, money, refund_id)
    if entry.status is not RefundStatus.PENDING:
        return payment  # a retry of a request that has finished: its outcome again
    port = gateway(payment.gateway)
    try:
        done = port.refund(
            payment.id,
            money,
            f"refund-{refund_id}",
            metadata={"paymentId": payment.id, "profileId": payment.profile_id, "refundId": refund_id},
        )
    except PaymentRefused:
        finish(payment.id, refund_id, "release", None, actor.sub)
        raise
    # GatewayUnavailable propagates (503): nothing is known, so the reservation stays. The same request
    # again (same Idempotency-Key) asks the gateway with the same key; its webhook settles it too.
    if done.status == "succeeded":
        return finish(payment.id, refund_id, "succeed", done.id, actor.sub)
    if done.status in ("failed", "canceled"):
        finish(payment.id, refund_id, "release", done.id, actor.sub)
        raise PaymentRefused(f"the payment provider answered the refund with {done.status}")
    return get_payment(payment.id) or payment  # pending at the gateway: `refund.updated` settles it


def _reserve(actor: Actor, payment_id: str, money: Money, refund_id: str) -> tuple[payments_repo.Payment, RefundEntry]:
    """Add the request to the payment and move its money wallet → refunds:, in one transaction."""
    for attempt in range(ATTEMPTS):
        payment = get_payment(payment_id)
        if payment is None or (not actor.is_admin and payment.profile_id != actor.profile_id):
            raise NotFound("no such payment")
        existing = _find(payment, refund_id)
        if existing is not None:
            rules.same_request(existing, money.amount)
            return payment, existing
        if payment.status != PaymentStatus.SUCCEEDED.value:
            raise Conflict(f"the payment is {payment.status}; only a succeeded payment can be refunded")
        if money.currency != payment.currency:
            raise BusinessRuleViolated(
                f"the payment is in {payment.currency}", [{"field": "amount", "message": "currency"}]
            )
        holds = ledger_repo.balance(ledger.wallet(payment.profile_id), payment.currency)
        paid = int(payment.received or payment.amount)
        rules.check_request(money.amount, paid, int(payment.refunded or 0), in_flight(payment), holds)
        at = iso()
        entry = RefundEntry(refund_id, money.amount, RefundStatus.PENDING, actor.sub, at)
        payment.refunds = [*(payment.refunds or []), entry.as_dict() | {"kind": REQUEST}]
        payment.updated_at = at
        try:
            with unit_of_work("the wallet or the payment changed meanwhile") as uow:
                payments_repo.save(uow, payment)  # under its version: one refund request at a time per payment
                posting = ledger.refund_reserved(payment.profile_id, money)
                ledger_repo.add_posting(uow, posting, at, payment.contract_id, payment.milestone_id)
            return payment, entry
        except Conflict:
            _backoff(attempt)  # another refund, a funding or a withdrawal won; re-read and check again
    raise Conflict("this payment is busy with other refunds; retry")


# --- settling: the gateway's answer, or its webhook ----------------------------------------------------


def finish(
    payment_id: str, refund_id: str, action: str, gateway_id: str | None, by: str, writes: Write | None = None
) -> payments_repo.Payment:
    """Apply `succeed`, `release` or `reverse` to one refund request, once: a second application finds it moved.

    With `writes` (a webhook's record) a lost race goes back to the webhook's own loop, which first looks
    whether the event was recorded meanwhile."""
    for attempt in range(1 if writes is not None else ATTEMPTS):
        payment = get_payment(payment_id)
        entry = _find(payment, refund_id) if payment is not None else None
        if payment is None or entry is None:
            raise NotFound(f"no refund {refund_id} on payment {payment_id}")
        if not REFUND.allows(entry.status, action):
            if writes is not None:  # booked already by the request's own answer: the event is recorded, no effect
                with unit_of_work("this event was applied meanwhile") as uow:
                    writes(uow, None)
            return payment  # booked already (the webhook and the request's own answer both try)
        try:
            return _apply(payment, entry, action, gateway_id, by, writes)
        except Conflict:
            if writes is not None:
                raise
            _backoff(attempt)
    raise Conflict("the refund is done at the gateway; its booking will follow from the webhook")


def _apply(
    payment: payments_repo.Payment,
    entry: RefundEntry,
    action: str,
    gateway_id: str | None,
    by: str,
    writes: Write | None,
) -> payments_repo.Payment:
    at = iso()
    money = Money(entry.amount, payment.currency)
    moved = RefundEntry(
        entry.id, entry.amount, REFUND.next(entry.status, action), entry.by, entry.at, gateway_id or entry.gateway_id
    )
    _replace(payment, moved)
    payment.updated_at = at
    data: dict[str, Any] = {
        "paymentId": payment.id,
        "refundId": entry.id,
        "amount": {"amount": entry.amount, "currency": payment.currency},
        "recipients": [payment.profile_id],
    }
    if action == "succeed":
        payment.refunded = int(payment.refunded or 0) + entry.amount
        posting = ledger.refund_sent(payment.profile_id, money, payment.gateway)
        event_type, event = "CardRefunded", data | {"unrecovered": {"amount": 0, "currency": payment.currency}}
    elif action == "release":
        posting = ledger.refund_released(payment.profile_id, money)
        event_type, event = "CardRefundFailed", data | {"by": by}
    else:  # reverse: reported paid, failed at the bank later
        payment.refunded = int(payment.refunded or 0) - entry.amount
        posting = ledger.card_refund_failed(payment.profile_id, money, payment.gateway)
        event_type, event = "CardRefundFailed", data | {"by": by}
    with unit_of_work("the payment changed meanwhile") as uow:
        payments_repo.save(uow, payment)
        posting_id = ledger_repo.add_posting(uow, posting, at, payment.contract_id, payment.milestone_id)
        if action != "release":
            clearing_ref(payment.gateway, payment.id, posting.kind)(uow, posting_id)
        if writes is not None:
            writes(uow, posting_id)
        uow.emit(event_type, event, at)
    return payment


# --- started by the gateway itself -------------------------------------------------------------------


def gateway_refunded(payment: payments_repo.Payment, cumulative: int) -> int:
    """What of a charge's cumulative `amount_refunded` is new: neither booked nor one of our requests in flight."""
    return cumulative - int(payment.refunded or 0) - in_flight(payment)


def book_gateway_refund(
    payment: payments_repo.Payment, amount: int, detail: dict[str, Any], writes: Write | None
) -> payments_repo.Payment:
    """A refund we did not ask for: from the wallet as far as it holds it, the rest as a platform loss."""
    at = iso()
    currency = payment.currency
    holds = ledger_repo.balance(ledger.wallet(payment.profile_id), currency)
    covered, uncovered = ledger.split_refund(amount, holds)
    payment.refunded = int(payment.refunded or 0) + amount
    payment.refunds = [
        *(payment.refunds or []),
        detail | {"kind": "gateway", "amount": amount, "unrecovered": uncovered, "at": at},
    ]
    payment.updated_at = at
    data = {
        "paymentId": payment.id,
        "amount": {"amount": amount, "currency": currency},
        "unrecovered": {"amount": uncovered, "currency": currency},
        "recipients": [payment.profile_id],
    }
    evts = [("CardRefunded", data)]
    if uncovered:
        evts.append(("RefundUnrecovered", data | {"recipients": []}))
    posting = ledger.card_refund(
        payment.profile_id, Money(covered, currency), Money(uncovered, currency), payment.gateway
    )
    with unit_of_work("the wallet or the payment changed meanwhile") as uow:
        payments_repo.save(uow, payment)
        posting_id = ledger_repo.add_posting(uow, posting, at, payment.contract_id, payment.milestone_id)
        clearing_ref(payment.gateway, payment.id, "card_refund")(uow, posting_id)
        if writes is not None:
            writes(uow, posting_id)
        for detail_type, detail in evts:
            uow.emit(detail_type, detail, at)
    return payment
