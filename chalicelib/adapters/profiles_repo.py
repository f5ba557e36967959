"""Profiles: by Cognito sub (main key) and by profile id (gsi1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import ProfileItem

PENDING_QUEUE = "VERIF#pending"


def key(sub: str) -> str:
    return f"USER#{sub}"


def get_by_sub(sub: str) -> ProfileItem | None:
    try:
        return ProfileItem.get(key(sub), "PROFILE", consistent_read=True)
    except ProfileItem.DoesNotExist:
        return None


def get_by_id(profile_id: str) -> ProfileItem | None:
    for item in ProfileItem.gsi1.query(f"PROFILE#{profile_id}", limit=1):
        return get_by_sub(item.sub)  # re-read strongly: the index lags the table
    return None


def batch_by_sub(subs: Iterable[str]) -> dict[str, ProfileItem]:
    keys = [(key(s), "PROFILE") for s in set(subs)]
    return {p.sub: p for p in ProfileItem.batch_get(keys)} if keys else {}


def pending_verifications(limit: int, cursor: str | None) -> paging.Page[Any]:
    return paging.collect(
        lambda start: ProfileItem.gsi2.query(
            PENDING_QUEUE, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi2pk", PENDING_QUEUE),
    )
