"""Cursors: opaque, round-trip, and refused when forged or taken from another list."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters.paging import collect, decode, encode
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
