"""The app's secret in Secrets Manager: the anonymity key and the Stripe keys."""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.components.config import StageConfig
from infra.components.naming import Concern

# One JSON object keyed by the environment variables it replaces (chalicelib/settings.py
# SECRET_NAMES). CloudFormation generates ANONYMITY_KEY once; the Stripe keys start empty for
# the operator to fill in (docs/deploy.md). Changing the generator would replace the key, and
# with it every provider alias: leave it as it is.
SECRET_TEMPLATE = {"STRIPE_API_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
SECRET_GENERATED_KEY = "ANONYMITY_KEY"


class Secrets(Concern):
    """Kept on delete in prod: a new anonymity key would give every provider new aliases."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig) -> None:
        super().__init__(scope, id)
        self.secret = secretsmanager.Secret(
            self,
            "AppSecret",
            description=(
                f"{Stack.of(self).stack_name}: ANONYMITY_KEY (generated), STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET"
            ),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(SECRET_TEMPLATE),
                generate_string_key=SECRET_GENERATED_KEY,
                password_length=64,
                exclude_punctuation=True,
            ),
            removal_policy=config.removal_policy,
        )
