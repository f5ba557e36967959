"""Double-entry postings: every movement is a set of legs that sums to zero per currency.

A positive leg credits an account (its balance grows), a negative one debits it. Accounts
that hold someone's money (wallets, escrow, payouts in flight) may never go negative;
clearing accounts mirror the outside world (card networks, banks) and may.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from chalicelib.domain.commission import commission
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import Money

REVENUE = "revenue:platform"


def wallet(profile_id: str) -> str:
    return f"wallet:{profile_id}"


def escrow(contract_id: str) -> str:
    return f"escrow:{contract_id}"


def clearing(gateway: str) -> str:
    return f"clearing:{gateway}"


def payouts(profile_id: str) -> str:
    return f"payouts:{profile_id}"


def may_go_negative(account: str) -> bool:
    return account.startswith("clearing:")


@dataclass(frozen=True)
class Leg:
    account: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Posting:
    kind: str
    legs: tuple[Leg, ...]

    def __post_init__(self) -> None:
        sums: dict[str, int] = defaultdict(int)
        for leg in self.legs:
            sums[leg.currency] += leg.amount
        if any(sums.values()):
            raise ValidationFailed(f"posting {self.kind} does not balance: {dict(sums)}")

    def net(self) -> dict[tuple[str, str], int]:
        """One figure per (account, currency): what the balance items must change by."""
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for leg in self.legs:
            totals[(leg.account, leg.currency)] += leg.amount
        return {key: value for key, value in totals.items() if value}


def transfer(kind: str, source: str, target: str, money: Money) -> Posting:
    return Posting(kind, (Leg(source, -money.amount, money.currency), Leg(target, money.amount, money.currency)))


def deposit(profile_id: str, money: Money, gateway: str) -> Posting:
    return transfer("deposit", clearing(gateway), wallet(profile_id), money)


def fund_from_wallet(customer_id: str, contract_id: str, money: Money) -> Posting:
    return transfer("fund", wallet(customer_id), escrow(contract_id), money)


def fund_from_card(contract_id: str, money: Money, gateway: str) -> Posting:
    return transfer("fund", clearing(gateway), escrow(contract_id), money)


def release(contract_id: str, provider_id: str, money: Money, bps: int) -> Posting:
    fee = commission(money.amount, bps)
    legs = [
        Leg(escrow(contract_id), -money.amount, money.currency),
        Leg(wallet(provider_id), money.amount - fee, money.currency),
    ]
    if fee:
        legs.append(Leg(REVENUE, fee, money.currency))
    return Posting("release", tuple(legs))


def split(contract_id: str, provider_id: str, customer_id: str, released: Money, refunded: Money, bps: int) -> Posting:
    fee = commission(released.amount, bps)
    legs = [
        Leg(escrow(contract_id), -(released.amount + refunded.amount), released.currency),
        Leg(wallet(provider_id), released.amount - fee, released.currency),
        Leg(wallet(customer_id), refunded.amount, refunded.currency),
        Leg(REVENUE, fee, released.currency),
    ]
    return Posting("dispute_split", tuple(leg for leg in legs if leg.amount))
