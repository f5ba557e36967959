"""Refunds to the card, asked for through the API: each one is reserved, then sent, then settled or released.

A refund request is an entry in its payment (`payment.refunds`), with its own id. The id, not a
counter, names the gateway call (`refund-<id>`), so two requests never share an idempotency key
and a retried request (the same `Idempotency-Key`) reuses its own.

    reserved (pending) ──gateway refunded──▶ succeeded ──gateway reports it failed later──▶ reversed
         │
         └──gateway refused / refund failed──▶ released

The money follows (ledger.py): reserving moves it `wallet → refunds:<profile>` in the same
transaction that adds the entry under the payment's version, before the gateway is asked; so
funding, a withdrawal or a second refund racing for the same money finds the wallet already
debited. `succeeded` moves it `refunds → clearing`, `released` back to the wallet, `reversed`
`clearing → wallet`. Refunds the gateway starts itself (a dashboard refund) are not entries of
this kind: they are booked from the webhook with `ledger.card_refund`, the only place a loss
can arise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import BusinessRuleViolated, Conflict
from chalicelib.domain.lifecycle import Lifecycle


class RefundStatus(StrEnum):
    PENDING = "pending"  # reserved; the gateway has been (or is about to be) asked
    SUCCEEDED = "succeeded"
    RELEASED = "released"  # the gateway refused or the refund failed before it paid: money back in the wallet
    REVERSED = "reversed"  # reported paid, then failed at the bank: money back in the wallet


REFUND = Lifecycle[RefundStatus](
    "refund",
    {
        RefundStatus.PENDING: {"succeed": RefundStatus.SUCCEEDED, "release": RefundStatus.RELEASED},
        RefundStatus.SUCCEEDED: {"reverse": RefundStatus.REVERSED},
    },
)

# What the payment still has out: reserved or sent refunds count against what may be refunded.
IN_FLIGHT = frozenset({RefundStatus.PENDING})


def refund_id(payment_id: str, request_key: str | None, fallback: str) -> str:
    """One id per refund request: derived from the caller's Idempotency-Key (a retry is the same request),
    else the fresh `fallback` id."""
    if request_key is None:
        return f"rf_{fallback}"
    digest = hashlib.sha256(f"{payment_id}\n{request_key}".encode()).hexdigest()[:26]
    return f"rf_{digest}"


@dataclass(frozen=True)
class RefundEntry:
    """One refund request as stored in the payment's `refunds` list."""

    id: str
    amount: int
    status: RefundStatus
    by: str
    at: str
    gateway_id: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> RefundEntry:
        return cls(
            id=str(data["id"]),
            amount=int(data["amount"]),
            status=RefundStatus(data.get("status", RefundStatus.SUCCEEDED.value)),
            by=str(data.get("by") or ""),
            at=str(data.get("at") or ""),
            gateway_id=data.get("gatewayId"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "amount": self.amount,
            "status": self.status.value,
            "by": self.by,
            "at": self.at,
            "gatewayId": self.gateway_id,
        }


def check_request(amount: int, paid: int, refunded: int, in_flight: int, wallet: int) -> None:
    """A new refund takes what is left of the payment, as far as the wallet holds it now (else 422)."""
    if amount <= 0:
        raise BusinessRuleViolated("a refund must be positive", [{"field": "amount", "message": "at least 1"}])
    allowed = max(0, min(paid - refunded - in_flight, wallet))
    if amount > allowed:
        raise BusinessRuleViolated(
            f"at most {allowed} minor units can go back to this card now: refunds come out of the wallet, "
            "never out of an escrow or money already released, and refunds in flight count",
            [{"field": "amount", "message": f"at most {allowed}"}],
        )


def same_request(entry: RefundEntry, amount: int) -> None:
    """A retried request must ask for the same amount; the same key with another amount is a client bug (409)."""
    if entry.amount != amount:
        raise Conflict(
            f"this Idempotency-Key was used for a refund of {entry.amount}; use a new key for another refund"
        )
