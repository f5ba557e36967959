"""Domain events: a transactional outbox plus publish-after-commit to EventBridge.

Guarantee: at-least-once. The outbox item commits in the same transaction as the
state change; right after the commit it is published and deleted. If publishing
fails (or the process dies first), `republish_pending()` (run by the pump locally
and on a schedule on AWS) publishes what is left. Consumers dedupe by event id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.adapters.aws import client
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import OutboxItem
from chalicelib.settings import get_settings

SOURCE = "tasklane"
log = logging.getLogger(__name__)


@dataclass
class Event:
    detail_type: str
    detail: dict[str, Any]
    id: str = field(default_factory=new_id)
    staged: OutboxItem | None = None


def stage(tx: TransactWrite, event: Event, at: str) -> Event:
    event.staged = OutboxItem(
        pk="OUTBOX",
        sk=event.id,
        type="Outbox",
        detail_type=event.detail_type,
        detail=event.detail | {"eventId": event.id, "at": at},
        at=at,
    )
    tx.save(event.staged)
    return event


def publish(events: list[Event]) -> None:
    """Best effort right after the commit; what fails stays in the outbox for the sweeper."""
    for event in events:
        if event.staged is not None:
            _send(event.staged)


def _send(item: OutboxItem) -> None:
    try:
        result = client("events").put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": item.detail_type,
                    "Detail": json.dumps(item.detail),
                    "EventBusName": get_settings().event_bus_name,
                }
            ]
        )
        if result.get("FailedEntryCount"):
            log.warning("event %s not accepted by EventBridge; left in the outbox", item.sk)
            return
    except Exception:  # the sweeper retries; the state change is already committed
        log.exception("publishing event %s failed; left in the outbox", item.sk)
        return
    item.delete()


def republish_pending(limit: int = 100) -> int:
    items = list(OutboxItem.query("OUTBOX", limit=limit, consistent_read=True))
    for item in items:
        _send(item)
    return len(items)
