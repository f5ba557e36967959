"""The Cognito user pool's admin side: what the app asks of the pool besides verifying tokens."""

from __future__ import annotations

from chalicelib.adapters.aws import client
from chalicelib.settings import get_settings


def sign_out_everywhere(sub: str) -> bool:
    """AdminUserGlobalSignOut: revoke the user's refresh tokens (and, on AWS, access tokens).

    ID tokens already issued are self-contained JWTs and stay valid until they expire (1 h), so
    the app's own refusal of suspended accounts (read from the stored profile on every request)
    remains what stops writes; this only ends the sessions. Cognito takes the sub as the username
    (our pool signs in by email alias). False if the pool has no such user (a profile made without
    Cognito, as in some tests): there is nothing to sign out.
    """
    from botocore.exceptions import ClientError

    try:
        client("cognito-idp").admin_user_global_sign_out(UserPoolId=get_settings().user_pool_id, Username=sub)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return False
        raise
    return True
