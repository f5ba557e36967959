"""Platform figures, pure: which event moves which counter, rates in basis points, shards, the median time to award."""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from datetime import date
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import metrics
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.users import normalize, search_keys

AT = "2026-11-25T13:38:23.945Z"


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


def effect(detail_type: str, bps: int | None = None, **detail: Any) -> metrics.Effect | None:
    return metrics.effect(detail_type, {"eventId": "e1", "at": AT} | detail, bps)


@pytest.mark.parametrize(
    ("detail_type", "counter"),
    [
        ("UserSignedUp", "new_users"),
        ("TaskPosted", "tasks_posted"),
        ("TaskOpened", "tasks_opened"),
        ("ContractCompleted", "contracts_completed"),
        ("ReviewPosted", "reviews_posted"),
    ],
)
def test_simple_events_count_one(detail_type: str, counter: str) -> None:
    assert effect(detail_type) == metrics.Effect("2026-11-25", {counter: 1})


def test_funding_is_gmv() -> None:
    assert effect("MilestoneFunded", amount=eur(100000), source="wallet") == metrics.Effect(
        "2026-11-25", {"milestones_funded": 1}, {"gmv": 100000}, "EUR"
    )


def test_release_is_released_and_revenue() -> None:
    found = effect("MilestoneReleased", amount=eur(100000), commission=eur(10000))
    assert found == metrics.Effect("2026-11-25", {}, {"released": 100000, "revenue": 10000}, "EUR")


def test_release_without_commission_earns_nothing() -> None:
    found = effect("MilestoneReleased", amount=eur(5000))
    assert found is not None and found.money == {"released": 5000, "revenue": 0}


def test_dispute_opened_counts_and_keeps_the_amount() -> None:
    found = effect("DisputeOpened", amount=eur(150000), reason="x")
    assert found == metrics.Effect("2026-11-25", {"disputes_opened": 1}, {"disputed": 150000}, "EUR")


def test_dispute_resolution_with_its_commission() -> None:
    found = effect("DisputeResolved", release=eur(100000), refund=eur(50000), commission=eur(10000))
    assert found == metrics.Effect(
        "2026-11-25",
        {"disputes_resolved": 1},
        {"released": 100000, "refunded": 50000, "revenue": 10000},
        "EUR",
    )


def test_dispute_resolution_without_commission_needs_the_rate() -> None:
    detail = {"release": eur(100005), "refund": eur(0)}
    assert metrics.needs_commission_rate("DisputeResolved", detail)
    assert not metrics.needs_commission_rate("DisputeResolved", detail | {"commission": eur(1)})
    assert not metrics.needs_commission_rate("MilestoneReleased", detail)
    with pytest.raises(ValidationFailed):
        effect("DisputeResolved", **detail)
    found = effect("DisputeResolved", 1000, **detail)
    assert found is not None and found.money["revenue"] == 10001  # half up, as the ledger rounds


def test_award_counts_and_times_from_opening() -> None:
    found = effect("ContractAwarded", amount=eur(250000), taskOpenedAt="2026-11-24T13:08:23.945Z")
    assert found == metrics.Effect("2026-11-25", {"contracts_awarded": 1}, {"awarded": 250000}, "EUR", (1470,))


@pytest.mark.parametrize("opened", [None, "", "garbage", "2026-11-26T00:00:00Z"])
def test_award_without_a_usable_opening_time_is_not_timed(opened: str | None) -> None:
    found = effect("ContractAwarded", amount=eur(1), taskOpenedAt=opened)
    assert found is not None and found.award_minutes == () and found.counts == {"contracts_awarded": 1}


def test_deposits() -> None:
    assert effect("DepositSucceeded", amount=eur(400000)) == metrics.Effect(
        "2026-11-25", {}, {"deposits": 400000}, "EUR"
    )


@pytest.mark.parametrize("detail_type", ["MilestoneSubmitted", "RevisionRequested", "TaskSubmitted", "Unknown"])
def test_other_events_are_ignored(detail_type: str) -> None:
    assert effect(detail_type) is None


@pytest.mark.parametrize(
    "money",
    [None, {"amount": 1.5, "currency": "EUR"}, {"amount": "10", "currency": "EUR"}, {"amount": 10, "currency": "XXX"}],
)
def test_malformed_money_is_refused(money: Any) -> None:
    with pytest.raises(ValidationFailed):
        effect("MilestoneFunded", amount=money)


def test_one_event_cannot_mix_currencies() -> None:
    with pytest.raises(ValidationFailed):
        effect("DisputeResolved", release=eur(1), refund={"amount": 1, "currency": "USD"}, commission=eur(0))


@pytest.mark.parametrize("at", ["", "yesterday", None])
def test_an_event_needs_its_time(at: Any) -> None:
    with pytest.raises(ValidationFailed):
        metrics.effect("TaskPosted", {"eventId": "e", "at": at})


def test_the_day_is_utc() -> None:
    assert metrics.day_of("2026-11-25T23:59:59.999Z") == "2026-11-25"
    assert metrics.day_of("2026-11-26T00:30:00+01:00") == "2026-11-25"


def test_rates_are_basis_points_half_up() -> None:
    assert metrics.rate_bps(200, 2500) == 800
    assert metrics.rate_bps(1, 3) == 3333
    assert metrics.rate_bps(2, 3) == 6667
    assert metrics.rate_bps(1, 20000) == 1  # 0.5 bps rounds up
    assert metrics.rate_bps(5, 0) is None


@given(st.integers(0, 10**12), st.integers(1, 10**12))
def test_rate_matches_exact_arithmetic(part: int, whole: int) -> None:
    exact = Fraction(part * 10000, whole)
    assert metrics.rate_bps(part, whole) == int(exact + Fraction(1, 2))


def test_median_hours_from_a_histogram() -> None:
    assert metrics.median_hours({}) is None
    assert metrics.median_hours({60: 0}) is None
    assert metrics.median_hours({90: 1}) == 1.5
    assert metrics.median_hours({3000: 1, 60: 1, 180: 1}) == 3.0
    assert metrics.median_hours({60: 1, 120: 1}) == 1.5
    assert metrics.median_hours({60: 3, 3000: 1}) == 1.0  # the middle two are both 60
    assert metrics.median_hours({60: 2, 180: 2}) == 2.0  # between the 2nd and the 3rd sample


@given(st.lists(st.sampled_from([0, 1, 7, 60, 99, 180, 990, 1500, 3000, 14000, 990000]), min_size=1, max_size=60))
def test_the_histogram_median_is_exact_for_bucket_values(minutes: list[int]) -> None:
    counts = metrics.histogram(minutes)
    assert sum(counts.values()) == len(minutes)
    assert metrics.median_minutes(counts) == statistics.median(minutes)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=60))
def test_the_histogram_median_is_within_a_bucket_of_the_true_one(minutes: list[int]) -> None:
    found = metrics.median_minutes(metrics.histogram(minutes))
    assert found is not None
    assert abs(found - statistics.median(minutes)) <= 0.05 * max(minutes)  # buckets keep the order


@pytest.mark.parametrize(
    ("minutes", "bucket"),
    [(0, 0), (7, 7), (60, 60), (99, 99), (180, 180), (184, 180), (185, 190), (995, 1000), (1470, 1500), (3000, 3000)],
)
def test_buckets_keep_two_significant_digits(minutes: int, bucket: int) -> None:
    assert metrics.bucket(minutes) == bucket


def test_the_number_of_buckets_is_bounded() -> None:
    assert len({metrics.bucket(m) for m in range(10**5)}) == 100 + 3 * 90 + 1  # 0..99, 90 a decade, 100000
    assert all(abs(metrics.bucket(m) - m) * 20 <= m for m in range(100, 10**5, 37))  # within 5 %
    with pytest.raises(ValueError, match="negative"):
        metrics.bucket(-1)


def test_shards_are_stable_and_spread() -> None:
    assert metrics.shard_of("event-1") == metrics.shard_of("event-1")
    assert metrics.shard_of("event-1", 7) == int(hashlib.sha256(b"event-1").hexdigest()[:16], 16) % 7
    spread = Counter(metrics.shard_of(f"e{n}") for n in range(100 * metrics.SHARDS))
    assert set(spread) == set(range(metrics.SHARDS))
    assert max(spread.values()) < 2 * min(spread.values())  # ~100 each


def test_shard_parts_sum_into_days() -> None:
    parts = [
        metrics.DayFigures("2026-11-25", counts={"tasks_posted": 2}),
        metrics.DayFigures("2026-11-24", money={"gmv": 100}),
        metrics.DayFigures("2026-11-25", counts={"tasks_posted": 3, "new_users": 1}),
        metrics.DayFigures("2026-11-25", money={"gmv": 250, "revenue": 25}),
        metrics.DayFigures("2026-11-25", award_histogram={60: 1, 180: 2}),
        metrics.DayFigures("2026-11-25", award_histogram={180: 1, 3000: 1}),
    ]
    days = metrics.by_day(parts)
    assert sorted(days) == ["2026-11-24", "2026-11-25"]
    day = days["2026-11-25"]
    assert day.count("tasks_posted") == 5 and day.count("new_users") == 1
    assert day.amount("gmv") == 250 and day.amount("revenue") == 25
    assert day.award_histogram == {60: 1, 180: 3, 3000: 1} and day.awards_timed == 5
    assert metrics.median_hours(day.award_histogram) == 3.0
    assert days["2026-11-24"].amount("gmv") == 100 and days["2026-11-24"].awards_timed == 0
    assert metrics.by_day([]) == {}


def test_totals_and_derived_figures() -> None:
    days = [
        metrics.DayFigures("2026-11-24", {"milestones_funded": 2}, {"gmv": 250000}, {60: 1}),
        metrics.DayFigures(
            "2026-11-25", {"disputes_opened": 1}, {"released": 200000, "revenue": 20000}, {180: 1, 3000: 1}
        ),
        metrics.DayFigures("2026-11-26"),
    ]
    total = metrics.combine(days, "total")
    assert total.amount("gmv") == 250000 and total.amount("revenue") == 20000
    assert total.count("milestones_funded") == 2 and total.count("disputes_opened") == 1
    assert total.count("new_users") == 0
    assert total.awards_timed == 3
    assert metrics.derived(total) == {"take_rate_bps": 800, "dispute_rate_bps": 5000, "median_hours_to_award": 3.0}
    assert metrics.derived(days[2]) == {"take_rate_bps": None, "dispute_rate_bps": None, "median_hours_to_award": None}


def test_date_range_defaults_and_limits() -> None:
    today = date(2026, 11, 25)
    assert metrics.date_range(None, None, today) == (date(2026, 10, 27), today)
    assert metrics.date_range("2026-11-01", None, today) == (date(2026, 11, 1), today)
    assert metrics.date_range(None, "2026-01-31", today) == (date(2026, 1, 2), date(2026, 1, 31))
    assert metrics.date_range("2025-11-25", "2026-11-25", today)[0] == date(2025, 11, 25)  # 366 days
    for start, end, field in [
        ("2026-02-30", None, "from"),
        (None, "soon", "to"),
        ("2026-11-26", "2026-11-25", "from"),
        ("2025-11-24", "2026-11-25", "from"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            metrics.date_range(start, end, today)
        assert caught.value.errors[0]["field"] == field
    assert metrics.days_between(date(2026, 2, 27), date(2026, 3, 1)) == ["2026-02-27", "2026-02-28", "2026-03-01"]


def test_search_keys_cover_email_name_and_later_words() -> None:
    profile: Any = SimpleNamespace(email="Carla@Dev.Example", display_name="  Carla   von Schmidt ")
    assert normalize(profile.display_name) == "carla von schmidt"
    assert search_keys(profile) == [
        ("carla@dev.example", "email"),
        ("carla von schmidt", "name"),
        ("von schmidt", "name"),
        ("schmidt", "name"),
    ]
    long: Any = SimpleNamespace(email="x@y.z", display_name="a b c d e f")
    assert [k for k, _ in search_keys(long)] == ["x@y.z", "a b c d e f", "b c d e f", "c d e f", "d e f"]
    same: Any = SimpleNamespace(email="solo", display_name="Solo")
    assert search_keys(same) == [("solo", "email")]
