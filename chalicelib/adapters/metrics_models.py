"""Back-office items in the single table: daily figures, counted-event markers, user-search entries.

| item | pk | sk | written by |
|---|---|---|---|
| MetricsDay (counts) | `METRICS#daily` | `YYYY-MM-DD` | metrics consumer: ADD, list_append |
| MetricsDay (money) | `METRICS#daily` | `YYYY-MM-DD#<currency>` | metrics consumer: ADD |
| MetricsMarker | `METRICSEVENT#<eventId>` | `COUNTED` | metrics consumer, same transaction |
| UserSearch | `USERSEARCH#<2 chars>` | `<lowercased email or name>#<profileId>` | profile creation |

A date range is one Query: `pk = METRICS#daily AND sk BETWEEN <from> AND <to>#~` returns the
counts item and the money items of every day, in day order.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.table import Item, _Meta, connection
from chalicelib.domain.metrics import COUNTS, MONEY, DayFigures, Effect

DAILY = "METRICS#daily"
MARKER_SK = "COUNTED"
MARKER_DAYS = 400  # markers outlive any redelivery (SQS keeps messages 14 days at most) by far


class MetricsDayItem(Item):
    """pk METRICS#daily, sk YYYY-MM-DD (counts, award times) or YYYY-MM-DD#<currency> (money, minor units)."""

    Meta = _Meta
    day = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    new_users = NumberAttribute(null=True)
    tasks_posted = NumberAttribute(null=True)
    tasks_opened = NumberAttribute(null=True)
    contracts_awarded = NumberAttribute(null=True)
    milestones_funded = NumberAttribute(null=True)
    disputes_opened = NumberAttribute(null=True)
    disputes_resolved = NumberAttribute(null=True)
    contracts_completed = NumberAttribute(null=True)
    reviews_posted = NumberAttribute(null=True)
    gmv = NumberAttribute(null=True)
    released = NumberAttribute(null=True)
    revenue = NumberAttribute(null=True)
    refunded = NumberAttribute(null=True)
    disputed = NumberAttribute(null=True)
    awarded = NumberAttribute(null=True)
    deposits = NumberAttribute(null=True)
    award_minutes = ListAttribute[float](of=NumberAttribute, null=True)


class MetricsMarkerItem(Item):
    """pk METRICSEVENT#<eventId>, sk COUNTED: this event is already in the figures (TTL expires_at)."""

    Meta = _Meta
    event_type = UnicodeAttribute()
    day = UnicodeAttribute()
    expires_at = NumberAttribute()


class UserSearchItem(Item):
    """pk USERSEARCH#<first 2 chars of key>, sk <key>#<profileId>; key = lowercased email or display name."""

    Meta = _Meta
    profile_id = UnicodeAttribute()
    sub = UnicodeAttribute()
    matched = UnicodeAttribute()


def _actions(model: Any, names: dict[str, int]) -> list[Any]:
    return [getattr(model, name).add(value) for name, value in names.items() if value]


def record(event_id: str, detail_type: str, effect: Effect) -> bool:
    """Count an event once: the marker and the ADDs commit together, the marker only if absent.

    Returns False when the event was counted before. Any other failure (a transaction conflict
    with a concurrent consumer on the same day item, throttling) raises, so the message is
    delivered again and counted then.
    """
    marker = MetricsMarkerItem(
        pk=f"METRICSEVENT#{event_id}",
        sk=MARKER_SK,
        type="MetricsMarker",
        event_type=detail_type,
        day=effect.day,
        expires_at=int(time.time()) + MARKER_DAYS * 86400,
    )
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(marker, condition=MetricsMarkerItem.pk.does_not_exist())
            if effect.counts or effect.award_minutes:
                actions = [MetricsDayItem.type.set("MetricsDay"), MetricsDayItem.day.set(effect.day)]
                actions += _actions(MetricsDayItem, effect.counts)
                if effect.award_minutes:
                    minutes = MetricsDayItem.award_minutes
                    actions.append(minutes.set((minutes | []).append(list(effect.award_minutes))))
                tx.update(MetricsDayItem(DAILY, effect.day), actions=actions)
            if effect.currency and any(effect.money.values()):
                actions = [
                    MetricsDayItem.type.set("MetricsDay"),
                    MetricsDayItem.day.set(effect.day),
                    MetricsDayItem.currency.set(effect.currency),
                    *_actions(MetricsDayItem, effect.money),
                ]
                tx.update(MetricsDayItem(DAILY, f"{effect.day}#{effect.currency}"), actions=actions)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return False
        raise
    return True


def days(first: str, last: str, currency: str) -> dict[str, DayFigures]:
    """Every stored figure from `first` to `last` (inclusive) in one Query; money only in `currency`."""
    found: dict[str, DayFigures] = {}
    for item in MetricsDayItem.query(DAILY, MetricsDayItem.sk.between(first, f"{last}#~")):
        day, _, unit = str(item.sk).partition("#")
        figures = found.setdefault(day, DayFigures(day))
        if not unit:
            figures.counts = {name: int(getattr(item, name) or 0) for name in COUNTS}
            figures.award_minutes = [int(m) for m in (item.award_minutes or [])]
        elif unit == currency:
            figures.money = {name: int(getattr(item, name) or 0) for name in MONEY}
    return found
