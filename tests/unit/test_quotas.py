"""Quota rules: fixed windows aligned on the epoch, Retry-After until the next one, TTL after it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.quotas import BUCKETS, DEFAULTS, TTL_GRACE_SECONDS, Quota, noun, parse, subject_key


def test_windows_are_aligned_so_every_process_agrees() -> None:
    minute = Quota(30, 60)
    assert minute.window_start(1_700_000_000.0) == 1_699_999_980
    assert minute.window_start(1_699_999_980.0) == 1_699_999_980  # a window includes its first second
    assert minute.window_start(1_700_000_039.999) == 1_699_999_980
    assert minute.window_start(1_700_000_040.0) == 1_700_000_040


def test_retry_after_counts_whole_seconds_to_the_next_window() -> None:
    minute = Quota(30, 60)
    start = 1_700_000_040
    assert minute.retry_after(start + 45.5) == 15  # 14.5 s rounded up: retrying earlier is refused again
    assert minute.retry_after(start + 0.0) == 60
    assert minute.retry_after(start + 59.999) == 1  # never 0: Retry-After 0 invites a hot loop


def test_the_counter_expires_after_its_window() -> None:
    hour = Quota(10, 3600)
    assert hour.expires_at(7200 + 5.0) == 7200 + 3600 + TTL_GRACE_SECONDS


@given(
    limit=st.integers(1, 10_000),
    window=st.integers(1, 86_400),
    now=st.floats(0, 4_000_000_000, allow_nan=False, allow_infinity=False),
)
def test_window_and_retry_invariants(limit: int, window: int, now: float) -> None:
    quota = Quota(limit, window)
    start = quota.window_start(now)
    assert start <= now < start + window
    assert start % window == 0
    retry = quota.retry_after(now)
    assert 1 <= retry <= window
    assert quota.window_start(now + retry) > start  # after waiting, it is a new window
    assert quota.expires_at(now) > start + window


def test_settings_text_round_trips() -> None:
    assert parse("30/60") == Quota(30, 60)
    assert parse(" 5 / 10 ") == Quota(5, 10)
    assert str(Quota(300, 60)) == "300/60"
    for quota in DEFAULTS.values():
        assert parse(str(quota)) == quota


@pytest.mark.parametrize("text", ["30", "30/", "/60", "thirty/60", "30/60/1", "-1/60", "1.5/60", ""])
def test_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="limit"):
        parse(text)


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (1, 0), (1, 86_401)])
def test_impossible_quotas_are_refused(limit: int, window: int) -> None:
    with pytest.raises(ValueError, match="quota"):
        Quota(limit, window)


def test_the_buckets_the_edge_charges() -> None:
    assert set(BUCKETS) == {"messages", "uploads", "deposits", "public"}
    assert noun("messages") == "messages"
    assert noun("public") == "requests"
    # generous for people: the slowest default still allows a deposit every 6 minutes on average
    assert all(q.limit / q.window_seconds >= 10 / 3600 for q in DEFAULTS.values())


@pytest.mark.parametrize(
    ("subject", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # any address of the /64 is the same client
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_public_reads_are_counted_per_address_and_per_ipv6_64(subject: str, key: str) -> None:
    assert subject_key("public", subject) == key


def test_per_user_buckets_count_the_subject_as_given() -> None:
    assert subject_key("messages", "2001:db8::1") == "2001:db8::1"
