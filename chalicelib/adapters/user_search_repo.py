"""User-search entries: one item per search key of a profile, partitioned by the key's first characters.

pk USERSEARCH#<first PARTITION_CHARS chars of key>, sk <key>#<profileId>: a prefix query is one
Query on one partition, which is why a search needs at least PARTITION_CHARS characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.metrics_models import UserSearchItem
from chalicelib.adapters.table import ProfileItem
from chalicelib.adapters.unit_of_work import Writes

UserSearch = UserSearchItem
PARTITION_CHARS = 2


def partition(key: str) -> str:
    return f"USERSEARCH#{key[:PARTITION_CHARS]}"


def add(uow: Writes, profile: ProfileItem, keys: Iterable[tuple[str, str]]) -> None:
    """Index the profile under each (key, what matched), in the unit of work that writes the profile."""
    for key, matched in keys:
        uow.save(
            UserSearchItem(
                pk=partition(key),
                sk=f"{key}#{profile.id}",
                type="UserSearch",
                profile_id=profile.id,
                sub=profile.sub,
                matched=matched,
            )
        )


def key_of(entry: UserSearchItem) -> str:
    """The search key an entry was written under."""
    return str(entry.sk).rpartition("#")[0]


def starting_with(text: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Entries whose key starts with `text` (at least PARTITION_CHARS long), in key order."""
    pk = partition(text)
    return paging.collect(
        lambda start: UserSearchItem.query(
            pk, UserSearchItem.sk.startswith(text), last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("pk", pk),
    )
