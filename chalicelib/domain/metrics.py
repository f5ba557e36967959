"""Platform figures: which domain event moves which daily counter, and the rates derived from them.

Counters are kept per UTC day of the event (its `at`), so a late or replayed delivery lands on
the day the thing happened. Counts are currency-free; money counters are integers in minor
units, kept per currency. Rates are basis points (1 % = 100 bps), rounded half up; the median
time to award is in hours with one decimal. Nothing here touches AWS.

| event | counters it moves |
|---|---|
| UserSignedUp | new_users +1 |
| TaskPosted | tasks_posted +1 |
| TaskOpened | tasks_opened +1 |
| ContractAwarded | contracts_awarded +1, awarded += amount, one time-to-award sample (minutes from taskOpenedAt) |
| MilestoneFunded | milestones_funded +1, gmv += amount |
| MilestoneReleased | released += amount, revenue += commission |
| DisputeOpened | disputes_opened +1, disputed += amount |
| DisputeResolved | disputes_resolved +1, released += release, refunded += refund, revenue += commission |
| ContractCompleted | contracts_completed +1 |
| BonusPaid | revenue += commission (the bonus itself is not GMV: it never passes through escrow) |
| DepositSucceeded | deposits += amount |
| ReviewPosted | reviews_posted +1 |

Take rate = revenue / GMV (funded) of the same period. Dispute rate = disputes opened /
milestones funded of the same period.

Storage is sharded (see adapters/metrics_repo.py): each event lands on one of SHARDS counters
chosen by a hash of its id, so a day is a sum of partial figures (`by_day`). Times to award are
kept as a histogram of minutes rounded to 2 significant digits (`bucket`), so a day's item has a
bounded size however many awards it counts; the median comes from the histogram.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.commission import commission
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import CURRENCIES

COUNTS = (
    "new_users",
    "tasks_posted",
    "tasks_opened",
    "contracts_awarded",
    "milestones_funded",
    "disputes_opened",
    "disputes_resolved",
    "contracts_completed",
    "reviews_posted",
)
MONEY = ("gmv", "released", "revenue", "refunded", "disputed", "awarded", "deposits")
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30

# Counter shards per day. A two-milestone contract is ~12 counter updates, each in a transaction
# (2 WCU per item up to 1 KB): ~26 WCU per contract, ~30 once a day's award-times item holds every
# bucket (3.3 KB). A partition takes 1,000 WCU/s, so 32 shards carry 1,070-1,230 contracts/s,
# the 1,000/s goal (16 would stop at 530-620/s). A range read costs one Query per shard, so no more
# than needed. Raising it is safe at any time (reads cover shards 0..SHARDS-1, the old ones
# included); lowering it would hide counts already written.
SHARDS = 32


def shard_of(event_id: str, shards: int = SHARDS) -> int:
    """The shard an event is counted on: stable across processes and redeliveries (not `hash()`)."""
    return int.from_bytes(hashlib.sha256(event_id.encode()).digest()[:8], "big") % shards


def bucket(minutes: int) -> int:
    """Minutes rounded half up to 2 significant digits: 60, 180 and 3000 stay exact, 1470 is 1500.

    About 90 buckets per decade, so a day's histogram holds at most 461 of them below 10^6
    minutes (almost two years), whatever the number of awards.
    """
    if minutes < 0:
        raise ValueError(f"negative minutes {minutes}")
    step = 10 ** max(len(str(minutes)) - 2, 0)
    return (minutes + step // 2) // step * step


def histogram(minutes: Iterable[int]) -> dict[int, int]:
    """How many samples fall in each bucket."""
    found: dict[int, int] = {}
    for value in minutes:
        key = bucket(value)
        found[key] = found.get(key, 0) + 1
    return found


@dataclass(frozen=True)
class Effect:
    """What one event adds to its day: counts, money in one currency, and time-to-award samples."""

    day: str
    counts: dict[str, int] = field(default_factory=dict)
    money: dict[str, int] = field(default_factory=dict)
    currency: str | None = None
    award_minutes: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.counts and not any(self.money.values()) and not self.award_minutes


def day_of(at: str) -> str:
    """The UTC day (YYYY-MM-DD) of an ISO-8601 timestamp such as 2026-11-25T13:38:23.945Z."""
    try:
        return _parse(at).astimezone(UTC).date().isoformat()
    except (TypeError, ValueError):
        raise ValidationFailed(f"event time {at!r} is not an ISO-8601 timestamp") from None


def _parse(at: str) -> datetime:
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _amount(money: Any) -> tuple[int, str]:
    if not isinstance(money, dict) or type(money.get("amount")) is not int or money.get("currency") not in CURRENCIES:
        raise ValidationFailed(f"event money {money!r} is not {{amount: int, currency}}")
    return int(money["amount"]), str(money["currency"])


def minutes_between(start: str, end: str) -> int | None:
    """Whole minutes from `start` to `end` (None when either is missing or the order is wrong)."""
    try:
        seconds = (_parse(end) - _parse(start)).total_seconds()
    except (TypeError, ValueError, AttributeError):
        return None
    return int(seconds // 60) if seconds >= 0 else None


def needs_commission_rate(detail_type: str, detail: dict[str, Any]) -> bool:
    """A DisputeResolved event published without its commission: the caller supplies the contract's rate."""
    return detail_type == "DisputeResolved" and "commission" not in detail


SIMPLE_COUNTS = {
    "UserSignedUp": "new_users",
    "TaskPosted": "tasks_posted",
    "TaskOpened": "tasks_opened",
    "DisputeOpened": "disputes_opened",
    "ContractCompleted": "contracts_completed",
    "ReviewPosted": "reviews_posted",
}


def effect(detail_type: str, detail: dict[str, Any], commission_bps: int | None = None) -> Effect | None:
    """The counters an event moves, or None for events the figures ignore."""
    day = day_of(str(detail.get("at", "")))
    counts: dict[str, int] = {}
    money: dict[str, int] = {}
    currency: str | None = None
    samples: tuple[int, ...] = ()

    def add(name: str, value: Any) -> None:
        nonlocal currency
        amount, unit = _amount(value)
        if currency not in (None, unit):
            raise ValidationFailed(f"{detail_type} mixes {currency} and {unit}")
        currency = unit
        money[name] = money.get(name, 0) + amount

    if detail_type in SIMPLE_COUNTS:
        counts[SIMPLE_COUNTS[detail_type]] = 1
        if detail_type == "DisputeOpened" and "amount" in detail:
            add("disputed", detail["amount"])
    elif detail_type == "ContractAwarded":
        counts["contracts_awarded"] = 1
        if "amount" in detail:
            add("awarded", detail["amount"])
        waited = minutes_between(str(detail.get("taskOpenedAt") or ""), str(detail.get("at", "")))
        samples = () if waited is None else (waited,)
    elif detail_type == "MilestoneFunded":
        counts["milestones_funded"] = 1
        add("gmv", detail["amount"])
    elif detail_type == "MilestoneReleased":
        add("released", detail["amount"])
        add("revenue", detail.get("commission") or {"amount": 0, "currency": _amount(detail["amount"])[1]})
    elif detail_type == "DisputeResolved":
        counts["disputes_resolved"] = 1
        add("released", detail["release"])
        add("refunded", detail["refund"])
        if "commission" in detail:
            add("revenue", detail["commission"])
        elif commission_bps is not None:
            released, unit = _amount(detail["release"])
            add("revenue", {"amount": commission(released, commission_bps), "currency": unit})
        else:
            raise ValidationFailed("DisputeResolved without commission needs the contract's commission rate")
    elif detail_type == "BonusPaid":
        add("revenue", detail["commission"])
    elif detail_type == "DepositSucceeded":
        add("deposits", detail["amount"])
    else:
        return None
    return Effect(day, counts, money, currency, samples)


def rate_bps(part: int, whole: int) -> int | None:
    """part / whole in basis points, rounded half up; None when there is no whole."""
    if whole <= 0:
        return None
    return (part * 10000 * 2 + whole) // (whole * 2)


def median_minutes(counts: Mapping[int, int]) -> float | None:
    """The median of a histogram {bucket: count}: exact when every sample is a bucket value.

    Walks the buckets in order to the middle sample(s) instead of expanding the counts, so the
    cost follows the number of buckets, not of awards. None when the histogram is empty.
    """
    total = sum(n for n in counts.values() if n > 0)
    if total == 0:
        return None
    middle = ((total - 1) // 2, total // 2)  # 0-based ranks of the middle sample(s), equal when odd
    picked: list[int] = []
    seen = 0
    for value in sorted(v for v, n in counts.items() if n > 0):
        seen += counts[value]
        picked += [value for rank in middle[len(picked) :] if rank < seen]
        if len(picked) == 2:
            break
    return (picked[0] + picked[1]) / 2


def median_hours(counts: Mapping[int, int]) -> float | None:
    """The median time to award of a histogram of minutes, in hours with one decimal."""
    middle = median_minutes(counts)
    return None if middle is None else round(middle / 60, 1)


@dataclass
class DayFigures:
    """One day's counters for one currency (zero when nothing happened), or one shard's part of them."""

    day: str
    counts: dict[str, int] = field(default_factory=dict)
    money: dict[str, int] = field(default_factory=dict)
    award_histogram: dict[int, int] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return int(self.counts.get(name, 0))

    def amount(self, name: str) -> int:
        return int(self.money.get(name, 0))

    @property
    def awards_timed(self) -> int:
        """How many awards had a time to award (an award of a task without an opening time has none)."""
        return sum(self.award_histogram.values())


def combine(days: Iterable[DayFigures], label: str) -> DayFigures:
    """The sum of several days, or of one day's shards."""
    total = DayFigures(label)
    for one in days:
        for name in COUNTS:
            total.counts[name] = total.count(name) + one.count(name)
        for name in MONEY:
            total.money[name] = total.amount(name) + one.amount(name)
        for value, n in one.award_histogram.items():
            total.award_histogram[value] = total.award_histogram.get(value, 0) + n
    return total


def by_day(parts: Iterable[DayFigures]) -> dict[str, DayFigures]:
    """Shard parts (any order, any number per day) summed into one DayFigures per day."""
    grouped: dict[str, list[DayFigures]] = {}
    for part in parts:
        grouped.setdefault(part.day, []).append(part)
    return {day: combine(group, day) for day, group in grouped.items()}


def derived(figures: DayFigures) -> dict[str, Any]:
    return {
        "take_rate_bps": rate_bps(figures.amount("revenue"), figures.amount("gmv")),
        "dispute_rate_bps": rate_bps(figures.count("disputes_opened"), figures.count("milestones_funded")),
        "median_hours_to_award": median_hours(figures.award_histogram),
    }


def date_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """Validate ?from=&to= (YYYY-MM-DD, inclusive); default: the last 30 days up to today."""
    errors = []
    parsed: dict[str, date | None] = {}
    for name, value in (("from", start), ("to", end)):
        try:
            parsed[name] = date.fromisoformat(value) if value else None
        except ValueError:
            errors.append({"field": name, "message": "a date YYYY-MM-DD"})
    if errors:
        raise ValidationFailed("from and to are dates YYYY-MM-DD", errors)
    last = parsed["to"] or today
    first = parsed["from"] or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise ValidationFailed("from is after to", [{"field": "from", "message": "must not be after to"}])
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        too_long = [{"field": "from", "message": f"range over {MAX_RANGE_DAYS} days"}]
        raise ValidationFailed(f"at most {MAX_RANGE_DAYS} days at once", too_long)
    return first, last


def days_between(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
