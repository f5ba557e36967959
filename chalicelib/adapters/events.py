"""Domain events: a transactional outbox carried to EventBridge by the table's stream.

Guarantee: at-least-once, and nothing in the request but the write. The outbox item commits in
the same transaction as the state change, under its own partition (`EVENT#<eventId>`), so no
partition takes every event. The table's stream (NEW_IMAGE) delivers each new outbox item to
`relay()`: on AWS the `outbox_relay` Lambda (a DynamoDB event source filtered to outbox inserts),
locally the pump reading the same stream from moto. A batch that EventBridge does not fully
accept raises, so the stream delivers it again; consumers dedupe by event id. DynamoDB's TTL
deletes the item after OUTBOX_DAYS (the stream keeps records 24 h), so no DeleteItem either.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import OutboxItem
from chalicelib.settings import get_settings

SOURCE = "tasklane"
OUTBOX_SK = "OUTBOX"
OUTBOX_TYPE = "Outbox"
OUTBOX_DAYS = 2  # past the stream's 24 h retention: a record is relayed before its item expires
PUT_EVENTS_BATCH = 10  # EventBridge's PutEvents limit
log = logging.getLogger(__name__)


@dataclass
class Event:
    detail_type: str
    detail: dict[str, Any]
    id: str = field(default_factory=new_id)


class RelayFailed(RuntimeError):
    """EventBridge refused part of a batch: the stream redelivers it (consumers dedupe by event id)."""


def outbox_key(event_id: str) -> str:
    return f"EVENT#{event_id}"


def outbox_item(event: Event, at: str) -> OutboxItem:
    """The event as an outbox item, for the transaction of its state change (UnitOfWork.emit)."""
    return OutboxItem(
        pk=outbox_key(event.id),
        sk=OUTBOX_SK,
        type=OUTBOX_TYPE,
        detail_type=event.detail_type,
        detail=event.detail | {"eventId": event.id, "at": at},
        at=at,
        expires_at=int(time.time()) + OUTBOX_DAYS * 86400,
    )


def outbox_entries(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The PutEvents entries for the outbox inserts among stream records (everything else is skipped)."""
    entries = []
    for record in records:
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        if record.get("eventName") != "INSERT" or image.get("type", {}).get("S") != OUTBOX_TYPE:
            continue
        entries.append(
            {
                "Source": SOURCE,
                "DetailType": image["detail_type"]["S"],
                "Detail": json.dumps(json.loads(image["detail"]["S"])),
                "EventBusName": get_settings().event_bus_name,
            }
        )
    return entries


def relay(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Publish the outbox inserts among `records` in batches of 10; the entries that went out."""
    entries = outbox_entries(records)
    events = client("events")
    for start in range(0, len(entries), PUT_EVENTS_BATCH):
        batch = entries[start : start + PUT_EVENTS_BATCH]
        result = events.put_events(Entries=batch)
        if result.get("FailedEntryCount"):
            codes = sorted({e.get("ErrorCode", "?") for e in result.get("Entries", []) if e.get("ErrorCode")})
            raise RelayFailed(f"EventBridge refused {result['FailedEntryCount']} of {len(batch)} events: {codes}")
    return entries
