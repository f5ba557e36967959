"""Sign-in: the Cognito user pool, the web client (the API and the back office) and its groups."""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.components.config import StageConfig
from infra.components.naming import Concern
from infra.resources import Resources

KNOWN_AUTH_FLOWS = {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}


class Users(Concern):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, resources: Resources) -> None:
        super().__init__(scope, id)
        spec = resources.user_pool
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=config.physical(spec.name),
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # As locally: length over composition rules (NIST SP 800-63B).
            password_policy=cognito.PasswordPolicy(
                min_length=8,
                require_digits=False,
                require_lowercase=False,
                require_uppercase=False,
                require_symbols=False,
            ),
            deletion_protection=config.prod,
            removal_policy=config.removal_policy,
        )
        flows = set(spec.auth_flows)
        if not flows <= KNOWN_AUTH_FLOWS or "ALLOW_REFRESH_TOKEN_AUTH" not in flows:
            raise ValueError(f"auth flows {sorted(flows - KNOWN_AUTH_FLOWS)} are not mapped in {__name__}")
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=spec.client_name,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(
                user_password="ALLOW_USER_PASSWORD_AUTH" in flows,
                user_srp="ALLOW_USER_SRP_AUTH" in flows,
            ),
            prevent_user_existence_errors=True,
            disable_o_auth=True,  # the API and the back office sign in with InitiateAuth; no hosted UI
        )
        for group in spec.groups:
            cognito.CfnUserPoolGroup(
                self, f"Group{group.title()}", user_pool_id=self.user_pool.user_pool_id, group_name=group
            )
