"""Contracts with their milestones, settings, audit and reviews."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import AuditItem, ContractItem, MilestoneItem, ReviewItem, SettingsItem
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


def for_party(party_id: str, limit: int, cursor: str | None, index: str) -> paging.Page[Any]:
    partition = f"PARTY#{party_id}"
    query = ContractItem.gsi1.query if index == "gsi1" else ContractItem.gsi2.query
    return paging.collect(
        lambda start: query(partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit),
        limit,
        cursor,
        (f"{index}pk", partition),
    )


def audit(contract_id: str) -> list[AuditItem]:
    return list(AuditItem.query(key(contract_id), AuditItem.sk.startswith("AUDIT#"), consistent_read=True))


def reviews(contract_id: str) -> list[ReviewItem]:
    return list(ReviewItem.query(key(contract_id), ReviewItem.sk.startswith("REVIEW#"), consistent_read=True))


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
