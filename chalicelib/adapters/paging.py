"""Opaque cursors over DynamoDB's LastEvaluatedKey, bound to the partition they page.

`collect` pages one partition; `collect_merged` pages a list spread over shard partitions (e.g.
`TASKS#open#public#00..03`) as one list, merging the shards by their sort key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from chalicelib.domain.errors import ValidationFailed

T = TypeVar("T")
MAX_CURSOR = 1024  # characters: a cursor travels as one query value (handlers.http.MAX_QUERY)


def _is_key_value(value: Any) -> bool:
    """A DynamoDB key attribute: exactly one of S or N, holding a string."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and set(value) <= {"S", "N"}
        and isinstance(next(iter(value.values())), str)
    )


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _invalid(detail: str = "cursor is not valid") -> ValidationFailed:
    return ValidationFailed(detail, [{"field": "cursor", "message": "invalid"}])


def _dump(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def _load(cursor: str) -> Any:
    """The JSON inside a cursor; anything that is not ours is a 400, never a 500."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, RecursionError):
        raise _invalid() from None


def encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return _dump(key)


def decode(cursor: str | None, partition: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """Reject cursors that are not ours or that point into another partition."""
    if not cursor:
        return None
    key = _load(cursor)
    if not isinstance(key, dict) or not key or not all(_is_key_value(v) for v in key.values()):
        raise _invalid()
    if partition is not None:
        name, value = partition
        if key.get(name, {}).get("S") != value:
            raise _invalid("cursor belongs to another list")
    return key


def collect(
    query: Callable[[dict[str, Any] | None], Any],
    limit: int,
    cursor: str | None,
    partition: tuple[str, str] | None = None,
    keep: Callable[[Any], bool] | None = None,
) -> Page[Any]:
    """Iterate a PynamoDB query until `limit` kept items; the cursor resumes after the last one."""
    results = query(decode(cursor, partition))
    items: list[Any] = []
    for item in results:
        if keep is None or keep(item):
            items.append(item)
        if len(items) == limit:
            return Page(items, encode(results.last_evaluated_key))
    return Page(items, None)


# Where a merged list stands in each shard: absent (not started), the sort key of the last item
# returned from it, or DONE (nothing after that).
DONE = None
Positions = dict[str, str | None]


def encode_merged(positions: Mapping[str, str | None]) -> str | None:
    """None once every shard is done: the list has no next page."""
    if all(position is DONE for position in positions.values()):
        return None
    return _dump(positions)


def decode_merged(cursor: str | None, partitions: Sequence[str]) -> Positions:
    """A merged cursor: an object from shard partition to a non-empty sort key or null (done)."""
    if not cursor:
        return {}
    positions = _load(cursor)
    if not isinstance(positions, dict) or not positions:
        raise _invalid()
    for position in positions.values():
        if position is not DONE and not (isinstance(position, str) and position and _encodable(position)):
            raise _invalid()
    if not set(positions) <= set(partitions):
        raise _invalid("cursor belongs to another list")
    return positions


def _encodable(text: str) -> bool:
    """No lone surrogate (JSON allows "\\udc80"): DynamoDB would refuse the key with a 500."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_END = object()


@dataclass
class _Shard:
    """One shard of a merged list: its query's results and the item it would give next."""

    partition: str
    results: Any = None
    rest: Iterator[Any] | None = None
    head: Any = _END
    head_sort: str = ""
    head_is_last: bool = False  # nothing comes after the head in this shard

    def start(self, results: Any, sort_key: Callable[[Any], str]) -> None:
        self.results, self.rest = results, iter(results)
        self.pull(sort_key)

    def pull(self, sort_key: Callable[[Any], str]) -> None:
        """Read the shard's next item into `head` (a Query only when its page is used up)."""
        assert self.rest is not None
        self.head = next(self.rest, _END)
        if self.head is not _END:
            self.head_sort = sort_key(self.head)
            self.head_is_last = self.results.last_evaluated_key is None


def collect_merged(
    query: Callable[[str, dict[str, Any] | None], Any],
    partitions: Sequence[str],
    sort_key: Callable[[Any], str],
    start_key: Callable[[str, str], dict[str, Any]],
    limit: int,
    cursor: str | None,
    newest_first: bool,
) -> Page[Any]:
    """One page of a list sharded over `partitions`, merged by sort key (descending if `newest_first`).

    `query(partition, start)` is a PynamoDB query of one shard (its `last_evaluated_key` None once
    its last item is out); `sort_key(item)` is the value the shards are merged by, unique across
    them; `start_key(partition, sort)` rebuilds the ExclusiveStartKey of the item with that sort key.
    The cursor records, per shard, the sort key of the last item *returned* from it (or that the
    shard is done), so an item read but not returned is read again on the next page, never skipped.
    Every shard not done is queried once, in parallel; with a page size of `limit` each Query
    returns all a page can take from its shard.
    """
    positions = decode_merged(cursor, partitions)
    shards = [_Shard(p) for p in partitions if not (p in positions and positions[p] is DONE)]

    def first(shard: _Shard) -> None:
        position = positions.get(shard.partition)
        shard.start(query(shard.partition, start_key(shard.partition, position) if position else None), sort_key)

    if len(shards) > 1:
        with ThreadPoolExecutor(max_workers=len(shards)) as pool:
            list(pool.map(first, shards))
    else:
        for shard in shards:
            first(shard)
    for shard in shards:
        if shard.head is _END:
            positions[shard.partition] = DONE
    pick = max if newest_first else min
    items: list[Any] = []
    while len(items) < limit and (ready := [s for s in shards if s.head is not _END]):
        shard = pick(ready, key=lambda s: s.head_sort)
        items.append(shard.head)
        positions[shard.partition] = DONE if shard.head_is_last else shard.head_sort
        shard.head = _END
        if len(items) < limit and not shard.head_is_last:
            shard.pull(sort_key)
            if shard.head is _END:
                positions[shard.partition] = DONE
    return Page(items, encode_merged(positions))
