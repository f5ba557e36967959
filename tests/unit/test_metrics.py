"""Platform figures, pure: which event moves which counter, rates in basis points, the median time to award."""

from __future__ import annotations

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


def test_median_hours() -> None:
    assert metrics.median_hours([]) is None
    assert metrics.median_hours([90]) == 1.5
    assert metrics.median_hours([3000, 60, 180]) == 3.0
    assert metrics.median_hours([60, 120]) == 1.5


def test_totals_and_derived_figures() -> None:
    days = [
        metrics.DayFigures("2026-11-24", {"milestones_funded": 2}, {"gmv": 250000}, [60]),
        metrics.DayFigures("2026-11-25", {"disputes_opened": 1}, {"released": 200000, "revenue": 20000}, [180, 3000]),
        metrics.DayFigures("2026-11-26"),
    ]
    total = metrics.combine(days, "total")
    assert total.amount("gmv") == 250000 and total.amount("revenue") == 20000
    assert total.count("milestones_funded") == 2 and total.count("disputes_opened") == 1
    assert total.count("new_users") == 0
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
