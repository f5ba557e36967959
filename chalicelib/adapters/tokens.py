"""Cognito ID token verification: signature (pool JWKS), expiry, issuer, audience, token use.

API Gateway's Cognito authorizer and `chalice local` are not trusted to do this:
the local server does not check signatures at all, so the app verifies every token.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt

from chalicelib.domain.errors import Unauthorized
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Claims:
    sub: str
    email: str
    groups: frozenset[str]


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def verify_id_token(token: str) -> Claims:
    settings = get_settings()
    try:
        signing_key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token)
        payload: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=settings.user_pool_client_id,
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            leeway=5,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from None
    if payload.get("token_use") != "id":
        raise Unauthorized("an ID token is required")
    email = payload.get("email") or payload.get("cognito:username") or ""
    return Claims(
        sub=str(payload["sub"]),
        email=str(email),
        groups=frozenset(payload.get("cognito:groups") or ()),
    )
