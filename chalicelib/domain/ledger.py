"""Double-entry postings: every movement is a set of legs that sums to zero per currency.

A positive leg credits an account (its balance grows), a negative one debits it. Accounts
that hold someone's money (wallets, escrow, payouts in flight) may never go negative;
clearing accounts mirror the outside world (card networks, banks) and may, and so may
`losses:platform`, where the platform absorbs card refunds it could not recover
(docs/payments.md).

A clearing account holds minus what the gateway holds for us: a card payment of 10.00
debits `clearing:<gateway>` by 10.00 while the gateway's balance grows by 10.00. So the
gateway's balance transactions for a period should equal minus the clearing entries of
that period; `reconcile` lists where they do not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from chalicelib.domain.commission import commission
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import Money

REVENUE = "revenue:platform"
LOSSES = "losses:platform"
QC_FEES = "expenses:qc"  # what the platform pays QC reviewers: its cost, so it may go negative


def wallet(profile_id: str) -> str:
    return f"wallet:{profile_id}"


def escrow(contract_id: str) -> str:
    return f"escrow:{contract_id}"


def clearing(gateway: str) -> str:
    return f"clearing:{gateway}"


def payouts(profile_id: str) -> str:
    return f"payouts:{profile_id}"


def refunds(profile_id: str) -> str:
    """Card refunds in flight: reserved out of the wallet before the gateway is asked, so no other use can spend it."""
    return f"refunds:{profile_id}"


def platform_account(account: str) -> bool:
    """An account every contract or card payment touches (not one user's or one contract's): its writes
    must spread, so storage splits it into shards whose sum is the balance."""
    return account in (REVENUE, LOSSES) or account.startswith("clearing:")


def may_go_negative(account: str) -> bool:
    return account.startswith("clearing:") or account in (LOSSES, QC_FEES)


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


def termination_refund(contract_id: str, customer_id: str, money: Money) -> Posting:
    """A terminated contract's funded, undelivered escrow goes back to the customer's wallet, without commission.

    One posting for all the refunded milestones of the termination: they share the escrow's balance item, and
    one transaction may write an item only once (the audit trail names each milestone and its amount).
    """
    if money.amount <= 0:
        raise ValidationFailed("a termination refund must be positive")
    return transfer("termination_refund", escrow(contract_id), wallet(customer_id), money)


def bonus(customer_id: str, provider_id: str, money: Money, bps: int) -> Posting:
    """Extra pay from the customer's wallet to the provider's, less the contract's commission (rounded as at release).

    Zero legs are dropped: at a high rate a bonus of one minor unit can be all commission.
    """
    if money.amount <= 0:
        raise ValidationFailed("a bonus must be positive")
    fee = commission(money.amount, bps)
    legs = (
        Leg(wallet(customer_id), -money.amount, money.currency),
        Leg(wallet(provider_id), money.amount - fee, money.currency),
        Leg(REVENUE, fee, money.currency),
    )
    return Posting("bonus", tuple(leg for leg in legs if leg.amount))


def qc_fee(reviewer_id: str, money: Money) -> Posting:
    """The platform pays the QC reviewer for one decision: out of its own pocket, never the escrow or a wallet of
    the parties (the provider's release stays the amount less commission)."""
    if money.amount <= 0:
        raise ValidationFailed("a QC fee must be positive")
    return transfer("qc_fee", QC_FEES, wallet(reviewer_id), money)


# --- money through the payment gateway (docs/payments.md) ---------------------------------


def card_deposit(profile_id: str, money: Money, gateway: str) -> Posting:
    """A card payment that lands in the wallet: a deposit, or a milestone payment the milestone no longer needs."""
    return deposit(profile_id, money, gateway)


def payout_request(profile_id: str, money: Money) -> Posting:
    """A withdrawal is requested: the money leaves the wallet for `payouts:` (in flight, shown as pending)."""
    return transfer("withdrawal", wallet(profile_id), payouts(profile_id), money)


def payout_paid(profile_id: str, money: Money, gateway: str) -> Posting:
    """The bank received the payout: the money leaves our books."""
    return transfer("payout", payouts(profile_id), clearing(gateway), money)


def payout_returned(profile_id: str, money: Money, kind: str) -> Posting:
    """A rejected withdrawal or a failed payout: the money goes back to the wallet."""
    return transfer(kind, payouts(profile_id), wallet(profile_id), money)


def refund_reserved(profile_id: str, money: Money) -> Posting:
    """A refund is asked for: the money leaves the wallet for `refunds:` before the gateway is called."""
    return transfer("card_refund_reserved", wallet(profile_id), refunds(profile_id), money)


def refund_sent(profile_id: str, money: Money, gateway: str) -> Posting:
    """The gateway refunded the card: the reserved money leaves our books."""
    return transfer("card_refund", refunds(profile_id), clearing(gateway), money)


def refund_released(profile_id: str, money: Money) -> Posting:
    """The gateway refused the refund (or it failed before paying out): the reservation goes back to the wallet."""
    return transfer("card_refund_released", refunds(profile_id), wallet(profile_id), money)


def card_refund(profile_id: str, covered: Money, uncovered: Money, gateway: str) -> Posting:
    """A refund the gateway started itself (a dashboard refund): from the wallet as far as it holds it, the rest
    from the platform's losses. Refunds asked for through the API never come here: they are reserved first."""
    legs = [
        Leg(wallet(profile_id), -covered.amount, covered.currency),
        Leg(LOSSES, -uncovered.amount, uncovered.currency),
        Leg(clearing(gateway), covered.amount + uncovered.amount, covered.currency),
    ]
    return Posting("card_refund", tuple(leg for leg in legs if leg.amount))


def card_refund_failed(profile_id: str, money: Money, gateway: str) -> Posting:
    """A refund the gateway had reported paid failed later (the card account was closed): the money is back."""
    return transfer("card_refund_failed", clearing(gateway), wallet(profile_id), money)


def split_refund(amount: int, wallet_holds: int) -> tuple[int, int]:
    """(covered by the wallet, absorbed by the platform) for a refund of `amount`."""
    covered = max(0, min(amount, wallet_holds))
    return covered, amount - covered


@dataclass(frozen=True)
class Difference:
    """One gateway object whose money our clearing account and the gateway see differently."""

    key: str
    currency: str
    ledger: int  # what our clearing entries say the gateway should have moved (minus their sum)
    gateway: int  # what the gateway's balance transactions moved (gross, before fees)

    @property
    def delta(self) -> int:
        return self.gateway - self.ledger

    @property
    def note(self) -> str:
        if self.ledger == 0:
            return "only at the gateway"
        if self.gateway == 0:
            return "only in the ledger"
        return "amounts differ"


def reconcile(ledger_side: dict[tuple[str, str], int], gateway_side: dict[tuple[str, str], int]) -> list[Difference]:
    """Compare per (gateway object key, currency); both sides in the gateway's sign (money in is positive)."""
    keys = sorted(set(ledger_side) | set(gateway_side))
    differences = []
    for key, currency in keys:
        ours, theirs = ledger_side.get((key, currency), 0), gateway_side.get((key, currency), 0)
        if ours != theirs:
            differences.append(Difference(key, currency, ours, theirs))
    return differences
