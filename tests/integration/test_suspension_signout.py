"""Suspending an account signs the user out of Cognito (AdminUserGlobalSignOut).

What that revokes (moto as Cognito): the refresh token (no new tokens) and the access token.
What it cannot: the ID token already issued, a self-contained JWT valid until it expires. The app
refuses that token's writes by the stored profile's `suspended` flag, read on every request.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters import cognito
from chalicelib.domain.accounts import Kind, NewProfile, Role
from chalicelib.domain.errors import Forbidden
from chalicelib.services import identity, moderation, profiles
from chalicelib.services.identity import Actor
from tests.integration.conftest import PASSWORD, Users
from tests.integration.market import ADMIN, person


def signed_in(users: Users, env: dict[str, str]) -> tuple[Actor, dict[str, Any]]:
    """A real Cognito user with a customer profile, and the tokens of one sign-in.

    The session signs in with the Cognito username (the sub, in a pool whose usernames are email
    aliases) rather than the email: moto files a session under the name it was opened with and its
    sign-out matches that name only, while Cognito ends every session of the user.
    """
    email, first = users.create()
    actor = identity.authenticate(f"Bearer {first}")
    tokens: dict[str, Any] = boto3.client("cognito-idp").initiate_auth(
        ClientId=env["USER_POOL_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": actor.sub, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    new = NewProfile(Role.CUSTOMER, email.split("@")[0], Kind.INDIVIDUAL)
    actor.profile = profiles.create_profile(actor, new)
    return actor, tokens


def refresh(env: dict[str, str], tokens: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = boto3.client("cognito-idp").initiate_auth(
        ClientId=env["USER_POOL_CLIENT_ID"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    return result


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def test_suspension_revokes_the_session_but_not_the_issued_id_token(aws: dict[str, str], users: Users) -> None:
    cognito_idp = boto3.client("cognito-idp")
    actor, tokens = signed_in(users, aws)
    bystander, bystander_tokens = signed_in(users, aws)
    assert refresh(aws, tokens)["AuthenticationResult"]["IdToken"]  # the session works before

    profile, _ = moderation.suspend(ADMIN, str(actor.profile_id), "fraud")
    assert profile.suspended

    assert error_code(lambda: refresh(aws, tokens)) == "NotAuthorizedException"
    assert error_code(lambda: cognito_idp.get_user(AccessToken=tokens["AccessToken"])) == "NotAuthorizedException"
    # The ID token still verifies (until it expires) — the stored profile is what refuses writes.
    again = identity.authenticate(f"Bearer {tokens['IdToken']}")
    assert again.sub == actor.sub
    with pytest.raises(Forbidden, match="suspended"):
        again.require_writable()
    # Signing in again is still possible (suspension keeps reads); the new session is read-only too.
    assert cognito_idp.initiate_auth(
        ClientId=aws["USER_POOL_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": actor.claims.email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    # Nobody else was signed out.
    assert refresh(aws, bystander_tokens)["AuthenticationResult"]["IdToken"]
    assert bystander.profile is not None and not bystander.profile.suspended


def test_reinstating_signs_nobody_out(aws: dict[str, str], users: Users) -> None:
    actor, _ = signed_in(users, aws)
    moderation.suspend(ADMIN, str(actor.profile_id), None)
    cognito_idp = boto3.client("cognito-idp")
    fresh = cognito_idp.initiate_auth(
        ClientId=aws["USER_POOL_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": actor.claims.email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    profile, _ = moderation.reinstate(ADMIN, str(actor.profile_id), "appeal granted")
    assert not profile.suspended
    assert refresh(aws, fresh)["AuthenticationResult"]["IdToken"]


def test_a_failed_sign_out_leaves_the_account_as_it_was(
    aws: dict[str, str], users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor, tokens = signed_in(users, aws)

    def unreachable(sub: str) -> bool:
        raise RuntimeError("Cognito is down")

    monkeypatch.setattr(cognito, "sign_out_everywhere", unreachable)
    with pytest.raises(RuntimeError, match="Cognito is down"):
        moderation.suspend(ADMIN, str(actor.profile_id), "fraud")
    monkeypatch.undo()
    assert identity.authenticate(f"Bearer {tokens['IdToken']}").profile.suspended is False  # type: ignore[union-attr]
    assert refresh(aws, tokens)["AuthenticationResult"]["IdToken"]


def test_a_profile_without_a_cognito_user_is_still_suspended(aws: dict[str, str]) -> None:
    """Profiles made straight through the services (other tests) have subs Cognito never issued."""
    someone = person("provider", verified=False)
    assert cognito.sign_out_everywhere(someone.sub) is False
    profile, _ = moderation.suspend(ADMIN, str(someone.profile_id), None)
    assert profile.suspended
