"""Settings: parsed and checked once at start, clear errors naming the variable, the deployed rules,
and the configuration table of docs/operations.md generated from the model."""

from __future__ import annotations

import pytest

from chalicelib.domain.quotas import DEFAULTS, Quota
from chalicelib.settings import LOCAL_ANONYMITY_KEY, ConfigurationError, Settings, get_settings, load_settings
from scripts import config_table

STRONG_KEY = "k" * 40
DEPLOYED_IDS = {
    "USER_POOL_ID": "eu-central-1_pool",
    "USER_POOL_CLIENT_ID": "client",
    "STATE_MACHINE_ARN": "arn:aws:states:eu-central-1:1:stateMachine:m",
}


def refusal() -> str:
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    return str(raised.value)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The test session's local environment, without anything these tests set themselves."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name in ("SECRETS_ARN", "TASKLANE_ENV", "AWS_LAMBDA_FUNCTION_NAME", "ANONYMITY_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_local_defaults_need_no_configuration(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert not settings.deployed
    assert settings.anonymity_key == LOCAL_ANONYMITY_KEY
    assert settings.payments == "sandbox"
    assert settings.upload_url_ttl_seconds == 600
    assert settings.cognito_endpoint == settings.endpoint_url  # the moto server of the test session
    assert {b: settings.quota(b) for b in DEFAULTS} == DEFAULTS
    assert LOCAL_ANONYMITY_KEY not in repr(settings), "secrets stay out of logs"


def test_values_are_typed_and_fall_back_as_documented(env: pytest.MonkeyPatch) -> None:
    env.delenv("AWS_REGION")
    env.setenv("AWS_DEFAULT_REGION", "us-west-2")
    env.setenv("UPLOAD_URL_TTL_SECONDS", "90")
    env.setenv("QUEUE_URLS", '{"tasklane-payouts": "http://q"}')
    env.setenv("QUOTA_MESSAGES", " 5 / 10 ")
    env.setenv("COGNITO_ENDPOINT", "")
    settings = load_settings()
    assert settings.region == "us-west-2"
    assert settings.upload_url_ttl_seconds == 90
    assert settings.queue_urls == {"tasklane-payouts": "http://q"}
    assert settings.quota("messages") == Quota(5, 10)
    assert settings.cognito_endpoint == settings.endpoint_url
    with pytest.raises(ValueError, match="no quota bucket"):
        settings.quota("downloads")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("UPLOAD_URL_TTL_SECONDS", "ten", "UPLOAD_URL_TTL_SECONDS: Input should be a valid integer"),
        ("DOWNLOAD_URL_TTL_SECONDS", "0", "DOWNLOAD_URL_TTL_SECONDS: Input should be greater than or equal to 1"),
        ("PAYMENTS", "paypal", "PAYMENTS: Input should be 'sandbox' or 'stripe'"),
        ("QUEUE_URLS", "{not json", "QUEUE_URLS: not valid JSON"),
        ("QUOTA_UPLOADS", "30 per minute", "QUOTA_UPLOADS: expected <limit>/<window seconds>"),
        ("QUOTA_PUBLIC", "0/60", "QUOTA_PUBLIC: a quota allows at least 1 request"),
        ("TASKLANE_ENV", "prod", "TASKLANE_ENV: Input should be 'local' or 'aws'"),
    ],
)
def test_a_bad_value_is_a_startup_error_naming_the_variable(
    env: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert says in str(raised.value)


def test_every_bad_value_is_reported_at_once(env: pytest.MonkeyPatch) -> None:
    env.setenv("UPLOAD_URL_TTL_SECONDS", "ten")
    env.setenv("STRIPE_MAX_RETRIES", "many")
    message = refusal()
    assert "UPLOAD_URL_TTL_SECONDS" in message and "STRIPE_MAX_RETRIES" in message


@pytest.mark.parametrize("how", ["TASKLANE_ENV", "lambda runtime"])
def test_deployed_without_a_secret_refuses_to_start(env: pytest.MonkeyPatch, how: str) -> None:
    if how == "TASKLANE_ENV":
        env.setenv("TASKLANE_ENV", "aws")
    else:
        env.setenv("AWS_LAMBDA_FUNCTION_NAME", "tasklane-dev-APIHandler")
        env.delenv("AWS_ENDPOINT_URL")
    for name, value in DEPLOYED_IDS.items():
        env.setenv(name, value)
    message = refusal()
    assert "refusing to start on AWS" in message
    assert "SECRETS_ARN is not set" in message
    assert "ANONYMITY_KEY is missing from the secret (the local default key is public)" in message
    assert "USER_POOL_ID" not in message


def test_deployed_refuses_plain_secrets_and_weak_keys_without_echoing_them(env: pytest.MonkeyPatch) -> None:
    env.setenv("TASKLANE_ENV", "aws")
    env.setenv("SECRETS_ARN", "")  # empty is unset
    env.setenv("ANONYMITY_KEY", "short-but-secret")
    env.setenv("PAYMENTS", "stripe")
    message = refusal()
    assert "ANONYMITY_KEY set in the environment" in message
    assert "shorter than 32 characters" in message
    assert "PAYMENTS=stripe needs STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET" in message
    assert "USER_POOL_ID is not set" in message and "STATE_MACHINE_ARN is not set" in message
    assert "short-but-secret" not in message


def test_a_failed_read_is_retried_and_a_good_one_kept(env: pytest.MonkeyPatch) -> None:
    """A function refusing to serve heals once its configuration is fixed; a working one reads once."""
    get_settings.cache_clear()
    try:
        env.setenv("UPLOAD_URL_TTL_SECONDS", "ten")
        with pytest.raises(ConfigurationError):
            get_settings()
        env.setenv("UPLOAD_URL_TTL_SECONDS", "60")
        settings = get_settings()
        assert settings.upload_url_ttl_seconds == 60
        env.setenv("UPLOAD_URL_TTL_SECONDS", "90")
        assert get_settings() is settings
    finally:
        get_settings.cache_clear()


def test_the_lambda_runtime_against_moto_is_local(env: pytest.MonkeyPatch) -> None:
    """`chalice local`-style runs and tests may set a function name; an endpoint override means not AWS."""
    env.setenv("AWS_LAMBDA_FUNCTION_NAME", "local-run")
    assert not load_settings().deployed


def test_the_configuration_table_in_operations_md_is_generated_from_the_model() -> None:
    current = config_table.DOC.read_text()
    assert config_table.render(current) == current, "run: python scripts/config_table.py --write"
    table = config_table.table()
    for name, field in Settings.model_fields.items():
        assert config_table.env_name(name, field) in table
    assert "| `UPLOAD_URL_TTL_SECONDS` | int | `600` |" in table
    assert "| `QUOTA_MESSAGES` | `limit/seconds` | `30/60` |" in table
    assert "**secret**" in table.split("`ANONYMITY_KEY`")[1].split("\n")[0]


def test_a_stale_table_is_detected() -> None:
    current = config_table.DOC.read_text()
    stale = current.replace("| `TABLE_NAME` | str | `tasklane` |", "| `TABLE_NAME` | str | `other` |")
    assert stale != current
    assert config_table.render(stale) == current
