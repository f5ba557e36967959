"""ID token verification against the moto pool's JWKS: the yes path and every kind of no."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.adapters.tokens import verify_id_token
from chalicelib.domain.errors import Unauthorized
from tests.integration.conftest import Users


def _moto_private_key() -> Any:
    """moto signs every pool's tokens with this key; tests use it to mint expired/odd tokens."""
    from moto.utilities.utils import load_resource

    return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))


def _claims(env: dict[str, str], **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.{env['AWS_REGION']}.amazonaws.com/{env['USER_POOL_ID']}",
        "sub": "abc",
        "aud": env["USER_POOL_CLIENT_ID"],
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "email": "x@example.com",
    }
    claims.update(overrides)
    return claims


def test_a_real_id_token_verifies_with_groups(users: Users) -> None:
    email, token = users.create(admin=True)
    claims = verify_id_token(token)
    assert claims.email == email
    assert "admin" in claims.groups
    assert claims.sub


def test_forged_signature_is_refused(aws: dict[str, str]) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(aws), stranger, algorithm="RS256", headers={"kid": "dummy"})
    with pytest.raises(Unauthorized, match="not valid"):
        verify_id_token(token)


def test_expired_token_is_refused(aws: dict[str, str]) -> None:
    past = int(time.time()) - 7200
    token = jwt.encode(
        _claims(aws, iat=past, exp=past + 3600), _moto_private_key(), algorithm="RS256", headers={"kid": "dummy"}
    )
    with pytest.raises(Unauthorized, match="expired"):
        verify_id_token(token)


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"aud": "another-client"}, "audience"),
        ({"iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_other"}, "issuer"),
        ({"token_use": "access"}, "ID token"),
    ],
)
def test_wrong_audience_issuer_or_use_is_refused(aws: dict[str, str], override: dict[str, str], why: str) -> None:
    token = jwt.encode(_claims(aws, **override), _moto_private_key(), algorithm="RS256", headers={"kid": "dummy"})
    with pytest.raises(Unauthorized):
        verify_id_token(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_malformed_tokens_are_refused(aws: dict[str, str], garbage: str) -> None:
    with pytest.raises(Unauthorized):
        verify_id_token(garbage)


def test_unsigned_alg_none_is_refused(aws: dict[str, str]) -> None:
    token = jwt.encode(_claims(aws), key=None, algorithm="none", headers={"kid": "dummy"})
    with pytest.raises(Unauthorized):
        verify_id_token(token)
