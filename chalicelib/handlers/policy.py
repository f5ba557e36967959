"""Who may call a route: one declaration per route, checked at the edge before the body is read.

Every `@endpoint` names a `Policy`. The edge refuses a caller the policy does not admit (401 without
a token, 403 for the wrong role, an unverified account, a non-admin, or a suspended account on a
write) before parsing the body or calling the service. Services keep the checks only they can make:
whose resource it is (the owner, a party, an invitee), answered with a 404 to strangers.

Pure: it reads the caller's facts (admin group, profile role, verification, suspension) and nothing
else, so the same rules are unit-tested without AWS and read by the OpenAPI document and the
route-by-caller test.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.domain.accounts import Role, Verification
from chalicelib.domain.errors import DomainError, Forbidden, Unauthorized

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Who(StrEnum):
    """The least a caller must be. Roles are exclusive: a profile is a customer or a provider."""

    ANONYMOUS = "anonymous"  # public: no token is read
    OPTIONAL = "optional"  # public; a token, when sent, is verified and may widen the view
    SIGNED_IN = "signed_in"  # a valid token; no profile needed
    PROFILE = "profile"  # a profile of either role
    CUSTOMER = "customer"
    PROVIDER = "provider"
    VERIFIED_CUSTOMER = "verified_customer"
    VERIFIED_PROVIDER = "verified_provider"
    ADMIN = "admin"  # the Cognito `admin` group


PUBLIC_WHO = frozenset({Who.ANONYMOUS, Who.OPTIONAL})
ROLE_OF = {
    Who.CUSTOMER: Role.CUSTOMER,
    Who.PROVIDER: Role.PROVIDER,
    Who.VERIFIED_CUSTOMER: Role.CUSTOMER,
    Who.VERIFIED_PROVIDER: Role.PROVIDER,
}
VERIFIED = frozenset({Who.VERIFIED_CUSTOMER, Who.VERIFIED_PROVIDER})


class Caller(Protocol):
    """What the policy reads of an authenticated caller (services.identity.Actor)."""

    @property
    def is_admin(self) -> bool: ...

    @property
    def profile(self) -> Any: ...


@dataclass(frozen=True)
class Policy:
    """`who` must call; `admins` let admins (who have no profile) through as well, leaving what they see to
    the service; `writable` refuses suspended accounts. `writable=None` means "a write if the method is one"
    (POST, PUT, PATCH, DELETE): say `writable=False` on a write only for a deliberate exception."""

    who: Who
    admins: bool = False
    writable: bool | None = None

    def __post_init__(self) -> None:
        if self.admins and self.who in PUBLIC_WHO | {Who.SIGNED_IN, Who.ADMIN}:
            raise ValueError(f"admins=True adds nothing to {self.who.value}")

    def for_method(self, method: str) -> Policy:
        """The policy with `writable` settled: public routes never are (there is no account to suspend)."""
        if self.who in PUBLIC_WHO:
            return replace(self, writable=False)
        return replace(self, writable=method.upper() in WRITES if self.writable is None else self.writable)

    @property
    def auth(self) -> str:
        """none | optional | required: how the token is read (the OpenAPI `security` of the route)."""
        if self.who == Who.ANONYMOUS:
            return "none"
        return "optional" if self.who == Who.OPTIONAL else "required"

    def describe(self) -> dict[str, Any]:
        """The `x-access` of the route in /openapi.json."""
        return {"who": self.who.value, "admins": self.admins or self.who == Who.ADMIN, "writable": bool(self.writable)}

    def refusal(self, caller: Caller | None) -> DomainError | None:
        """Why `caller` may not call the route, or None when the policy admits them (ownership is the service's)."""
        if self.who in PUBLIC_WHO:
            return None
        if caller is None:
            return Unauthorized("send an Authorization: Bearer <Cognito ID token> header")
        if caller.is_admin and (self.admins or self.who == Who.ADMIN):
            return self._suspended(caller)
        if self.who == Who.ADMIN:
            return Forbidden("admins only")
        if self.who == Who.SIGNED_IN:
            return self._suspended(caller)
        profile = caller.profile
        if profile is None:
            return Forbidden("create your profile first (POST /me)")
        role = ROLE_OF.get(self.who)
        if role is not None and profile.role != role.value:
            return Forbidden(f"only a {role.value} may do this")
        if self.who in VERIFIED and profile.verification != Verification.VERIFIED.value:
            return Forbidden(f"your account must be verified first (it is {profile.verification})")
        return self._suspended(caller)

    def check(self, caller: Caller | None) -> None:
        error = self.refusal(caller)
        if error is not None:
            raise error

    def _suspended(self, caller: Caller) -> DomainError | None:
        """Only a write looks at the profile (an admin's is read on first use: admin reads never need it)."""
        if not self.writable:
            return None
        profile = caller.profile
        if profile is not None and profile.suspended:
            return Forbidden("your account is suspended; you can read but not write")
        return None


# The policies routes use, by name.
PUBLIC = Policy(Who.ANONYMOUS)
OPTIONAL = Policy(Who.OPTIONAL)
SIGNED_IN = Policy(Who.SIGNED_IN)
PROFILE = Policy(Who.PROFILE)
PROFILE_OR_ADMIN = Policy(Who.PROFILE, admins=True)
CUSTOMER = Policy(Who.CUSTOMER)
PROVIDER = Policy(Who.PROVIDER)
VERIFIED_CUSTOMER = Policy(Who.VERIFIED_CUSTOMER)
VERIFIED_PROVIDER = Policy(Who.VERIFIED_PROVIDER)
ADMIN = Policy(Who.ADMIN)
