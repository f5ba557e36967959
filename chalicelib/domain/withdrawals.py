"""Money leaving and arriving through the payment gateway: withdrawals and card payments.

Withdrawal: requested → approved → paid | failed; requested → rejected. Requesting moves the
amount from the wallet to `payouts:<profileId>` (in flight); `paid` sends it out of the books,
`failed` and `rejected` put it back in the wallet (ledger.py has the postings).

Card payment (a PaymentIntent, or a sandbox charge): requires_payment → processing → succeeded;
a failed attempt goes back to requires_payment (the customer may try another card); canceled is
final. Webhooks arrive in any order, so the services ask `allows()` and record an impossible
move as ignored instead of refusing it.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.errors import BusinessRuleViolated
from chalicelib.domain.lifecycle import Lifecycle
from chalicelib.domain.money import Money


class WithdrawalStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"
    FAILED = "failed"
    REJECTED = "rejected"


WITHDRAWAL = Lifecycle[WithdrawalStatus](
    "withdrawal",
    {
        WithdrawalStatus.REQUESTED: {"approve": WithdrawalStatus.APPROVED, "reject": WithdrawalStatus.REJECTED},
        WithdrawalStatus.APPROVED: {"pay": WithdrawalStatus.PAID, "fail": WithdrawalStatus.FAILED},
    },
)

# The admin queues (a sparse index holds a withdrawal only while it is in one of these).
QUEUES = frozenset({WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED})
# Moves that give the money back to the wallet.
RETURNS_MONEY = frozenset({"reject", "fail"})
FINAL = frozenset({WithdrawalStatus.PAID, WithdrawalStatus.FAILED, WithdrawalStatus.REJECTED})


def check_withdrawal(money: Money, available: int) -> None:
    """A withdrawal takes money the wallet holds now; more is a 422."""
    if money.amount <= 0:
        raise BusinessRuleViolated("a withdrawal must be positive", [{"field": "amount", "message": "at least 1"}])
    if money.amount > available:
        raise BusinessRuleViolated(
            f"your wallet holds {available} {money.currency} minor units; you asked for {money.amount}",
            [{"field": "amount", "message": "more than the available balance"}],
        )


class PaymentStatus(StrEnum):
    REQUIRES_PAYMENT = "requires_payment"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


CARD_PAYMENT = Lifecycle[PaymentStatus](
    "card payment",
    {
        PaymentStatus.REQUIRES_PAYMENT: {
            "process": PaymentStatus.PROCESSING,
            "succeed": PaymentStatus.SUCCEEDED,
            "fail": PaymentStatus.REQUIRES_PAYMENT,
            "cancel": PaymentStatus.CANCELED,
        },
        PaymentStatus.PROCESSING: {
            "succeed": PaymentStatus.SUCCEEDED,
            "fail": PaymentStatus.REQUIRES_PAYMENT,
            "cancel": PaymentStatus.CANCELED,
        },
    },
)

# A payment the customer can still complete: `fund` by card hands out this one instead of a second.
OPEN_PAYMENTS = frozenset({PaymentStatus.REQUIRES_PAYMENT, PaymentStatus.PROCESSING})
