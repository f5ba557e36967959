"""Who is asking: a verified token plus the stored profile, read on every request."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters import profiles_repo
from chalicelib.adapters.table import ProfileItem
from chalicelib.adapters.tokens import Claims, verify_id_token
from chalicelib.domain.accounts import ADMIN_GROUP, Role, Verification
from chalicelib.domain.errors import Forbidden, Unauthorized


@dataclass
class Actor:
    claims: Claims
    profile: ProfileItem | None

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

    def require_profile(self) -> ProfileItem:
        if self.profile is None:
            raise Forbidden("create your profile first (POST /me)")
        return self.profile

    def require_role(self, role: Role) -> ProfileItem:
        profile = self.require_profile()
        if profile.role != role.value:
            raise Forbidden(f"only a {role.value} may do this")
        return profile

    def require_verified(self, role: Role) -> ProfileItem:
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
    return Actor(claims, profiles_repo.get_by_sub(claims.sub))
