"""Bodies that move an amount: a deposit, a withdrawal, a refund.

The three have the same shape and stay three classes: each route publishes its own schema, and one
can change without the others.
"""

from __future__ import annotations

from chalicelib.schemas.common import Body, PositiveMoney


class MakeDeposit(Body):
    amount: PositiveMoney


class RequestWithdrawal(Body):
    amount: PositiveMoney


class RequestRefund(Body):
    amount: PositiveMoney
