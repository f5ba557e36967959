"""A bid's milestones must add up to its price, in the price's currency."""

from __future__ import annotations

import pytest

from chalicelib.domain.bids import check_milestones_sum
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import Money


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def test_milestones_adding_up_to_the_price_pass() -> None:
    check_milestones_sum(eur(100_000), [eur(30_000), eur(30_000), eur(40_000)])
    check_milestones_sum(eur(1), [eur(1)])


@pytest.mark.parametrize("amounts", [[49_999, 50_000], [50_000, 50_001], [100_001], [99_999]])
def test_off_by_one_cent_is_refused_on_the_milestones_field(amounts: list[int]) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_milestones_sum(eur(100_000), [eur(a) for a in amounts])
    error = raised.value
    assert error.status == 400
    assert [e["field"] for e in error.errors] == ["milestones"]
    assert str(sum(amounts)) in error.detail
    assert "100000" in error.detail


def test_a_milestone_in_another_currency_names_that_milestone() -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_milestones_sum(eur(200), [eur(100), Money(100, "USD")])
    assert raised.value.errors == [{"field": "milestones.1.amount.currency", "message": "must be EUR"}]


def test_currency_mismatch_wins_even_when_the_numbers_add_up() -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_milestones_sum(Money(100, "GBP"), [Money(100, "EUR")])
    assert raised.value.errors[0]["field"] == "milestones.0.amount.currency"


def test_no_milestones_is_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_milestones_sum(eur(100), [])
    assert [e["field"] for e in raised.value.errors] == ["milestones"]
