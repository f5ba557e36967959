"""The bonus posting: customer's wallet to the provider's, less commission rounded as at release. Pure, no AWS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import ledger
from chalicelib.domain.commission import MAX_BPS
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import MAX_AMOUNT, Money


def _legs(posting: ledger.Posting) -> dict[str, int]:
    return {leg.account: leg.amount for leg in posting.legs}


def test_a_bonus_moves_the_amount_less_commission() -> None:
    posting = ledger.bonus("c", "p", Money(25000, "EUR"), 1000)

    assert posting.kind == "bonus"
    assert _legs(posting) == {"wallet:c": -25000, "wallet:p": 22500, ledger.REVENUE: 2500}
    assert {leg.currency for leg in posting.legs} == {"EUR"}


@pytest.mark.parametrize(
    ("amount", "bps", "fee"),
    [
        (995, 1000, 100),  # 99.5 rounds half up
        (994, 1000, 99),  # 99.4 rounds down
        (12345, 250, 309),  # 308.625 -> 309
    ],
)
def test_the_fee_rounds_as_at_release(amount: int, bps: int, fee: int) -> None:
    bonus = _legs(ledger.bonus("c", "p", Money(amount, "EUR"), bps))
    release = _legs(ledger.release("k", "p", Money(amount, "EUR"), bps))

    assert bonus[ledger.REVENUE] == release[ledger.REVENUE] == fee
    assert bonus["wallet:p"] == amount - fee


def test_zero_legs_are_dropped() -> None:
    assert _legs(ledger.bonus("c", "p", Money(500, "EUR"), 0)) == {"wallet:c": -500, "wallet:p": 500}
    # one cent at 50 %: (1 * 5000 + 5000) // 10000 = 1, all of it commission
    assert _legs(ledger.bonus("c", "p", Money(1, "EUR"), MAX_BPS)) == {"wallet:c": -1, ledger.REVENUE: 1}


@pytest.mark.parametrize("amount", [0, -100])
def test_a_bonus_must_be_positive(amount: int) -> None:
    with pytest.raises(ValidationFailed):
        ledger.bonus("c", "p", Money(amount, "EUR"), 1000)


@given(st.integers(min_value=1, max_value=MAX_AMOUNT), st.integers(min_value=0, max_value=MAX_BPS))
def test_the_legs_always_sum_to_zero_and_nothing_is_credited_negative(amount: int, bps: int) -> None:
    legs = _legs(ledger.bonus("c", "p", Money(amount, "EUR"), bps))

    assert sum(legs.values()) == 0
    assert legs["wallet:c"] == -amount
    assert all(value > 0 for account, value in legs.items() if account != "wallet:c")
    assert legs.get("wallet:p", 0) + legs.get(ledger.REVENUE, 0) == amount


def test_the_platform_figures_count_a_bonus_commission_as_revenue_only() -> None:
    from chalicelib.domain import metrics

    detail = {
        "eventId": "e1",
        "at": "2026-11-25T13:38:23.945Z",
        "amount": {"amount": 12345, "currency": "EUR"},
        "commission": {"amount": 1235, "currency": "EUR"},
        "net": {"amount": 11110, "currency": "EUR"},
    }
    assert metrics.effect("BonusPaid", detail) == metrics.Effect("2026-11-25", {}, {"revenue": 1235}, "EUR")
