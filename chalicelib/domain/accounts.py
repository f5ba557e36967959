"""Roles and the account verification lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.lifecycle import Lifecycle
from chalicelib.domain.money import Money


class Role(StrEnum):
    CUSTOMER = "customer"
    PROVIDER = "provider"


class Kind(StrEnum):
    INDIVIDUAL = "individual"
    COMPANY = "company"
    TEAM = "team"


class Verification(StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


VERIFICATION = Lifecycle[Verification](
    "verification",
    {
        Verification.UNVERIFIED: {"submit": Verification.PENDING},
        Verification.PENDING: {"approve": Verification.VERIFIED, "reject": Verification.REJECTED},
        Verification.REJECTED: {"submit": Verification.PENDING},
    },
)

ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class NewProfile:
    """Who a signed-in user says they are: a customer or a provider (skills and anonymity are providers' only)."""

    role: Role
    display_name: str
    kind: Kind
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    hourly_rate: Money | None = None
    bio: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class VerificationRequest:
    """The legal name and the uploaded documents an admin checks."""

    legal_name: str
    documents: tuple[str, ...]
