"""Webhook events: the record that makes each event apply once, and events held until their payment succeeds.

Held events live in their payment's partition (`HELD#<paymentId>`, one item per event id) and all of
them on gsi1 (`HELD`), oldest first, for `make reconcile`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.payment_models import HeldEventItem, WebhookEventItem
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.clock import iso

WebhookEvent = WebhookEventItem
HeldEvent = HeldEventItem
HELD_PREFIX = "HELD#"
ALL_HELD = "HELD"


def key(event_id: str) -> str:
    return f"STRIPEEVENT#{event_id}"


def seen(event_id: str) -> WebhookEventItem | None:
    try:
        return WebhookEventItem.get(key(event_id), "EVENT", consistent_read=True)
    except WebhookEventItem.DoesNotExist:
        return None


def record(
    uow: Writes,
    event_id: str,
    event_type: str,
    outcome: str,
    object_id: str,
    created: int,
    at: str,
    expires_at: int,
) -> None:
    """The event's record, conditional on none yet: a second application of the event fails its whole commit."""
    uow.save(
        WebhookEventItem(
            pk=key(event_id),
            sk="EVENT",
            type="WebhookEvent",
            event_type=event_type,
            outcome=outcome,
            object_id=object_id,
            created=created,
            at=at,
            expires_at=expires_at,
        ),
        condition=WebhookEventItem.pk.does_not_exist(),
    )


# --- held events ----------------------------------------------------------------------------------


def _held_key(payment_id: str) -> str:
    return f"{HELD_PREFIX}{payment_id}"


def hold(payment_id: str, event_id: str, event_type: str, event: dict[str, Any]) -> None:
    """Keep the event beside its payment (written alone: holding it twice keeps one)."""
    HeldEventItem(
        pk=_held_key(payment_id),
        sk=event_id,
        type="HeldEvent",
        gsi1pk=ALL_HELD,
        gsi1sk=f"{iso()}#{event_id}",
        event_type=event_type,
        event=event,
        at=iso(),
    ).save()


def held_for(payment_id: str) -> list[HeldEventItem]:
    return list(HeldEventItem.query(_held_key(payment_id), consistent_read=True))


def drop(held: HeldEventItem) -> None:
    """Forget a held event once it is applied."""
    held.delete()


def all_held() -> list[HeldEventItem]:
    """Every held event, oldest first."""
    return list(HeldEventItem.gsi1.query(ALL_HELD, scan_index_forward=True))


def held_payment_id(held: HeldEventItem) -> str:
    return str(held.pk).removeprefix(HELD_PREFIX)


def held_event_id(held: HeldEventItem) -> str:
    return str(held.sk)
