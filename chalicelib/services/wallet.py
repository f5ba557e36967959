"""Wallets, the ledger view, deposits through the payment port.

`available` is the wallet's balance. `pending` is money on its way: withdrawals in flight
(`payouts:<profileId>`) and card payments that are processing but not yet captured.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import ledger_repo, paging, payments_repo
from chalicelib.adapters.gateways import gateway
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated
from chalicelib.domain.money import Money
from chalicelib.services import payments
from chalicelib.services.identity import Actor


def wallet(actor: Actor) -> dict[str, Any]:
    profile = actor.require_profile()
    available = {b.currency: int(b.balance) for b in ledger_repo.balances(ledger.wallet(profile.id))}
    pending: dict[str, int] = {}
    for account in (ledger.payouts(profile.id), ledger.refunds(profile.id)):  # money on its way out
        for b in ledger_repo.balances(account):
            pending[b.currency] = pending.get(b.currency, 0) + int(b.balance)
    for currency, amount in payments.pending_payments(profile.id).items():
        pending[currency] = pending.get(currency, 0) + amount
    currencies = sorted(set(available) | set(pending))
    return {
        "balances": [
            {
                "currency": c,
                "available": {"amount": available.get(c, 0), "currency": c},
                "pending": {"amount": pending.get(c, 0), "currency": c},
            }
            for c in currencies
        ]
    }


def entries(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    profile = actor.require_profile()
    return ledger_repo.entries(ledger.wallet(profile.id), limit, cursor)


def deposit(actor: Actor, money: Money) -> dict[str, Any]:
    """Top up the wallet by card. The sandbox settles at once (`succeeded`); Stripe answers `requires_payment`
    with the PaymentIntent's client secret, and the wallet is credited when its webhook confirms it.
    """
    actor.require_writable()
    profile = actor.require_profile()
    port = gateway()
    if not port.settles_at_once:
        opened = payments.open_deposit(port, profile.id, money)
        return opened | {"postingId": None, "at": opened["createdAt"]}
    deposit_id = new_id()
    charge = port.charge(
        money,
        f"deposit/{profile.id}",
        f"deposit-{deposit_id}",
        metadata={"purpose": "deposit", "profileId": profile.id, "depositId": deposit_id},
    )
    if charge.status != "succeeded":
        raise BusinessRuleViolated("the card payment did not complete")
    payment = payments.new_payment(charge, "deposit", profile.id, money, reference=f"deposit:{deposit_id}")
    posting_id, at = credit_card_payment(payment, money, str(profile.id), [])
    return {"id": charge.id, "postingId": posting_id, "status": "succeeded", "amount": money.to_json(), "at": at}


def credit_card_payment(
    payment: payments_repo.Payment, received: Money, actor: str, writes: list[payments.Write]
) -> tuple[str, str]:
    """A card payment lands in the payer's wallet: a deposit, or a milestone payment the milestone no longer needs.

    The payment (version-checked), the posting, its clearing reference and `writes` commit together, once.
    """
    at = iso()
    account = ledger.wallet(payment.profile_id)
    payments.settled(payment, received, account)
    event = {
        "profileId": payment.profile_id,
        "amount": received.to_json(),
        "paymentId": payment.id,
        "purpose": payment.purpose,
        "recipients": [payment.profile_id],
    }
    with unit_of_work("the deposit could not be recorded; retry") as uow:
        payments.save_payment(payment)(uow, None)
        posting_id = ledger_repo.add_posting(
            uow,
            ledger.card_deposit(payment.profile_id, received, payment.gateway),
            at,
            payment.contract_id,
            payment.milestone_id,
        )
        payments.clearing_ref(payment.gateway, payment.id, "deposit")(uow, posting_id)
        for write in writes:
            write(uow, posting_id)
        uow.emit("DepositSucceeded", event, at)
    return posting_id, at
