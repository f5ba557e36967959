"""Trust & safety rules: the flag lifecycle, strikes → suspension → reinstatement, anonymity aliases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import Conflict
from chalicelib.domain.moderation import (
    ALIAS_ALPHABET,
    ALIAS_LENGTH,
    FLAG,
    STANDING,
    STRIKES_TO_SUSPEND,
    FlagStatus,
    Standing,
    alias,
    is_alias_id,
    standing_of,
    strike,
)

KEY = b"unit-test-key"


def test_a_flag_is_dismissed_or_confirmed_once() -> None:
    assert FLAG.next(FlagStatus.FLAGGED, "dismiss") == FlagStatus.DISMISSED
    assert FLAG.next(FlagStatus.FLAGGED, "confirm") == FlagStatus.CONFIRMED
    for decided in (FlagStatus.DISMISSED, FlagStatus.CONFIRMED):
        for action in ("dismiss", "confirm"):
            with pytest.raises(Conflict, match=f"cannot {action} a flag that is {decided.value}"):
                FLAG.next(decided, action)


def test_suspend_and_reinstate_alternate() -> None:
    assert STANDING.next(Standing.ACTIVE, "suspend") == Standing.SUSPENDED
    assert STANDING.next(Standing.SUSPENDED, "reinstate") == Standing.ACTIVE
    with pytest.raises(Conflict):
        STANDING.next(Standing.SUSPENDED, "suspend")
    with pytest.raises(Conflict):
        STANDING.next(Standing.ACTIVE, "reinstate")
    assert standing_of(True) == Standing.SUSPENDED
    assert standing_of(False) == Standing.ACTIVE


def test_the_third_confirmed_strike_suspends() -> None:
    assert STRIKES_TO_SUSPEND == 3
    first = strike(0, 0, suspended=False)
    second = strike(first.total, first.active, suspended=False)
    third = strike(second.total, second.active, suspended=False)
    assert [(o.total, o.active, o.suspend) for o in (first, second, third)] == [
        (1, 1, False),
        (2, 2, False),
        (3, 3, True),
    ]


def test_strikes_on_a_suspended_account_are_counted_but_suspend_nothing_new() -> None:
    outcome = strike(3, 3, suspended=True)
    assert (outcome.total, outcome.active, outcome.suspend) == (4, 4, False)


def test_after_reinstatement_it_takes_three_new_strikes() -> None:
    # reinstatement clears the active count (services/moderation.reinstate); the total stays
    outcome = strike(3, 0, suspended=False)
    assert (outcome.total, outcome.active, outcome.suspend) == (4, 1, False)
    outcome = strike(5, 2, suspended=False)
    assert (outcome.total, outcome.active, outcome.suspend) == (6, 3, True)


def test_a_strike_manually_suspended_account_stays_suspended() -> None:
    assert strike(0, 0, suspended=True).suspend is False


@pytest.mark.parametrize(("total", "active"), [(-1, 0), (0, -1), (1, 2)])
def test_impossible_strike_counts_are_refused(total: int, active: int) -> None:
    with pytest.raises(ValueError, match="strike counts"):
        strike(total, active, suspended=False)


def test_the_alias_is_stable_per_provider_and_task() -> None:
    first = alias(KEY, "01PROVIDER", "01TASK")
    assert first == alias(KEY, "01PROVIDER", "01TASK")
    assert first.name == f"Expert #{first.code}"
    assert first.id == f"anon-{first.code}"
    assert len(first.code) == ALIAS_LENGTH
    assert set(first.code) <= set(ALIAS_ALPHABET)
    assert is_alias_id(first.id)


def test_the_alias_differs_between_tasks_providers_and_keys() -> None:
    base = alias(KEY, "01PROVIDER", "01TASK")
    assert alias(KEY, "01PROVIDER", "02TASK") != base
    assert alias(KEY, "02PROVIDER", "01TASK") != base
    assert alias(b"another-key", "01PROVIDER", "01TASK") != base


def test_the_alias_does_not_contain_the_provider_id() -> None:
    provider = "01J9ZQ4T7M3K8V2N5B6C1X0Y9W"
    code = alias(KEY, provider, "01TASK").code
    assert code not in provider


@pytest.mark.parametrize(
    "value",
    ["anon-", "anon-7F3K", "anon-7F3KQ2X", "anon-7f3kq2", "anon-ILOU12", "7F3KQ2", "01J9ZQ4T7M3K8V2N5B6C1X0Y9W"],
)
def test_only_alias_ids_look_like_alias_ids(value: str) -> None:
    assert not is_alias_id(value)


@given(st.lists(st.text(min_size=1, max_size=30), min_size=40, max_size=40, unique=True))
def test_aliases_of_a_task_rarely_collide(providers: list[str]) -> None:
    """30 bits per alias: 40 bidders on one task collide with probability < 1e-6."""
    codes = {alias(KEY, p, "01TASK").code for p in providers}
    assert len(codes) == len(providers)
