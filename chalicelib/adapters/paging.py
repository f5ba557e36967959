"""Opaque cursors over DynamoDB's LastEvaluatedKey, bound to the partition they page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from chalicelib.domain.errors import ValidationFailed

T = TypeVar("T")
MAX_CURSOR = 1024


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


def encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, partition: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """Reject cursors that are not ours or that point into another partition."""
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        if not isinstance(key, dict) or not key or not all(_is_key_value(v) for v in key.values()):
            raise ValueError
    except (ValueError, RecursionError):
        raise ValidationFailed("cursor is not valid", [{"field": "cursor", "message": "invalid"}]) from None
    if partition is not None:
        name, value = partition
        if key.get(name, {}).get("S") != value:
            raise ValidationFailed("cursor belongs to another list", [{"field": "cursor", "message": "invalid"}])
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
