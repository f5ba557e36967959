"""Money: integer minor units in a currency we settle in; never mixed, never a float."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import CURRENCIES, Money, total


@pytest.mark.parametrize("amount", [1.5, 100.0, True, False, "100", None])
def test_non_integer_amounts_are_refused(amount: Any) -> None:
    with pytest.raises(ValidationFailed) as raised:
        Money(amount, "EUR")
    assert raised.value.status == 400
    assert "integer" in raised.value.detail


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "EURO", " EUR"])
def test_unknown_currencies_are_refused(currency: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        Money(100, currency)
    assert "unsupported currency" in raised.value.detail


@pytest.mark.parametrize("currency", sorted(CURRENCIES))
def test_every_settlement_currency_is_accepted(currency: str) -> None:
    assert Money(0, currency).to_json() == {"amount": 0, "currency": currency}


def test_adding_and_subtracting_in_one_currency() -> None:
    assert Money(150, "EUR") + Money(250, "EUR") == Money(400, "EUR")
    assert Money(400, "EUR") - Money(150, "EUR") == Money(250, "EUR")


def test_mixing_currencies_is_refused_naming_both() -> None:
    with pytest.raises(ValidationFailed) as raised:
        Money(100, "EUR") + Money(100, "USD")
    assert "EUR" in raised.value.detail
    assert "USD" in raised.value.detail
    with pytest.raises(ValidationFailed):
        Money(100, "EUR") - Money(100, "GBP")


def test_money_is_immutable() -> None:
    price = Money(100, "EUR")
    with pytest.raises(dataclasses.FrozenInstanceError):
        price.amount = 200  # type: ignore[misc]


def test_to_json_is_the_wire_shape() -> None:
    assert Money(12345, "CHF").to_json() == {"amount": 12345, "currency": "CHF"}


def test_total_adds_up_in_the_given_currency() -> None:
    assert total([Money(100, "PLN"), Money(250, "PLN"), Money(1, "PLN")], "PLN") == Money(351, "PLN")


def test_total_of_nothing_is_zero_in_that_currency() -> None:
    assert total([], "SEK") == Money(0, "SEK")


def test_total_refuses_items_in_another_currency() -> None:
    with pytest.raises(ValidationFailed):
        total([Money(100, "EUR"), Money(100, "USD")], "EUR")
    with pytest.raises(ValidationFailed):
        total([Money(100, "USD")], "EUR")


def test_total_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValidationFailed):
        total([], "XYZ")
