"""Trust & safety rules: the flag lifecycle, strikes and suspension, anonymity aliases.

Pure Python. The contact screening itself lives in `domain/screening.py`; this module decides
what happens once a message has been screened and an admin has looked at it:

- A flagged message waits in the moderation queue (`flagged`). An admin either dismisses the
  flag (a false alarm: nothing happens to the sender) or confirms it (a strike on the sender).
- The third confirmed strike since the account was last reinstated suspends it. A suspended
  account can sign in and read, but every write is refused (`Actor.require_writable`).
  Admins can also suspend and reinstate by hand; reinstating clears the strikes that counted
  towards the suspension (the total stays on record).
- Providers who chose anonymity appear to a task's customer under an alias derived from a
  keyed hash of (provider id, task id): stable on every bid, thread and notification of that
  task, different on another task, and not reversible without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.lifecycle import Lifecycle

STRIKES_TO_SUSPEND = 3
ALIAS_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ALIAS_LENGTH = 6
ANON_PREFIX = "anon-"
ADMIN_SENDER = "admin"


class FlagStatus(StrEnum):
    FLAGGED = "flagged"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"


FLAG = Lifecycle[FlagStatus](
    "flag",
    {FlagStatus.FLAGGED: {"dismiss": FlagStatus.DISMISSED, "confirm": FlagStatus.CONFIRMED}},
)


class Standing(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


STANDING = Lifecycle[Standing](
    "account",
    {
        Standing.ACTIVE: {"suspend": Standing.SUSPENDED},
        Standing.SUSPENDED: {"reinstate": Standing.ACTIVE},
    },
)


def standing_of(suspended: bool) -> Standing:
    return Standing.SUSPENDED if suspended else Standing.ACTIVE


@dataclass(frozen=True)
class StrikeOutcome:
    total: int
    active: int
    suspend: bool  # this strike suspends the account now


def strike(total: int, active: int, suspended: bool) -> StrikeOutcome:
    """One more confirmed strike. The one that reaches the limit suspends an active account;
    strikes on an already suspended account are recorded but change nothing else."""
    if total < 0 or active < 0 or active > total:
        raise ValueError("strike counts must satisfy 0 <= active <= total")
    total, active = total + 1, active + 1
    return StrikeOutcome(total, active, suspend=not suspended and active >= STRIKES_TO_SUSPEND)


def alias_code(key: bytes, provider_id: str, task_id: str) -> str:
    """HMAC-SHA256(key, provider|task) → 6 Crockford base32 characters (30 bits)."""
    digest = hmac.new(key, f"{provider_id}|{task_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(ALIAS_LENGTH):
        number, index = divmod(number, len(ALIAS_ALPHABET))
        chars.append(ALIAS_ALPHABET[index])
    return "".join(chars)


@dataclass(frozen=True)
class Alias:
    """How an anonymous provider appears: `anon-7F3KQ2` in id fields, `Expert #7F3KQ2` as a name."""

    code: str

    @property
    def id(self) -> str:
        return ANON_PREFIX + self.code

    @property
    def name(self) -> str:
        return f"Expert #{self.code}"


def alias(key: bytes, provider_id: str, task_id: str) -> Alias:
    return Alias(alias_code(key, provider_id, task_id))


def is_alias_id(value: str) -> bool:
    code = value.removeprefix(ANON_PREFIX)
    return value.startswith(ANON_PREFIX) and len(code) == ALIAS_LENGTH and all(c in ALIAS_ALPHABET for c in code)
