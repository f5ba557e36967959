"""Contracts with their milestones, settings and audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import AuditItem, ContractItem, MilestoneItem, SettingsItem
from chalicelib.domain.commission import DEFAULT_BPS


def key(contract_id: str) -> str:
    return f"CONTRACT#{contract_id}"


def milestone_sk(position: int, milestone_id: str) -> str:
    return f"MILESTONE#{position:02d}#{milestone_id}"


def get(contract_id: str) -> ContractItem | None:
    try:
        return ContractItem.get(key(contract_id), "CONTRACT", consistent_read=True)
    except ContractItem.DoesNotExist:
        return None


def milestones(contract_id: str) -> list[MilestoneItem]:
    return list(MilestoneItem.query(key(contract_id), MilestoneItem.sk.startswith("MILESTONE#"), consistent_read=True))


def for_customer(customer_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The customer's contracts, newest first (gsi1: the customer's side)."""
    return _for_party(ContractItem.gsi1.query, "gsi1pk", customer_id, limit, cursor)


def for_provider(provider_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The provider's contracts, newest first (gsi2: the provider's side)."""
    return _for_party(ContractItem.gsi2.query, "gsi2pk", provider_id, limit, cursor)


def _for_party(
    query: Callable[..., Any], index_key: str, party_id: str, limit: int, cursor: str | None
) -> paging.Page[Any]:
    partition = f"PARTY#{party_id}"
    return paging.collect(
        lambda start: query(partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit),
        limit,
        cursor,
        (index_key, partition),
    )


def audit(contract_id: str) -> list[AuditItem]:
    return list(AuditItem.query(key(contract_id), AuditItem.sk.startswith("AUDIT#"), consistent_read=True))


def open_disputes(limit: int, cursor: str | None) -> paging.Page[Any]:
    return paging.collect(
        lambda start: MilestoneItem.gsi1.query(
            "DISPUTES#open", scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", "DISPUTES#open"),
    )


def commission_settings() -> tuple[int, dict[str, int]]:
    try:
        item = SettingsItem.get("SETTINGS", "COMMISSION", consistent_read=True)
    except SettingsItem.DoesNotExist:
        return DEFAULT_BPS, {}
    return int(item.default_bps), {k: int(v) for k, v in (item.overrides or {}).items()}
