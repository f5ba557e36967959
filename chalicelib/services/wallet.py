"""Wallets, the ledger view, deposits through the payment port."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import events, ledger_repo, paging
from chalicelib.adapters.payments import gateway
from chalicelib.adapters.transactions import transaction
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated
from chalicelib.domain.money import Money
from chalicelib.services.identity import Actor


def wallet(actor: Actor) -> dict[str, Any]:
    profile = actor.require_profile()
    available = {b.currency: int(b.balance) for b in ledger_repo.balances(ledger.wallet(profile.id))}
    pending = {b.currency: int(b.balance) for b in ledger_repo.balances(ledger.payouts(profile.id))}
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
    actor.require_writable()
    profile = actor.require_profile()
    port = gateway()
    charge = port.charge(money, f"deposit/{profile.id}", f"deposit-{profile.id}-{iso()}")
    if charge.status != "succeeded":
        raise BusinessRuleViolated("the card payment did not complete")
    at = iso()
    event = events.Event(
        "DepositSucceeded",
        {"profileId": profile.id, "amount": money.to_json(), "paymentId": charge.id, "recipients": [profile.id]},
    )
    with transaction("the deposit could not be recorded; retry") as tx:
        posting_id = ledger_repo.add_posting(tx, ledger.deposit(profile.id, money, charge.gateway), at)
        events.stage(tx, event, at)
    events.publish([event])
    return {"id": charge.id, "postingId": posting_id, "status": "succeeded", "amount": money.to_json(), "at": at}
