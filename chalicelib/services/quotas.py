"""Charge a request to a quota before doing the work; a used-up quota is a 429 with Retry-After.

Buckets and their defaults are in chalicelib/domain/quotas.py; each is overridden by a setting
(`QUOTA_MESSAGES`, `QUOTA_UPLOADS`, `QUOTA_DEPOSITS`, `QUOTA_PUBLIC`, as `limit/window seconds`).
The HTTP edge calls `charge(bucket, subject)` (`endpoint(quota=...)`): the subject is the caller's
profile id or Cognito sub for per-user buckets and the source IP address for `public` (an IPv6
address counts for its whole /64).
"""

from __future__ import annotations

import time

from chalicelib.adapters import quotas_repo
from chalicelib.domain import quotas
from chalicelib.domain.errors import Throttled
from chalicelib.settings import get_settings


def charge(bucket: str, subject: str) -> None:
    """Count one request of `subject` in `bucket`; raise Throttled (429) when the window is used up.

    One UpdateItem per call. A refused request is not counted, so a client that backs off for
    `retry_after` seconds gets its full quota back in the next window. A counter so hot that
    DynamoDB throttles it (a flood from one subject) is refused too, for a second: fail closed.
    """
    if not subject:
        raise ValueError(f"quota {bucket!r} needs a subject (user id or address)")
    quota = get_settings().quota(bucket)
    now = time.time()
    key = quotas.subject_key(bucket, subject)
    try:
        taken = quotas_repo.take(bucket, key, quota.window_start(now), quota.limit, quota.expires_at(now))
    except quotas_repo.CounterThrottled:
        raise Throttled(f"too many {quotas.noun(bucket)} right now; try again in 1 s", retry_after=1) from None
    if not taken:
        retry = quota.retry_after(now)
        raise Throttled(
            f"too many {quotas.noun(bucket)}: at most {quota.limit} per {quota.window_seconds} s; "
            f"try again in {retry} s",
            retry_after=retry,
        )
