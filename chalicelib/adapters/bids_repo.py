"""Bids: by id (main key), by task (gsi1), by provider (gsi2)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import BidItem


def key(bid_id: str) -> str:
    return f"BID#{bid_id}"


def get(bid_id: str) -> BidItem | None:
    try:
        return BidItem.get(key(bid_id), "BID", consistent_read=True)
    except BidItem.DoesNotExist:
        return None


def all_for_task(task_id: str) -> list[BidItem]:
    """Every bid of a task: the workbench sorts them in memory (a task has tens, not thousands)."""
    return list(BidItem.gsi1.query(f"TASKBIDS#{task_id}", scan_index_forward=True))


def for_provider(provider_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = f"PROVBIDS#{provider_id}"
    return paging.collect(
        lambda start: BidItem.gsi2.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi2pk", partition),
    )
