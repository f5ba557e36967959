"""Per-user and per-address quotas: fixed windows, their limits and when a used-up one refills.

Pure rules. A quota allows `limit` charges per window of `window_seconds`; windows are aligned
on the epoch (`start = now // window * window`), so every process agrees on the current window
without talking to the others, and the counter of a window is one table item keyed by its start
(chalicelib/adapters/quotas_repo.py). A fixed window lets a client spend up to twice the limit
across a window boundary; that is the price of one write per request (docs/scaling.md).
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass

# How long a window's counter outlives its window before DynamoDB's TTL may delete it. Expiry is
# only housekeeping: a new window is a new key, so a counter that is deleted late never counts.
TTL_GRACE_SECONDS = 60


@dataclass(frozen=True)
class Quota:
    """`limit` charges per `window_seconds`; written `limit/seconds` in settings (e.g. `30/60`)."""

    limit: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"a quota allows at least 1 request per window, not {self.limit}")
        if not 1 <= self.window_seconds <= 86_400:
            raise ValueError(f"a quota's window is 1..86400 seconds, not {self.window_seconds}")

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_seconds}"

    def window_start(self, now: float) -> int:
        """The epoch second the window holding `now` began."""
        return int(now // self.window_seconds) * self.window_seconds

    def retry_after(self, now: float) -> int:
        """Whole seconds until the next window opens (at least 1): the `Retry-After` of a refusal."""
        return max(1, math.ceil(self.window_start(now) + self.window_seconds - now))

    def expires_at(self, now: float) -> int:
        """The TTL (epoch seconds) of the current window's counter."""
        return self.window_start(now) + self.window_seconds + TTL_GRACE_SECONDS


QUOTA_TEXT = re.compile(r"\s*(\d{1,9})\s*/\s*(\d{1,9})\s*")


def parse(text: str) -> Quota:
    """`limit/seconds`, e.g. `30/60` for 30 a minute."""
    match = QUOTA_TEXT.fullmatch(text)
    if match is None:
        raise ValueError("expected <limit>/<window seconds>, such as 30/60")
    return Quota(int(match.group(1)), int(match.group(2)))


# What each bucket counts, per whom, and its default. Generous for people, tight for scripts:
# a person types far fewer than 30 chat messages a minute; a card-testing bot tries many
# small deposits; a scraper reads public pages faster than anyone browses them.
BUCKETS: dict[str, tuple[str, Quota]] = {
    "messages": ("chat messages posted, per user", Quota(30, 60)),
    "uploads": ("upload slots (POST /uploads), per user", Quota(30, 300)),
    "deposits": ("wallet deposits (POST /me/deposits), per user", Quota(10, 3600)),
    "public": ("anonymous public reads, per source IP address", Quota(300, 60)),
}
DEFAULTS: dict[str, Quota] = {name: quota for name, (_, quota) in BUCKETS.items()}


# Counted per source address: one IPv6 client usually holds a whole /64 and can pick any address in it.
ADDRESS_BUCKETS = frozenset({"public"})
IPV6_PREFIX = 64


def subject_key(bucket: str, subject: str) -> str:
    """Who is counted: the subject itself, or for address buckets the IPv4 address / the IPv6 /64."""
    if bucket not in ADDRESS_BUCKETS:
        return subject
    try:
        address = ipaddress.ip_address(subject.strip())
    except ValueError:
        return subject
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def noun(bucket: str) -> str:
    """How a refusal names what was counted."""
    return {
        "messages": "messages",
        "uploads": "uploads",
        "deposits": "deposits",
        "public": "requests",
    }.get(bucket, "requests")
