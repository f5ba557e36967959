"""Quota counters: one item per bucket, subject and fixed window, counted by ONE conditional UpdateItem.

pk `QUOTA#<bucket>#<subject>`, sk `WINDOW#<window start, epoch seconds>`; `hits` is the number of
charges taken in that window and `expires_at` its TTL. The charge is `ADD hits 1` on condition
`attribute_not_exists(hits) OR hits < limit`: it creates the item on the first charge, and a refused
charge writes nothing (no read first, no second call). Cost and ceiling: docs/scaling.md.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.adapters.table import Item, _Meta
from chalicelib.adapters.transactions import error_code

ITEM_TYPE = "Quota"
THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


class CounterThrottled(Exception):
    """DynamoDB throttled the counter's key (after PynamoDB's retries): a flood from one subject."""


class QuotaItem(Item):
    """pk QUOTA#<bucket>#<subject>, sk WINDOW#<start>: charges taken in one window (TTL expires_at)."""

    Meta = _Meta
    hits = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def key(bucket: str, subject: str, window_start: int) -> tuple[str, str]:
    return f"QUOTA#{bucket}#{subject}", f"WINDOW#{window_start}"


def take(bucket: str, subject: str, window_start: int, limit: int, expires_at: int) -> bool:
    """Count one charge in the window unless `limit` are already counted; False when used up."""
    pk, sk = key(bucket, subject, window_start)
    item = QuotaItem(pk, sk)
    try:
        item.update(
            actions=[
                QuotaItem.hits.add(1),
                QuotaItem.type.set(ITEM_TYPE),
                QuotaItem.expires_at.set(expires_at),
            ],
            condition=QuotaItem.hits.does_not_exist() | (QuotaItem.hits < limit),
        )
    except UpdateError as exc:
        code = error_code(exc)
        if code == "ConditionalCheckFailedException":
            return False
        if code in THROTTLED:
            raise CounterThrottled(code) from None
        raise
    return True
