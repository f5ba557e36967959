"""Daily platform figures as sharded counters, and the markers that count each event once.

| item | pk | sk | written by (metrics consumer, one transaction per event) |
|---|---|---|---|
| MetricsDay (no money) | `METRICS#<shard>` | `YYYY-MM-DD` | ADD counts of events without money |
| MetricsDay (per currency) | `METRICS#<shard>` | `YYYY-MM-DD#<currency>` | ADD counts and amounts (minor units) |
| MetricsAwardTimes | `METRICS#<shard>` | `YYYY-MM-DD#AWARDS` | ADD `m<bucket>` (one number per bucket of minutes) |
| MetricsMarker | `METRICSEVENT#<eventId>` | `COUNTED` | Put if absent |

`<shard>` is `domain.metrics.shard_of(eventId)`, 00..SHARDS-1, so one day's writes spread over
SHARDS partitions, and a day is the sum of its items over all shards (`domain.metrics.by_day`).

An event updates one counter item: the currency item when it moves money (its counts ride along),
else the money-less item; an award with a time also updates the award-times item. That is ~12
item writes for a two-milestone contract instead of 15. Counts are summed over every item of
the day, whatever its currency; amounts only over the items of the requested currency.

Why the day sits in the sort key, not the partition key: a date range is then one Query per
shard (`sk BETWEEN <from> AND <to>#~`) whatever its length: SHARDS Queries, issued in parallel,
one page each for a month (a year at high volume may take a second page per shard). With the day
in the partition key a month would be 30 x SHARDS x (2 + 7 currencies) keys: 87 BatchGetItem calls.

Why the award times have their own item: an update is billed on the larger of the item's size
before and after it, and the counter items take ~12 updates per contract. The histogram (up to a
few KB at volume) is written once per award, so the counter items stay under 1 KB.

Why one top-level number per bucket rather than a map: ADD on a map entry fails while the map
does not exist, and one update cannot both create the map and add into it (overlapping paths);
ADD on a top-level attribute creates it at 0. Bucketing (2 significant digits) bounds how many
such attributes an item can have (461 below 10^6 minutes), so no item grows with the volume.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.operand import Path

from chalicelib.adapters.aws import client
from chalicelib.adapters.table import Item, _Meta
from chalicelib.adapters.transactions import Contended, transaction
from chalicelib.domain.errors import Conflict
from chalicelib.domain.metrics import COUNTS, MONEY, SHARDS, DayFigures, Effect, by_day, histogram, shard_of

MARKER_SK = "COUNTED"
MARKER_DAYS = 400  # markers outlive any redelivery (SQS keeps messages 14 days at most) by far
AWARDS = "AWARDS"
BUCKET = re.compile(r"m(\d+)")
READERS = 16  # parallel Queries per range read (threads; botocore clients are thread-safe)


class MetricsDayItem(Item):
    """pk METRICS#<shard>, sk YYYY-MM-DD (counts) or YYYY-MM-DD#<currency> (counts and money, minor units)."""

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


class MetricsAwardTimesItem(Item):
    """pk METRICS#<shard>, sk YYYY-MM-DD#AWARDS; plus `m<bucket>` numbers the model cannot declare (read raw)."""

    Meta = _Meta
    day = UnicodeAttribute()


class MetricsMarkerItem(Item):
    """pk METRICSEVENT#<eventId>, sk COUNTED: this event is already in the figures (TTL expires_at)."""

    Meta = _Meta
    event_type = UnicodeAttribute()
    day = UnicodeAttribute()
    expires_at = NumberAttribute()


def partition(shard: int) -> str:
    """The partition key of one counter shard."""
    return f"METRICS#{shard:02d}"


def _actions(model: Any, names: dict[str, int]) -> list[Any]:
    return [getattr(model, name).add(value) for name, value in names.items() if value]


def record(event_id: str, detail_type: str, effect: Effect) -> bool:
    """Count an event once, on its shard: the marker and the ADDs commit together, the marker only if absent.

    Returns False when the event was counted before. Contention with a concurrent consumer on the same
    shard item is retried by `transaction()`; what remains (still contended, throttling) raises, so the
    message is delivered again and counted then.
    """
    pk = partition(shard_of(event_id))
    marker = MetricsMarkerItem(
        pk=f"METRICSEVENT#{event_id}",
        sk=MARKER_SK,
        type="MetricsMarker",
        event_type=detail_type,
        day=effect.day,
        expires_at=int(time.time()) + MARKER_DAYS * 86400,
    )
    try:
        with transaction("counted before") as tx:
            tx.save(marker, condition=MetricsMarkerItem.pk.does_not_exist())
            counters = _actions(MetricsDayItem, effect.counts)
            if effect.currency:
                counters += _actions(MetricsDayItem, effect.money)
            if counters:
                sk = f"{effect.day}#{effect.currency}" if effect.currency else effect.day
                actions = [MetricsDayItem.type.set("MetricsDay"), MetricsDayItem.day.set(effect.day)]
                if effect.currency:
                    actions.append(MetricsDayItem.currency.set(effect.currency))
                tx.update(MetricsDayItem(pk, sk), actions=actions + counters)
            if effect.award_minutes:
                buckets = [Path([f"m{value}"]).add(n) for value, n in histogram(effect.award_minutes).items()]
                actions = [
                    MetricsAwardTimesItem.type.set("MetricsAwardTimes"),
                    MetricsAwardTimesItem.day.set(effect.day),
                ]
                tx.update(MetricsAwardTimesItem(pk, f"{effect.day}#{AWARDS}"), actions=actions + buckets)
    except Contended:
        raise
    except Conflict:  # the marker's condition, the only one in the transaction: counted before
        return False
    return True


def _number(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    return int(value["N"]) if value else 0


def _part(raw: dict[str, Any], currency: str) -> DayFigures:
    """One stored item as the part of its day it holds: counts, money in `currency`, or award times."""
    day, _, unit = raw["sk"]["S"].partition("#")
    if unit == AWARDS:
        times = {int(m.group(1)): _number(raw, name) for name in raw if (m := BUCKET.fullmatch(name))}
        return DayFigures(day, award_histogram=times)
    money = {name: _number(raw, name) for name in MONEY} if unit == currency else {}
    return DayFigures(day, counts={name: _number(raw, name) for name in COUNTS}, money=money)


def _shard(dynamodb: Any, shard: int, first: str, last: str, currency: str) -> list[DayFigures]:
    """One shard's items from `first` to `last`, every page.

    Raw items (not the models): the award-time buckets are attributes no model declares. Items
    of other currencies are read too: their counts belong to the day.
    """
    request: dict[str, Any] = {
        "TableName": _Meta.table_name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
        "ExpressionAttributeValues": {
            ":pk": {"S": partition(shard)},
            ":first": {"S": first},
            ":last": {"S": f"{last}#~"},
        },
    }
    parts: list[DayFigures] = []
    while True:
        page = dynamodb.query(**request)
        parts += [_part(raw, currency) for raw in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return parts
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def days(first: str, last: str, currency: str) -> dict[str, DayFigures]:
    """Every stored figure from `first` to `last` (inclusive), shards summed; money only in `currency`.

    SHARDS Queries, READERS at a time, each one page for a month of figures.
    """
    dynamodb = client("dynamodb")  # made here, once: a client is thread-safe, making one is not
    with ThreadPoolExecutor(max_workers=min(READERS, SHARDS)) as pool:
        found = pool.map(lambda shard: _shard(dynamodb, shard, first, last, currency), range(SHARDS))
        return by_day(part for shard in found for part in shard)
