"""The outbox sweep: events a crashed or failed publish-after-commit left behind go out again (at-least-once)."""

from __future__ import annotations

from chalicelib.adapters import events


def sweep() -> int:
    """Publish what is still in the outbox; how many went out (the scheduled consumer logs it)."""
    return events.republish_pending()
