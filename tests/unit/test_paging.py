"""Cursors: opaque, round-trip, and refused when forged or taken from another list; merged shard paging."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.paging import (
    MAX_CURSOR,
    Page,
    collect,
    collect_merged,
    decode,
    decode_merged,
    encode,
    encode_merged,
)
from chalicelib.domain.errors import ValidationFailed

KEY = {
    "pk": {"S": "TASK#01HZY3M8K9T6V4W2X0Y1Z2A3B4"},
    "sk": {"S": "TASK"},
    "gsi1pk": {"S": "TASKS#open#public"},
    "gsi1sk": {"S": "2026-05-01T10:00:00Z"},
}


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def refused(cursor: str, partition: tuple[str, str] | None = None) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        decode(cursor, partition)
    return raised.value


def test_round_trip() -> None:
    cursor = encode(KEY)
    assert cursor is not None
    assert decode(cursor) == KEY
    assert decode(cursor, ("gsi1pk", "TASKS#open#public")) == KEY


def test_numbers_round_trip() -> None:
    key = {"o": {"N": "40"}}
    assert decode(encode(key)) == key


def test_cursor_is_url_safe_and_unpadded() -> None:
    # keys whose JSON needs padding and produces '+' / '/' in standard base64
    for key in ({"pk": {"S": "a>?~"}}, {"pk": {"S": "ab>>>?"}}, KEY):
        cursor = encode(key)
        assert cursor is not None
        assert not set(cursor) & {"+", "/", "=", "\n"}
        assert decode(cursor) == key


def test_no_key_means_no_cursor() -> None:
    assert encode(None) is None
    assert encode({}) is None
    assert decode(None) is None
    assert decode("") is None


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "%%%%",
        "a",
        b64("not json"),
        b64("[1, 2]"),
        b64('"TASK#1"'),
        b64("42"),
        b64("null"),
        b64('{"pk": "TASK#1"}'),
        b64('{"pk": 1}'),
        b64('{"pk": ["S", "x"]}'),
        b64('{"pk": {"B": "AAAA"}}'),
        b64('{"pk": {"S": "x", "extra": 1}}'),
        base64.urlsafe_b64encode(b"\xff\xfe\x00{").decode(),
    ],
)
def test_garbage_cursors_are_a_400_on_cursor(cursor: str) -> None:
    error = refused(cursor)
    assert error.status == 400
    assert error.errors == [{"field": "cursor", "message": "invalid"}]


def test_a_cursor_from_another_partition_is_refused() -> None:
    cursor = encode({**KEY, "gsi1pk": {"S": "Y"}})
    assert cursor is not None
    assert decode(cursor, ("gsi1pk", "Y")) is not None
    error = refused(cursor, ("gsi1pk", "X"))
    assert error.errors == [{"field": "cursor", "message": "invalid"}]
    assert "another list" in error.detail


def test_a_cursor_without_the_partition_attribute_is_refused() -> None:
    cursor = encode({"pk": {"S": "X"}, "sk": {"S": "TASK"}})
    assert cursor is not None
    refused(cursor, ("gsi1pk", "X"))
    refused(cursor, ("pk", "x"))  # case matters


@pytest.mark.parametrize("raw", ['{"o": {"N": null}}', '{"o": {"N": [1]}}', '{"pk": {"S": 5}}', '{"pk": {}}'])
def test_attribute_values_must_be_strings(raw: str) -> None:
    refused(b64(raw))


def test_deeply_nested_cursor_is_a_400() -> None:
    refused(b64("[" * 1000 + "]" * 1000))


class FakeResults:
    """Like PynamoDB's ResultIterator: iterable, last_evaluated_key is the key of the last item yielded."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.last_evaluated_key: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.last_evaluated_key = {"pk": {"S": "P"}, "sk": {"S": row["sk"]}}
            yield row


ROWS = [{"sk": f"{i:02d}", "even": i % 2 == 0} for i in range(10)]


def query_from(rows: list[dict[str, Any]], seen: list[dict[str, Any] | None]) -> Any:
    def query(start: dict[str, Any] | None) -> FakeResults:
        seen.append(start)
        after = start["sk"]["S"] if start else ""
        return FakeResults([r for r in rows if r["sk"] > after])

    return query


def test_collect_pages_through_everything_once() -> None:
    seen: list[dict[str, Any] | None] = []
    query = query_from(ROWS, seen)
    pages = [collect(query, 4, None, ("pk", "P"))]
    while pages[-1].next_cursor:
        pages.append(collect(query, 4, pages[-1].next_cursor, ("pk", "P")))
    assert [[r["sk"] for r in p.items] for p in pages] == [
        ["00", "01", "02", "03"],
        ["04", "05", "06", "07"],
        ["08", "09"],
    ]
    assert seen[0] is None
    assert seen[1] == {"pk": {"S": "P"}, "sk": {"S": "03"}}


def test_collect_filters_and_still_fills_the_page() -> None:
    query = query_from(ROWS, [])
    first = collect(query, 3, None, keep=lambda r: r["even"])
    assert [r["sk"] for r in first.items] == ["00", "02", "04"]
    second = collect(query, 3, first.next_cursor, keep=lambda r: r["even"])
    assert [r["sk"] for r in second.items] == ["06", "08"]
    assert second.next_cursor is None


def test_collect_refuses_a_cursor_for_another_partition_before_querying() -> None:
    seen: list[dict[str, Any] | None] = []
    cursor = encode({"pk": {"S": "OTHER"}, "sk": {"S": "03"}})
    with pytest.raises(ValidationFailed):
        collect(query_from(ROWS, seen), 4, cursor, ("pk", "P"))
    assert seen == []


def test_cursor_json_is_compact() -> None:
    cursor = encode({"a": {"S": "b"}})
    assert cursor is not None
    assert json.loads(base64.urlsafe_b64decode(cursor + "==")) == {"a": {"S": "b"}}
    assert len(cursor) <= len(b64('{"a":{"S":"b"}}'))


# Merged paging over shards (the task-status listings): fakes with PynamoDB's ResultIterator contract.

SHARDS = [f"L#{n:02d}" for n in range(4)]


class ShardResults:
    """One shard's Query: pages of `page_size`, fetched lazily; last_evaluated_key is the key of the
    last item yielded, and None after the last item of the last page (as PynamoDB reports it)."""

    def __init__(self, rows: list[str], page_size: int, calls: list[str], partition: str) -> None:
        self.rows, self.page_size, self.calls, self.partition = rows, page_size, calls, partition
        self.last_evaluated_key: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[str]:
        for offset in range(0, max(len(self.rows), 1), self.page_size):
            self.calls.append(self.partition)  # one Query per page actually read
            page = self.rows[offset : offset + self.page_size]
            for n, row in enumerate(page):
                final = n == len(page) - 1 and offset + self.page_size >= len(self.rows)
                self.last_evaluated_key = None if final else {"p": {"S": self.partition}, "s": {"S": row}}
                yield row


class Sharded:
    """A listing spread over SHARDS; rows are their own sort keys (`<moment>#<id>`, unique)."""

    def __init__(self, rows_by_shard: dict[str, list[str]]) -> None:
        self.rows = rows_by_shard
        self.calls: list[str] = []

    def everything(self, newest_first: bool) -> list[str]:
        return sorted((r for rows in self.rows.values() for r in rows), reverse=newest_first)

    def page(self, limit: int, cursor: str | None, newest_first: bool) -> Page[Any]:
        def query(partition: str, start: dict[str, Any] | None) -> ShardResults:
            rows = sorted(self.rows.get(partition, []), reverse=newest_first)
            if start is not None:
                assert start["p"]["S"] == partition
                after = start["s"]["S"]
                rows = [r for r in rows if (r < after if newest_first else r > after)]
            return ShardResults(rows, limit, self.calls, partition)

        return collect_merged(
            query,
            SHARDS,
            lambda row: row,
            lambda partition, sort: {"p": {"S": partition}, "s": {"S": sort}},
            limit,
            cursor,
            newest_first,
        )

    def walk(self, limit: int, newest_first: bool) -> list[Page[Any]]:
        pages = [self.page(limit, None, newest_first)]
        while pages[-1].next_cursor:
            pages.append(self.page(limit, pages[-1].next_cursor, newest_first))
        return pages


def rows(shard: int, count: int, start: int = 0, step: int = 1) -> list[str]:
    return [
        f"2026-05-01T10:{(start + n * step) // 60:02d}:{(start + n * step) % 60:02d}Z#T{shard}-{n}"
        for n in range(count)
    ]


def spread(count: int) -> Sharded:
    """`count` rows dealt round-robin-ish over the shards, times interleaved."""
    by_shard: dict[str, list[str]] = {p: [] for p in SHARDS}
    for n in range(count):
        shard = (n * 7) % 4
        by_shard[SHARDS[shard]].append(f"2026-05-01T{n // 60:02d}:{n % 60:02d}:00Z#T{n:03d}")
    return Sharded(by_shard)


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize("limit", [1, 3, 7, 40])
def test_merged_pages_return_every_item_once_in_order(limit: int, newest_first: bool) -> None:
    listing = spread(23)
    pages = listing.walk(limit, newest_first)
    assert [r for p in pages for r in p.items] == listing.everything(newest_first)
    assert all(len(p.items) == limit for p in pages[:-1])
    assert pages[-1].next_cursor is None


def test_merged_first_page_takes_the_newest_of_all_shards_and_the_cursor_marks_each_shards_last_returned() -> None:
    listing = Sharded({SHARDS[0]: ["05#a", "01#b"], SHARDS[1]: ["04#c"], SHARDS[2]: ["03#d", "02#e"], SHARDS[3]: []})
    first = listing.page(3, None, newest_first=True)
    assert first.items == ["05#a", "04#c", "03#d"]
    positions = decode_merged(first.next_cursor, SHARDS)
    # shard 0 read "01#b" but did not return it: the cursor stays on "05#a", so it comes next time
    assert positions == {SHARDS[0]: "05#a", SHARDS[1]: None, SHARDS[2]: "03#d", SHARDS[3]: None}
    second = listing.page(3, first.next_cursor, newest_first=True)
    assert second.items == ["02#e", "01#b"]
    assert second.next_cursor is None


def test_merged_done_shards_are_not_queried_again() -> None:
    listing = Sharded({SHARDS[0]: rows(0, 9), SHARDS[1]: rows(1, 1, start=30), SHARDS[2]: [], SHARDS[3]: rows(3, 2)})
    first = listing.page(4, None, newest_first=True)
    assert sorted(listing.calls) == sorted(SHARDS)  # one Query per shard on the first page
    done = {p for p, at in decode_merged(first.next_cursor, SHARDS).items() if at is None}
    assert {SHARDS[1], SHARDS[2]} <= done
    listing.calls.clear()
    listing.page(4, first.next_cursor, newest_first=True)
    assert not set(listing.calls) & done


def test_merged_one_crowded_shard_pages_to_its_end_with_one_query_per_live_shard() -> None:
    crowded = rows(0, 60)
    listing = Sharded(
        {SHARDS[0]: crowded, SHARDS[1]: rows(1, 2, start=10), SHARDS[2]: rows(2, 1, start=45), SHARDS[3]: []}
    )
    pages = listing.walk(5, newest_first=False)
    assert [r for p in pages for r in p.items] == listing.everything(newest_first=False)
    assert len(pages) == 13  # 63 rows, 5 a page
    assert len(listing.calls) <= 4 + 2 * (len(pages) - 1)  # later pages query only the crowded shard (+ one end check)


def test_merged_last_page_has_no_cursor_when_every_shard_ends_with_it() -> None:
    listing = spread(8)
    page = listing.page(8, None, newest_first=True)
    assert len(page.items) == 8 and page.next_cursor is None
    empty = Sharded({})
    assert empty.page(5, None, newest_first=True) == Page([], None)


def test_merged_cursor_round_trips_and_fits_a_query_value() -> None:
    positions: dict[str, str | None] = {
        p: f"2026-05-01T10:00:00.000Z#01HZY3M8K9T6V4W2X0Y1Z2A3B{n}" for n, p in enumerate(SHARDS)
    }
    positions[SHARDS[2]] = None
    cursor = encode_merged(positions)
    assert cursor is not None and not set(cursor) & {"+", "/", "=", "\n"}
    assert decode_merged(cursor, SHARDS) == positions
    assert encode_merged(dict.fromkeys(SHARDS)) is None
    longest = {f"TASKS#changes_requested#{n:02d}": f"2026-05-01T10:00:00.000Z#{'Z' * 26}" for n in range(4)}
    assert len(encode_merged(longest) or "") < MAX_CURSOR // 2


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        b64("[1, 2]"),
        b64("{}"),
        b64('{"L#00": 5}'),
        b64('{"L#00": ""}'),
        b64('{"L#00": ["x"]}'),
        b64('{"L#00": "\\udc80"}'),
        "A" * (MAX_CURSOR + 1),
    ],
)
def test_merged_garbage_cursors_are_a_400_before_any_query(cursor: str) -> None:
    listing = spread(5)
    with pytest.raises(ValidationFailed) as raised:
        listing.page(2, cursor, newest_first=True)
    assert raised.value.status == 400 and raised.value.errors == [{"field": "cursor", "message": "invalid"}]
    assert listing.calls == []


def test_merged_refuses_a_cursor_of_another_list() -> None:
    other = encode_merged({"TASKS#awarded#00": "x#1"})  # another status's listing
    plain = encode(KEY)  # a one-partition cursor (e.g. from before the listing was sharded)
    for cursor, detail in ((other, "cursor belongs to another list"), (plain, "cursor is not valid")):
        with pytest.raises(ValidationFailed) as raised:
            spread(5).page(2, cursor, newest_first=True)
        assert (raised.value.status, raised.value.detail) == (400, detail)
