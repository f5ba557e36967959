"""The payment port: what the services ask of a payment gateway, the values it answers with, and its errors.

Two gateways implement it: the sandbox (adapters/sandbox_gateway.py, the local default) and Stripe
(adapters/stripe_gateway.py); adapters/gateways.py picks one (`PAYMENTS`). This module imports neither,
so both can import it without a cycle, and importing it never loads `stripe`.

Every call that creates something takes an idempotency key derived from our own ids, so a retry
(a redelivered queue message, a replayed request) never creates a second charge, transfer or payout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.money import Money


class GatewayUnavailable(DomainError):
    """The gateway did not answer (timeout, rate limit, 5xx): nothing is known to have happened; retry."""

    status = 503
    slug = "payment-gateway-unavailable"
    title = "Payment provider unavailable"


class PaymentRefused(DomainError):
    """The gateway refused for good (declined card, insufficient balance, invalid account)."""

    status = 422
    slug = "payment-refused"
    title = "The payment provider refused"


class IdempotencyKeyReused(Conflict):
    """The same idempotency key came with other parameters: a bug on our side, never applied twice (as Stripe)."""

    slug = "idempotency-key-reused"
    title = "Idempotency key reused with other parameters"


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # "succeeded" when settled at once; Stripe: "requires_payment_method", "processing", ...
    gateway: str
    client_secret: str | None = None
    charge_id: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    gateway: str


@dataclass(frozen=True)
class Account:
    id: str
    payouts_enabled: bool
    charges_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class Transfer:
    id: str
    gateway: str


@dataclass(frozen=True)
class Payout:
    id: str
    status: str  # "paid" at once (sandbox) or "pending"/"in_transit" until payout.paid
    gateway: str


@dataclass(frozen=True)
class BalanceLine:
    """One movement of the gateway's (platform) balance, gross, in the gateway's sign (money in > 0)."""

    id: str
    type: str
    amount: int
    fee: int
    currency: str
    created: str
    key: str | None  # the object our ledger refers to (payment id, transfer id); None if the ledger never books it
    source: str | None = None


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: str


class PaymentGateway(Protocol):
    name: ClassVar[str]
    settles_at_once: ClassVar[bool]  # sandbox: a charge succeeds in the call; Stripe: on the webhook

    def charge(
        self,
        money: Money,
        reference: str,
        idempotency_key: str,
        *,
        metadata: dict[str, str] | None = None,
        transfer_group: str | None = None,
    ) -> Charge: ...

    def intent(self, payment_id: str) -> Charge: ...

    def refund(self, payment_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]) -> Refund: ...

    def create_account(self, profile_id: str, email: str, idempotency_key: str) -> Account: ...

    def onboarding_link(self, account_id: str) -> Link: ...

    def transfer(
        self, account_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str], transfer_group: str
    ) -> Transfer: ...

    def payout(self, account_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]) -> Payout: ...

    def reverse_transfer(
        self, transfer_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]
    ) -> str: ...

    def balance_lines(self, start: datetime, end: datetime) -> list[BalanceLine]: ...
