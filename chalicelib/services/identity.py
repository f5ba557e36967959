"""Who is asking: a verified token plus the stored profile.

A non-admin's profile is read with the token: every route they may call looks at it (role,
verification, suspension). An admin's is read on first use only: the token's `admin` group
authorizes admin routes, most admins have no profile at all, and only what needs the profile
(a write's suspension check, their part in a contract, their own page) reads it, once.
"""

from __future__ import annotations

from enum import Enum

from chalicelib.adapters import profiles_repo
from chalicelib.adapters.tokens import Claims, verify_id_token
from chalicelib.domain.accounts import ADMIN_GROUP, Role, Verification
from chalicelib.domain.errors import Forbidden, Unauthorized


class _Unread(Enum):
    UNREAD = "unread"


UNREAD = _Unread.UNREAD


class Actor:
    """The caller. `profile` may be passed (None: known to have none) or left UNREAD, to be read on first use."""

    def __init__(self, claims: Claims, profile: profiles_repo.Profile | _Unread | None = UNREAD) -> None:
        self.claims = claims
        self._profile = profile

    def __repr__(self) -> str:
        return f"Actor(sub={self.sub!r}, groups={sorted(self.claims.groups)}, profile_read={self.profile_read})"

    @property
    def profile(self) -> profiles_repo.Profile | None:
        profile = self._profile
        if isinstance(profile, _Unread):
            profile = self._profile = profiles_repo.get_by_sub(self.claims.sub)
        return profile

    @profile.setter
    def profile(self, profile: profiles_repo.Profile | None) -> None:
        self._profile = profile

    @property
    def profile_read(self) -> bool:
        """Whether the profile is known already (reading `profile` costs nothing more)."""
        return not isinstance(self._profile, _Unread)

    @property
    def sub(self) -> str:
        return self.claims.sub

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.claims.groups

    @property
    def profile_id(self) -> str | None:
        return self.profile.id if self.profile else None

    def has_role(self, role: Role) -> bool:
        return self.profile is not None and self.profile.role == role.value

    def require_profile(self) -> profiles_repo.Profile:
        if self.profile is None:
            raise Forbidden("create your profile first (POST /me)")
        return self.profile

    def require_role(self, role: Role) -> profiles_repo.Profile:
        profile = self.require_profile()
        if profile.role != role.value:
            raise Forbidden(f"only a {role.value} may do this")
        return profile

    def require_verified(self, role: Role) -> profiles_repo.Profile:
        profile = self.require_role(role)
        if profile.verification != Verification.VERIFIED.value:
            raise Forbidden(f"your account must be verified first (it is {profile.verification})")
        return profile

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("admins only")

    def require_writable(self) -> None:
        if self.profile is not None and self.profile.suspended:
            raise Forbidden("your account is suspended; you can read but not write")


def authenticate(authorization: str | None) -> Actor:
    if not authorization:
        raise Unauthorized("send an Authorization: Bearer <Cognito ID token> header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    claims = verify_id_token(token.strip())
    if ADMIN_GROUP in claims.groups:
        return Actor(claims)  # read on first use
    return Actor(claims, profiles_repo.get_by_sub(claims.sub))
