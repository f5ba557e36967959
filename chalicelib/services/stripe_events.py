"""Stripe's webhooks, each event applied once.

A webhook is verified (signature and timestamp tolerance) before anything is read from it. Each
event id is applied once: its record is written with `attribute_not_exists` in the same
transaction as the event's effect, and every effect is also guarded by the state it changes
(payment, milestone and withdrawal versions). A replay, or the same event arriving twice at once,
loses that race and is answered as a duplicate. Events about a payment that has not succeeded yet
(a refund or a dispute overtaking `payment_intent.succeeded`) are held and applied right after it.
See docs/payments.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters import payments_repo, payout_accounts_repo, webhook_events_repo, withdrawals_repo
from chalicelib.adapters.unit_of_work import Writes, unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso, now
from chalicelib.domain.errors import Conflict, DomainError, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.domain.withdrawals import CARD_PAYMENT, PaymentStatus, WithdrawalStatus
from chalicelib.services.payments import ATTEMPTS, Write, get_payment, save_payment

log = logging.getLogger(__name__)
EVENT_RETENTION_SECONDS = 90 * 24 * 3600  # Stripe retries for 3 days; we keep the record much longer
Event = tuple[str, dict[str, Any]]  # a domain event to emit in a commit: detail type, detail


# --- webhooks -------------------------------------------------------------------------------


def receive_webhook(payload: bytes | str, signature: str | None) -> dict[str, Any]:
    """POST /webhooks/stripe: verify, check its shape, then apply once. A bad signature or a malformed
    event is a 400 and records nothing."""
    from chalicelib.adapters.stripe_gateway import verify_event

    if isinstance(payload, bytes):
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("the webhook body is not UTF-8") from None
    return apply(well_formed(verify_event(payload, signature)))


# What the handlers below read from `data.object`, by type (None is always allowed: Stripe sends nulls).
_OBJECT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "payment_intent": str,
    "currency": str,
    "status": str,
    "reason": str,
    "failure_code": str,
    "failure_message": str,
    "amount": int,
    "amount_received": int,
    "amount_refunded": int,
    "payouts_enabled": bool,
    "charges_enabled": bool,
    "details_submitted": bool,
    "metadata": dict,
    "last_payment_error": dict,
    "reversals": dict,
    "latest_charge": (str, dict),
}
_MAX_ID = 255  # Stripe ids are far shorter; ours in metadata too. Longer ones would not fit a key.
_METADATA_IDS = ("profileId", "withdrawalId", "refundId")  # our ids that handlers look up


def well_formed(event: dict[str, Any]) -> dict[str, Any]:
    """A verified body is still only trusted as far as its shape: what the handlers read must be there, typed."""
    errors: list[dict[str, str]] = []

    def need(ok: bool, where: str, message: str) -> None:
        if not ok:
            errors.append({"field": where, "message": message})

    need(_is_id(event.get("id")), "id", "an event id")
    need(isinstance(event.get("type"), str) and 0 < len(event["type"]) <= _MAX_ID, "type", "an event type")
    created = event.get("created")
    need(created is None or (type(created) is int and created >= 0), "created", "a unix time")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    need(isinstance(obj, dict), "data.object", "an object")
    if isinstance(obj, dict):
        for name, kind in _OBJECT_FIELDS.items():
            value = obj.get(name)
            typed = value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool)))
            need(typed, f"data.object.{name}", "wrong type")
        for name in ("id", "payment_intent", "latest_charge"):
            if isinstance(obj.get(name), str):
                need(_is_id(obj[name]), f"data.object.{name}", "an id")
        metadata: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
        for key in _METADATA_IDS:
            need(metadata.get(key) is None or _is_id(metadata[key]), f"data.object.metadata.{key}", "an id")
        reversals: dict[str, Any] = obj["reversals"] if isinstance(obj.get("reversals"), dict) else {}
        listed = reversals.get("data") or []
        need(
            isinstance(listed, list) and all(isinstance(r, dict) and _is_id(r.get("id")) for r in listed),
            "data.object.reversals.data",
            "a list of reversals",
        )
    if errors:
        raise ValidationFailed("the webhook body is not a well-formed Stripe event", errors)
    return event


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID and value.isascii() and value.isprintable()


@dataclass
class Context:
    """One delivery of one event: what it is about, and the record that makes it apply once."""

    event: dict[str, Any]
    after: list[Callable[[], None]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.event["id"])

    @property
    def type(self) -> str:
        return str(self.event.get("type", ""))

    @property
    def obj(self) -> dict[str, Any]:
        data: dict[str, Any] = self.event["data"]["object"]
        return data

    @property
    def actor(self) -> str:
        return f"stripe:{self.id}"

    def mark(self, outcome: str) -> Write:
        """The event's record, written with its effect; exists already → the whole commit fails (a duplicate)."""

        def write(uow: Writes, _posting: str | None) -> None:
            webhook_events_repo.record(
                uow,
                self.id,
                self.type,
                outcome,
                object_id=str(self.obj.get("id", "")),
                created=int(self.event.get("created") or 0),
                at=iso(),
                expires_at=int(now().timestamp()) + EVENT_RETENTION_SECONDS,
            )

        return write

    def only(self, outcome: str) -> str:
        """Record the event without any other effect."""
        with unit_of_work("this event was applied meanwhile") as uow:
            self.mark(outcome)(uow, None)
        return outcome


def seen(event_id: str) -> webhook_events_repo.WebhookEvent | None:
    return webhook_events_repo.seen(event_id)


def apply(event: dict[str, Any]) -> dict[str, Any]:
    """Apply a verified event once. Lost races are retried; a record found on retry means it was a duplicate."""
    ctx = Context(event)
    handler = HANDLERS.get(ctx.type)
    for _ in range(ATTEMPTS):
        record = seen(ctx.id)
        if record is not None:
            if ctx.type == "payment_intent.succeeded":
                release_held(str(ctx.obj.get("id")))  # in case applying them failed after the first delivery
            return {"id": ctx.id, "type": ctx.type, "outcome": "duplicate", "first": record.outcome}
        ctx.after = []
        try:
            outcome = handler(ctx) if handler is not None else ctx.only("ignored: not a type we handle")
        except Conflict:
            continue  # the same event in another delivery, or a user's command on the same milestone
        for step in ctx.after:
            step()
        log.info("stripe event %s %s: %s", ctx.id, ctx.type, outcome)
        return {"id": ctx.id, "type": ctx.type, "outcome": outcome}
    raise Conflict("the event kept losing races; Stripe will deliver it again")


def _hold(ctx: Context, payment: payments_repo.Payment) -> str:
    """Keep an event about a payment that has not succeeded yet; `payment_intent.succeeded` applies it after."""
    webhook_events_repo.hold(payment.id, ctx.id, ctx.type, ctx.event)
    fresh = get_payment(payment.id)
    if fresh is not None and fresh.status == PaymentStatus.SUCCEEDED.value:
        release_held(payment.id)  # it succeeded while we were holding: apply now, not never
        return "held, then applied"
    return "held until the payment succeeds"


def release_held(payment_id: str) -> int:
    applied = 0
    for item in webhook_events_repo.held_for(payment_id):
        try:
            apply(dict(item.event))
        except DomainError as exc:  # left held: the next delivery of the payment's success tries again
            log.warning(
                "held event %s for %s not applied: %s", webhook_events_repo.held_event_id(item), payment_id, exc.detail
            )
            continue
        webhook_events_repo.drop(item)
        applied += 1
    return applied


def _release(payment_id: str) -> None:
    release_held(payment_id)


def held_events() -> list[webhook_events_repo.HeldEvent]:
    return webhook_events_repo.all_held()


def _payment_of(ctx: Context, intent_id: Any) -> payments_repo.Payment | None:
    return get_payment(str(intent_id)) if intent_id else None


def _intent_succeeded(ctx: Context) -> str:
    from chalicelib.services import escrow, wallet

    intent = ctx.obj
    payment = _payment_of(ctx, intent.get("id"))
    if payment is None:
        return ctx.only("ignored: not a Tasklane payment")
    status = PaymentStatus(payment.status)
    if not CARD_PAYMENT.allows(status, "succeed"):
        return ctx.only(f"ignored: the payment is {status.value}")
    currency = str(intent.get("currency") or payment.currency).upper()  # ours if a (signed) event lacks it
    received = Money(int(intent.get("amount_received") or intent.get("amount") or 0), currency)
    latest = intent.get("latest_charge")
    payment.charge_id = str(latest.get("id") if isinstance(latest, dict) else latest or "") or payment.charge_id
    payment_id = str(payment.id)
    ctx.after.append(lambda: _release(payment_id))
    if payment.purpose == "milestone":
        funded = escrow.commit_card_payment(payment, received, ctx.actor, [ctx.mark("milestone funded")])
        if funded is not None:
            return "milestone funded"
        # the milestone no longer waits for this money (funded from the wallet meanwhile, or the contract ended)
    wallet.credit_card_payment(payment, received, ctx.actor, [ctx.mark("wallet credited")])
    return "wallet credited"


def _intent_processing(ctx: Context) -> str:
    payment = _payment_of(ctx, ctx.obj.get("id"))
    if payment is None:
        return ctx.only("ignored: not a Tasklane payment")
    if not CARD_PAYMENT.allows(PaymentStatus(payment.status), "process"):
        return ctx.only(f"ignored: the payment is {payment.status}")
    payment.status = PaymentStatus.PROCESSING.value
    payments_repo.enter_pending(payment)
    return _save_with(ctx, payment, "payment processing")


def _intent_failed(ctx: Context) -> str:
    intent = ctx.obj
    payment = _payment_of(ctx, intent.get("id"))
    if payment is None:
        return ctx.only("ignored: not a Tasklane payment")
    if not CARD_PAYMENT.allows(PaymentStatus(payment.status), "fail"):
        return ctx.only(f"ignored: the payment is {payment.status}")
    error = intent.get("last_payment_error") or {}
    payment.status = PaymentStatus.REQUIRES_PAYMENT.value
    payments_repo.leave_pending(payment)
    payment.last_error = {
        "code": error.get("code"),
        "declineCode": error.get("decline_code"),
        "message": error.get("message"),
    }
    event = (
        "CardPaymentFailed",
        {"paymentId": payment.id, "milestoneId": payment.milestone_id, "recipients": [payment.profile_id]}
        | {"code": error.get("code")},
    )
    return _save_with(ctx, payment, "payment failed; the customer may retry", event)


def _intent_canceled(ctx: Context) -> str:
    payment = _payment_of(ctx, ctx.obj.get("id"))
    if payment is None:
        return ctx.only("ignored: not a Tasklane payment")
    if not CARD_PAYMENT.allows(PaymentStatus(payment.status), "cancel"):
        return ctx.only(f"ignored: the payment is {payment.status}")
    payment.status = PaymentStatus.CANCELED.value
    payments_repo.leave_pending(payment)
    return _save_with(ctx, payment, "payment canceled")


def _save_with(ctx: Context, payment: payments_repo.Payment, outcome: str, event: Event | None = None) -> str:
    at = iso()
    payment.updated_at = at
    with unit_of_work("the payment changed meanwhile") as uow:
        payments_repo.save(uow, payment)
        ctx.mark(outcome)(uow, None)
        if event is not None:
            uow.emit(*event, at)
    return outcome


def _charge_refunded(ctx: Context) -> str:
    """Cumulative `amount_refunded`: what is beyond our booked and in-flight requests was started at the gateway."""
    from chalicelib.services import refunds

    charge = ctx.obj
    payment = _payment_of(ctx, charge.get("payment_intent"))
    if payment is None:
        return ctx.only("ignored: not a Tasklane payment")
    if payment.status != PaymentStatus.SUCCEEDED.value:
        return _hold(ctx, payment)
    delta = refunds.gateway_refunded(payment, int(charge.get("amount_refunded") or 0))
    if delta <= 0:
        return ctx.only("already booked")  # our own refund (booked or in flight), or an older event
    refunds.book_gateway_refund(
        payment,
        delta,
        {"id": None, "status": "succeeded", "by": "stripe", "eventId": ctx.id},
        ctx.mark("refund booked"),
    )
    return "refund booked"


# A refund object's status → what it does to our request (domain/refunds.py); "pending" changes nothing.
_REFUND_ACTIONS = {"succeeded": "succeed", "failed": "release", "canceled": "release"}


def _refund_changed(ctx: Context) -> str:
    """`refund.updated` / `refund.failed` / `charge.refund.updated` about a refund we asked for: settle it once."""
    from chalicelib.domain.refunds import REFUND, RefundStatus
    from chalicelib.services import refunds

    refund = ctx.obj
    payment = _payment_of(ctx, refund.get("payment_intent"))
    refund_id = str((refund.get("metadata") or {}).get("refundId") or "")
    if payment is None or not refund_id:
        return ctx.only("ignored: not a refund asked for through Tasklane")
    entry = next((r for r in refunds.requests_of(payment) if r.id == refund_id), None)
    action = _REFUND_ACTIONS.get(str(refund.get("status")))
    if entry is None or action is None:
        return ctx.only(f"ignored: refund {refund.get('status')}")
    if action == "release" and entry.status is RefundStatus.SUCCEEDED:
        action = "reverse"  # it was reported paid and failed at the bank later
    if not REFUND.allows(entry.status, action):
        return ctx.only("already booked")
    outcome = {"succeed": "refund booked", "release": "refund released", "reverse": "refund reversed"}[action]
    refunds.finish(payment.id, refund_id, action, str(refund.get("id") or ""), "stripe", ctx.mark(outcome))
    return outcome


def _dispute_created(ctx: Context) -> str:
    from chalicelib.services import escrow

    dispute = ctx.obj
    payment = _payment_of(ctx, dispute.get("payment_intent"))
    if payment is None:
        return ctx.only("ignored: not a Tasklane payment")
    if payment.status != PaymentStatus.SUCCEEDED.value:
        return _hold(ctx, payment)
    info = {
        "id": dispute.get("id"),
        "amount": {"amount": int(dispute.get("amount") or 0), "currency": str(dispute.get("currency", "")).upper()},
        "reason": dispute.get("reason"),
        "status": dispute.get("status"),
        "at": iso(),
    }
    payment.dispute = info
    payment.updated_at = iso()
    if payment.purpose == "milestone" and payment.booked_to == ledger.escrow(str(payment.contract_id)):
        outcome = escrow.freeze_for_card_dispute(
            payment, info, ctx.actor, [save_payment(payment), ctx.mark("card dispute")]
        )
        if not outcome.startswith("not frozen") and outcome != "no milestone":
            return outcome
    event = (
        "CardDisputeOpened",
        {"paymentId": payment.id, "dispute": info, "purpose": payment.purpose, "recipients": [payment.profile_id]},
    )
    return _save_with(ctx, payment, "card dispute recorded for admins", event)


def _account_updated(ctx: Context) -> str:
    account = ctx.obj
    item = _connect_account(account)
    if item is None:
        return ctx.only("ignored: not a Tasklane payout account")
    created = int(ctx.event.get("created") or 0)
    if created < int(item.event_created or 0):
        return ctx.only("ignored: older than the state we hold")
    item.payouts_enabled = bool(account.get("payouts_enabled"))
    item.charges_enabled = bool(account.get("charges_enabled"))
    item.details_submitted = bool(account.get("details_submitted"))
    item.event_created = created
    item.updated_at = iso()
    with unit_of_work("the payout account changed meanwhile") as uow:
        payout_accounts_repo.save(uow, item)
        ctx.mark("payout account updated")(uow, None)
    return f"payouts {'enabled' if item.payouts_enabled else 'disabled'}"


def _connect_account(account: dict[str, Any]) -> payout_accounts_repo.PayoutAccount | None:
    profile_id = (account.get("metadata") or {}).get("profileId")
    if profile_id:
        item = payout_accounts_repo.get(str(profile_id))
        if item is None:
            return None
        return item if item.account_id == account.get("id") else None
    return payout_accounts_repo.by_gateway_id(str(account.get("id")))


def _withdrawal_of(obj: dict[str, Any]) -> withdrawals_repo.Withdrawal | None:
    from chalicelib.services import withdrawals

    withdrawal_id = (obj.get("metadata") or {}).get("withdrawalId")
    return withdrawals.get(str(withdrawal_id)) if withdrawal_id else None


def _transfer_created(ctx: Context) -> str:
    transfer = ctx.obj
    withdrawal = _withdrawal_of(transfer)
    if withdrawal is None:
        return ctx.only("ignored: not a Tasklane withdrawal")
    if withdrawal.transfer_id == transfer.get("id"):
        return ctx.only("transfer already recorded")
    withdrawal.transfer_id = str(transfer.get("id"))
    withdrawal.updated_at = iso()
    with unit_of_work("the withdrawal changed meanwhile") as uow:
        withdrawals_repo.save(uow, withdrawal)
        ctx.mark("transfer recorded")(uow, None)
    return "transfer recorded"


def _transfer_reversed(ctx: Context) -> str:
    from chalicelib.services import withdrawals

    transfer = ctx.obj
    withdrawal = _withdrawal_of(transfer)
    if withdrawal is None:
        return ctx.only("ignored: not a Tasklane withdrawal")
    if withdrawal.status != WithdrawalStatus.APPROVED.value:
        if withdrawal.status == WithdrawalStatus.PAID.value:
            return _alert(ctx, withdrawal, "TransferReversedAfterPayout", "reversed after the payout: admins alerted")
        return ctx.only(f"already settled: the withdrawal is {withdrawal.status}")
    reversals = (transfer.get("reversals") or {}).get("data") or []
    withdrawal.reversal_id = str(reversals[-1]["id"]) if reversals else withdrawal.reversal_id
    failure = {"code": "transfer_reversed", "message": "the transfer to the payout account was reversed"}
    withdrawals.settle(
        withdrawal, "fail", ctx.actor, failure, [ctx.mark("withdrawal failed: money back in the wallet")]
    )
    return "withdrawal failed: money back in the wallet"


def _payout_paid(ctx: Context) -> str:
    from chalicelib.services import withdrawals

    payout = ctx.obj
    withdrawal = _withdrawal_of(payout)
    if withdrawal is None:
        return ctx.only("ignored: not a Tasklane withdrawal")
    if withdrawal.status != WithdrawalStatus.APPROVED.value:
        return ctx.only(f"ignored: the withdrawal is {withdrawal.status}")
    withdrawal.payout_id = withdrawal.payout_id or str(payout.get("id"))
    withdrawals.settle(withdrawal, "pay", ctx.actor, None, [ctx.mark("withdrawal paid")])
    return "withdrawal paid"


def _payout_failed(ctx: Context) -> str:
    from chalicelib.services import withdrawals

    payout = ctx.obj
    withdrawal = _withdrawal_of(payout)
    if withdrawal is None:
        return ctx.only("ignored: not a Tasklane withdrawal")
    if withdrawal.status == WithdrawalStatus.PAID.value:
        return _alert(ctx, withdrawal, "PayoutFailedAfterPaid", "failed after it was paid: admins alerted")
    if withdrawal.status != WithdrawalStatus.APPROVED.value:
        return ctx.only(f"ignored: the withdrawal is {withdrawal.status}")
    failure = {"code": payout.get("failure_code"), "message": payout.get("failure_message")}
    withdrawal.payout_id = withdrawal.payout_id or str(payout.get("id"))
    withdrawals.reverse_transfer(withdrawal)  # first: a 503 here makes Stripe deliver the event again
    withdrawals.settle(
        withdrawal, "fail", ctx.actor, failure, [ctx.mark("withdrawal failed: money back in the wallet")]
    )
    return "withdrawal failed: money back in the wallet"


def _alert(ctx: Context, withdrawal: withdrawals_repo.Withdrawal, kind: str, outcome: str) -> str:
    at = iso()
    with unit_of_work("this event was applied meanwhile") as uow:
        ctx.mark(outcome)(uow, None)
        uow.emit(kind, {"withdrawalId": withdrawal.id, "eventId": ctx.id, "recipients": []}, at)
    return outcome


HANDLERS: dict[str, Callable[[Context], str]] = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.processing": _intent_processing,
    "payment_intent.payment_failed": _intent_failed,
    "payment_intent.canceled": _intent_canceled,
    "charge.refunded": _charge_refunded,
    "charge.refund.updated": _refund_changed,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
    "charge.dispute.created": _dispute_created,
    "account.updated": _account_updated,
    "transfer.created": _transfer_created,
    "transfer.reversed": _transfer_reversed,
    "payout.paid": _payout_paid,
    "payout.failed": _payout_failed,
}
