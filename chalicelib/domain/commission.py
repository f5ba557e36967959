"""Platform commission in basis points, taken at release.

Rounding rule: the commission is rounded half up to the minor unit
(commission = (amount * bps + 5000) // 10000), and the provider gets the rest,
so commission + payout always equals the released amount exactly.
"""

from __future__ import annotations

from chalicelib.domain.errors import ValidationFailed

DEFAULT_BPS = 1000  # 10 %
MAX_BPS = 5000


def commission(amount: int, bps: int) -> int:
    if amount < 0:
        raise ValidationFailed("amount must not be negative")
    if not 0 <= bps <= MAX_BPS:
        raise ValidationFailed(f"commission must be 0..{MAX_BPS} basis points")
    return (amount * bps + 5000) // 10000


def rate_for(category: str | None, default_bps: int, overrides: dict[str, int]) -> int:
    return overrides.get(category or "", default_bps)
