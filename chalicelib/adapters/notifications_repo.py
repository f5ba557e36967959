"""The in-app inbox: pk INBOX#<profileId>, sk <eventId>, one item per event and recipient."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.adapters import paging
from chalicelib.adapters.table import NotificationItem
from chalicelib.adapters.transactions import error_code

Notification = NotificationItem


def partition(profile_id: str) -> str:
    return f"INBOX#{profile_id}"


def add(recipient_id: str, event_id: str, event_type: str, title: str, data: dict[str, Any], at: str) -> bool:
    """Store one notification; False if this event already reached this recipient (a redelivery)."""
    item = NotificationItem(
        pk=partition(recipient_id),
        sk=event_id,
        type="Notification",
        event_type=event_type,
        title=title,
        data=data,
        at=at,
    )
    try:
        item.save(condition=NotificationItem.pk.does_not_exist())
    except PutError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def inbox(profile_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Newest first."""
    pk = partition(profile_id)
    return paging.collect(
        lambda start: NotificationItem.query(pk, scan_index_forward=False, last_evaluated_key=start, page_size=limit),
        limit,
        cursor,
        ("pk", pk),
    )
