"""Quotas on the table: the N+1th charge in a window is Throttled, with one UpdateItem per charge."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from chalicelib.adapters import quotas_repo
from chalicelib.adapters.ids import new_id
from chalicelib.domain.errors import Throttled
from chalicelib.services import quotas
from chalicelib.settings import get_settings
from infra.resources import RESOURCES

WINDOW_START = 1_800_000_000  # a multiple of 60 and of 3600
NOW = WINDOW_START + 45.5


def used(bucket: str, subject: str, window_start: int) -> int:
    """Charges counted in a window (0 if none), read back the way `quotas_repo.take` wrote them."""
    pk, sk = quotas_repo.key(bucket, subject, window_start)
    try:
        return int(quotas_repo.QuotaItem.get(pk, sk, consistent_read=True).hits or 0)
    except quotas_repo.QuotaItem.DoesNotExist:
        return 0


@pytest.fixture
def low_limits(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """3 messages and 2 deposits a minute, at a fixed moment (no window boundary mid-test)."""
    monkeypatch.setenv("QUOTA_MESSAGES", "3/60")
    monkeypatch.setenv("QUOTA_DEPOSITS", "2/60")
    monkeypatch.setattr(quotas, "time", SimpleNamespace(time=lambda: NOW))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every DynamoDB operation PynamoDB sends."""
    seen: list[str] = []
    original = Connection.dispatch

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
        seen.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", counting)
    return seen


def test_the_n_plus_first_charge_is_throttled_until_the_next_window(low_limits: None, calls: list[str]) -> None:
    user, other = f"user-{new_id()}", f"user-{new_id()}"
    for _ in range(3):
        quotas.charge("messages", user)
    assert calls == ["UpdateItem"] * 3  # one AWS call per charge, no read first

    with pytest.raises(Throttled) as refused:
        quotas.charge("messages", user)
    assert refused.value.retry_after == 15  # 14.5 s to the end of the window, rounded up
    assert refused.value.status == 429
    assert "at most 3 per 60 s" in refused.value.detail
    assert calls == ["UpdateItem"] * 4
    assert used("messages", user, WINDOW_START) == 3  # a refused charge is not counted

    quotas.charge("messages", other)  # another user has their own quota
    quotas.charge("deposits", user)  # and another bucket its own count
    assert used("messages", other, WINDOW_START) == 1


def test_the_next_window_starts_afresh_and_old_counters_expire(
    low_limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = "203.0.113.7"
    subject = f"{address}-{new_id()}"
    for _ in range(2):
        quotas.charge("deposits", subject)
    with pytest.raises(Throttled):
        quotas.charge("deposits", subject)
    monkeypatch.setattr(quotas, "time", SimpleNamespace(time=lambda: WINDOW_START + 60.0))
    quotas.charge("deposits", subject)
    assert used("deposits", subject, WINDOW_START + 60) == 1

    pk, sk = quotas_repo.key("deposits", subject, WINDOW_START)
    item = quotas_repo.QuotaItem.get(pk, sk, consistent_read=True)
    assert item.type == "Quota"
    assert item.expires_at == WINDOW_START + 60 + 60
    assert quotas_repo.QuotaItem.expires_at.attr_name == RESOURCES.table.ttl_attribute  # DynamoDB deletes it


def test_an_unknown_bucket_or_an_empty_subject_is_a_programming_error(low_limits: None) -> None:
    with pytest.raises(ValueError, match="no quota bucket"):
        quotas.charge("downloads", "someone")
    with pytest.raises(ValueError, match="subject"):
        quotas.charge("messages", "")


def test_an_ipv6_client_cannot_dodge_the_public_quota_by_changing_address(
    low_limits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTA_PUBLIC", "2/60")
    get_settings.cache_clear()
    prefix = f"2001:db8:{secrets.randbelow(65536):x}:1"  # the table outlives a test: a /64 of its own
    quotas.charge("public", f"{prefix}::1")
    quotas.charge("public", f"{prefix}::2")
    with pytest.raises(Throttled):
        quotas.charge("public", f"{prefix}:ffff::3")
    quotas.charge("public", "198.51.100.1")


def test_a_counter_dynamodb_throttles_fails_closed(low_limits: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def flooded(*args: Any) -> bool:
        raise quotas_repo.CounterThrottled("ProvisionedThroughputExceededException")

    monkeypatch.setattr(quotas_repo, "take", flooded)
    with pytest.raises(Throttled) as refused:
        quotas.charge("messages", "flooder")
    assert refused.value.retry_after == 1
