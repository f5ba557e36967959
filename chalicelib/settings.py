"""Typed, validated configuration, read once per process (`get_settings()`).

Every setting is an environment variable; a value that does not parse is a `ConfigurationError`
naming the variable as soon as the settings are read, instead of a failure deep in the request that
happens to use it. Locally `AWS_ENDPOINT_URL` points every client at moto server and the defaults below
work as they are.

Deployed on AWS (`TASKLANE_ENV=aws`, which the CDK stack sets, or the Lambda runtime without an
`AWS_ENDPOINT_URL`) the secrets (`ANONYMITY_KEY`, `STRIPE_API_KEY`, `STRIPE_WEBHOOK_SECRET`) come
only from the Secrets Manager secret named by `SECRETS_ARN` (one JSON object keyed by those names,
fetched once per process), and a function without them refuses to serve: the local anonymity
key is public, so aliases computed with it would be too. The settings are read at the first
`get_settings()` (the first request), not when the app is imported; a failed read is not cached, so
a fixed secret heals a running function.

The configuration table in docs/operations.md is generated from this model
(`scripts/config_table.py`); a unit test fails when the two differ.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from chalicelib.domain import quotas

LOCAL_ANONYMITY_KEY = "tasklane-local-anonymity-key"
MIN_SECRET_KEY_LENGTH = 32
# The names the Secrets Manager secret may hold (JSON keys = the environment variables they replace).
SECRET_NAMES = ("ANONYMITY_KEY", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET")
SECRET: dict[str, Any] = {"secret": True}  # json_schema_extra of the fields SECRET_NAMES name


class ConfigurationError(RuntimeError):
    """The process cannot run with this configuration; the message says which variable and why."""


def _quota(value: Any) -> Any:
    return quotas.parse(value) if isinstance(value, str) else value


QuotaSetting = Annotated[quotas.Quota, NoDecode, BeforeValidator(_quota)]


def _quota_field(bucket: str) -> Any:
    what, default = quotas.BUCKETS[bucket]
    return Field(default, description=f"quota on {what}: `limit/window seconds`")


class Settings(BaseSettings):
    """One field per environment variable (the upper-cased field name unless an alias says otherwise)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    # -- where things are ------------------------------------------------------------------------
    region: str = Field(
        "eu-central-1",
        validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"),
        description="AWS region of every client and of the token issuer",
    )
    endpoint_url: str | None = Field(
        None,
        validation_alias="AWS_ENDPOINT_URL",
        description="moto server's URL for every client locally; unset on AWS",
    )
    table_name: str = Field("tasklane", min_length=1, description="the single DynamoDB table")
    bucket_name: str = Field("tasklane-files", min_length=1, description="the S3 bucket of uploads and deliverables")
    user_pool_id: str = Field("", description="Cognito user pool: token issuer and JWKS URL, `GET /config`")
    user_pool_client_id: str = Field("", description="Cognito app client: the tokens' audience, `GET /config`")
    cognito_endpoint: str | None = Field(
        None, description="where the JWKS is fetched and `GET /config`'s `cognitoEndpoint` (default `AWS_ENDPOINT_URL`)"
    )
    event_bus_name: str = Field("tasklane", min_length=1, description="EventBridge bus of the domain events")
    state_machine_arn: str = Field("", description="the milestone workflow that funding starts")
    queue_urls: dict[str, str] = Field(
        default_factory=dict, description="JSON object: queue name → URL (the local event pump)"
    )

    # -- behaviour -------------------------------------------------------------------------------
    upload_url_ttl_seconds: int = Field(600, ge=1, le=7 * 86_400, description="lifetime of presigned upload POSTs")
    download_url_ttl_seconds: int = Field(300, ge=1, le=7 * 86_400, description="lifetime of presigned download links")
    review_window_seconds: int = Field(
        14 * 24 * 3600, ge=1, description="review window before a submitted milestone is auto-accepted"
    )
    qc_review_seconds: int = Field(
        3 * 24 * 3600, ge=1, description="how long a QC reviewer has for a submission before admins are alerted"
    )
    qc_fee_bps: int = Field(
        300, ge=0, le=10_000, description="the reviewer's fee per QC decision, in basis points of the milestone"
    )
    bidding_days: int = Field(
        30, ge=1, le=365, description="days an open task without a future `startDate` takes bids before it expires"
    )
    payments: Literal["sandbox", "stripe"] = Field("sandbox", description="the payment gateway")
    quota_messages: QuotaSetting = _quota_field("messages")
    quota_uploads: QuotaSetting = _quota_field("uploads")
    quota_deposits: QuotaSetting = _quota_field("deposits")
    quota_public: QuotaSetting = _quota_field("public")

    # -- Stripe (PAYMENTS=stripe) ----------------------------------------------------------------
    stripe_api_key: str = Field(
        "",
        repr=False,
        description="Stripe secret key `sk_…`; required with `PAYMENTS=stripe` on AWS",
        json_schema_extra=SECRET,
    )
    stripe_webhook_secret: str = Field(
        "",
        repr=False,
        description="webhook signing secret(s) `whsec_…`, comma-separated; required with `PAYMENTS=stripe` on AWS",
        json_schema_extra=SECRET,
    )
    stripe_webhook_tolerance: int = Field(300, ge=1, description="seconds a webhook signature stays valid")
    stripe_connect_country: str = Field("DE", min_length=2, max_length=2, description="country of new payout accounts")
    stripe_return_url: str = Field(
        "https://tasklane.dev/payouts/done", description="where Connect onboarding returns when done"
    )
    stripe_refresh_url: str = Field(
        "https://tasklane.dev/payouts/again", description="where an expired Connect onboarding link sends people"
    )
    stripe_max_retries: int = Field(2, ge=0, le=10, description="Stripe SDK network retries")

    # -- secrets and where the process runs ------------------------------------------------------
    anonymity_key: str = Field(
        LOCAL_ANONYMITY_KEY,
        repr=False,
        description=f"HMAC key of provider aliases; on AWS from the secret, at least {MIN_SECRET_KEY_LENGTH} "
        "characters, the local default refused",
        json_schema_extra=SECRET,
    )
    secrets_arn: str | None = Field(
        None,
        description=f"Secrets Manager secret (JSON with {', '.join(SECRET_NAMES)}), read once at start; "
        "required on AWS",
    )
    tasklane_env: Literal["local", "aws"] | None = Field(
        None, description="`aws` (set by the CDK stack) applies the deployed rules: secrets from `SECRETS_ARN`"
    )
    lambda_function_name: str | None = Field(
        None,
        validation_alias="AWS_LAMBDA_FUNCTION_NAME",
        description="set by the Lambda runtime: without `AWS_ENDPOINT_URL` it means deployed on AWS",
    )

    @field_validator("endpoint_url", "cognito_endpoint", "secrets_arn", "lambda_function_name", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def deployed(self) -> bool:
        """Running on AWS: the secrets must come from Secrets Manager."""
        return self.tasklane_env == "aws" or (self.lambda_function_name is not None and self.endpoint_url is None)

    @model_validator(mode="after")
    def _deployed_rules(self) -> Settings:
        if self.cognito_endpoint is None and self.endpoint_url is not None:
            object.__setattr__(self, "cognito_endpoint", self.endpoint_url)
        if not self.deployed:
            return self
        problems = []
        if self.secrets_arn is None:
            problems.append(f"SECRETS_ARN is not set: on AWS {', '.join(SECRET_NAMES)} come from Secrets Manager")
        plain = [name for name in SECRET_NAMES if os.environ.get(name)]
        if plain:
            problems.append(f"{', '.join(plain)} set in the environment: on AWS secrets come only from SECRETS_ARN")
        if self.anonymity_key == LOCAL_ANONYMITY_KEY:
            problems.append("ANONYMITY_KEY is missing from the secret (the local default key is public)")
        elif len(self.anonymity_key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"ANONYMITY_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
        if self.payments == "stripe":
            missing = [n for n in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET") if not getattr(self, n.lower())]
            if missing:
                problems.append(f"PAYMENTS=stripe needs {' and '.join(missing)} in the secret")
        for name in ("user_pool_id", "user_pool_client_id", "state_machine_arn"):
            if not getattr(self, name):
                problems.append(f"{name.upper()} is not set")
        if problems:
            raise ValueError("refusing to start on AWS: " + "; ".join(problems))
        return self

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool's signing keys live: moto serves them under its own host."""
        if self.cognito_endpoint:
            return f"{self.cognito_endpoint.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"

    def quota(self, bucket: str) -> quotas.Quota:
        if bucket not in quotas.BUCKETS:
            raise ValueError(f"no quota bucket {bucket!r}; known: {', '.join(quotas.BUCKETS)}")
        value: quotas.Quota = getattr(self, f"quota_{bucket}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The secret over the environment; no .env or secrets directory is ever read."""
        return (init_settings, SecretsManagerSource(settings_cls), env_settings)


def fetch_secret(arn: str, region: str | None) -> dict[str, str]:
    """The JSON object stored in the secret (one GetSecretValue)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = boto3.session.Session().client("secretsmanager", region_name=region).get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ConfigurationError(f"SECRETS_ARN: Secrets Manager refused GetSecretValue on {arn} ({code})") from None
    except BotoCoreError as exc:
        raise ConfigurationError(f"SECRETS_ARN: could not reach Secrets Manager for {arn} ({exc})") from None
    try:
        values = json.loads(response.get("SecretString") or "")
    except ValueError:
        values = None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise ConfigurationError(f"SECRETS_ARN: {arn} must hold a JSON object of strings ({', '.join(SECRET_NAMES)})")
    unknown = sorted(set(values) - set(SECRET_NAMES))
    if unknown:
        raise ConfigurationError(f"SECRETS_ARN: unknown keys {unknown} in {arn}; expected {', '.join(SECRET_NAMES)}")
    return values


class SecretsManagerSource(PydanticBaseSettingsSource):
    """The secret named by `SECRETS_ARN`, if set; empty values count as absent (not filled in yet)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        arn = os.environ.get("SECRETS_ARN")
        if not arn:
            return {}
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        return {name.lower(): value for name, value in fetch_secret(arn, region).items() if value}


def env_name(field_name: str, field: FieldInfo) -> str:
    """The environment variable a field is read from."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias) if isinstance(alias, str) else field_name.upper()


def is_secret(field: FieldInfo) -> bool:
    return field.json_schema_extra is SECRET


def _explain(error: ValidationError) -> str:
    fields = Settings.model_fields
    lines = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        if not item["loc"]:
            lines.append(message)
            continue
        name = str(item["loc"][0])
        field = fields.get(name)
        variable = env_name(name, field) if field else name.upper()
        secret = is_secret(field) if field else False
        shown = "" if secret else f" (got {item['input']!r})"
        lines.append(f"{variable}: {message}{shown}")
    return "invalid configuration: " + "; ".join(lines)


def load_settings() -> Settings:
    """Read and check the configuration now (environment, then the secret); `get_settings()` caches it."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_explain(exc)) from None
    except SettingsError as exc:  # a JSON setting that is not JSON
        found = re.search(r'field "(\w+)"', str(exc))
        name = found.group(1).upper() if found else "a setting"
        raise ConfigurationError(f"invalid configuration: {name}: not valid JSON") from None


@cache
def get_settings() -> Settings:
    return load_settings()
