"""The outbox relay: events committed with their state changes go out to EventBridge (at-least-once)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import events


def relay(stream_records: list[dict[str, Any]]) -> int:
    """Publish the outbox items among the table's new stream records; how many went out.

    A batch EventBridge refuses raises, so the stream delivers it again (consumers dedupe by event id).
    """
    return len(events.relay(stream_records))
