"""Roles and the account verification lifecycle."""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.lifecycle import Lifecycle


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
