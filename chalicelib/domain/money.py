"""Money is an integer amount of minor units plus an ISO 4217 currency. No floats."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import ValidationFailed

# Currencies we settle in, with their minor-unit exponent (Stripe-supported, 2 decimals).
CURRENCIES: dict[str, int] = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "PLN": 2, "SEK": 2, "CZK": 2}
MAX_AMOUNT = 100_000_000_00  # 100 million major units: beyond this is a typo, not a task


@dataclass(frozen=True, order=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not int:
            raise ValidationFailed("amount must be an integer number of minor units")
        if self.currency not in CURRENCIES:
            raise ValidationFailed(f"unsupported currency {self.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValidationFailed(f"cannot mix {self.currency} and {other.currency}")

    def to_json(self) -> dict[str, int | str]:
        return {"amount": self.amount, "currency": self.currency}


def total(items: list[Money], currency: str) -> Money:
    result = Money(0, currency)
    for item in items:
        result = result + item
    return result
