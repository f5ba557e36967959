"""Wallet, ledger, deposits, notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import PROFILE
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import money as bodies
else:
    bodies = lazy("money")

bp = Blueprint(__name__)


@endpoint(bp, "/me/wallet", "GET", policy=PROFILE)
def wallet(call: Call) -> dict[str, Any]:
    """My balances per currency: available and pending."""
    from chalicelib.services import wallet

    return wallet.wallet(call.actor)


@endpoint(bp, "/me/ledger", "GET", policy=PROFILE, query=("cursor", "limit"))
def ledger(call: Call) -> dict[str, Any]:
    """My wallet's ledger entries, newest first."""
    from chalicelib.services import wallet

    page = wallet.entries(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.entry(e) for e in page.items], page.next_cursor)


@endpoint(bp, "/me/deposits", "POST", policy=PROFILE, body=bodies.MakeDeposit, status=201, money=True, quota="deposits")
def deposit(call: Call) -> dict[str, Any]:
    """Top up the wallet by card: the sandbox completes at once (201); Stripe answers 202 with the payment to
    confirm, and the wallet is credited by its webhook."""
    from chalicelib.handlers import payments
    from chalicelib.services import wallet

    return payments.deposit(wallet.deposit(call.actor, call.body.amount.domain()))


@endpoint(bp, "/me/notifications", "GET", policy=PROFILE, query=("cursor", "limit"))
def notifications(call: Call) -> dict[str, Any]:
    """My in-app inbox, newest first."""
    from chalicelib.services import notifications

    page = notifications.inbox(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.notification(n) for n in page.items], page.next_cursor)
