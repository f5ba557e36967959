"""Deployed settings read their secrets from Secrets Manager (the session's moto server), once per process.

Not moto's in-process `mock_aws`: it shares and resets the state of the moto server the other
integration tests run against.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib import settings as settings_module
from chalicelib.adapters.ids import new_id
from chalicelib.settings import ConfigurationError, get_settings, load_settings

KEY = "x" * 48
DEPLOYED = {
    "TASKLANE_ENV": "aws",  # as the stack sets it (the Lambda-runtime detection: tests/unit/test_settings.py)
    "USER_POOL_ID": "eu-central-1_pool",
    "USER_POOL_CLIENT_ID": "client",
    "STATE_MACHINE_ARN": "arn:aws:states:eu-central-1:123456789012:stateMachine:tasklane-milestone-prod",
}


@pytest.fixture
def secrets(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A deployed-looking environment and a fresh settings cache; restored afterwards."""
    for name in ("ANONYMITY_KEY", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "PAYMENTS", "SECRETS_ARN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in DEPLOYED.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield boto3.client("secretsmanager")
    monkeypatch.undo()
    get_settings.cache_clear()


def put(client: Any, monkeypatch: pytest.MonkeyPatch, value: Any) -> str:
    name = f"tasklane/test-{new_id()}/app"
    arn = str(client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])
    monkeypatch.setenv("SECRETS_ARN", arn)
    return arn


def test_a_deployed_function_reads_its_secrets_once(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    put(
        secrets,
        monkeypatch,
        {"ANONYMITY_KEY": KEY, "STRIPE_API_KEY": "sk_live_123", "STRIPE_WEBHOOK_SECRET": "whsec_a,whsec_b"},
    )
    monkeypatch.setenv("PAYMENTS", "stripe")
    fetched: list[str] = []
    real = settings_module.fetch_secret

    def counting(arn: str, region: str | None) -> dict[str, str]:
        fetched.append(arn)
        return real(arn, region)

    monkeypatch.setattr(settings_module, "fetch_secret", counting)
    settings = get_settings()
    assert settings.deployed
    assert (settings.anonymity_key, settings.stripe_api_key, settings.stripe_webhook_secret) == (
        KEY,
        "sk_live_123",
        "whsec_a,whsec_b",
    )
    assert get_settings() is settings
    assert len(fetched) == 1, "one GetSecretValue per cold start"
    assert KEY not in repr(settings) and "sk_live_123" not in repr(settings)


def test_stripe_keys_the_operator_has_not_filled_in_stop_a_stripe_stage_only(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the stack creates: a generated anonymity key and empty Stripe keys."""
    put(secrets, monkeypatch, {"ANONYMITY_KEY": KEY, "STRIPE_API_KEY": "", "STRIPE_WEBHOOK_SECRET": ""})
    assert load_settings().payments == "sandbox"  # dev: the sandbox needs no Stripe keys
    monkeypatch.setenv("PAYMENTS", "stripe")
    with pytest.raises(ConfigurationError, match="PAYMENTS=stripe needs STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET"):
        load_settings()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"STRIPE_API_KEY": "sk_live_123"}, "ANONYMITY_KEY is missing from the secret"),
        ({"ANONYMITY_KEY": KEY, "STRIPE_APIKEY": "typo"}, "unknown keys ['STRIPE_APIKEY']"),
        (["not", "an", "object"], "must hold a JSON object of strings"),
    ],
)
def test_a_secret_without_what_is_needed_refuses_to_start(
    secrets: Any, monkeypatch: pytest.MonkeyPatch, value: Any, says: str
) -> None:
    put(secrets, monkeypatch, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert says in str(raised.value)
    assert "sk_live_123" not in str(raised.value)


def test_a_secret_that_cannot_be_read_refuses_to_start(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRETS_ARN", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:tasklane/none-AbCdEf")
    with pytest.raises(ConfigurationError, match=r"refused GetSecretValue .*ResourceNotFoundException"):
        load_settings()


def test_locally_a_secret_is_optional_and_wins_over_the_environment(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TASKLANE_ENV")
    monkeypatch.setenv("ANONYMITY_KEY", "from-the-environment")
    assert load_settings().anonymity_key == "from-the-environment"
    put(secrets, monkeypatch, {"ANONYMITY_KEY": KEY, "STRIPE_API_KEY": ""})
    settings = load_settings()
    assert not settings.deployed
    assert settings.anonymity_key == KEY
