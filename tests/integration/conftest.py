"""Integration tests run the services against moto server (started once per session)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

# Not `from tests.conftest import MOTO_PORT`: pytest loaded tests/conftest.py as `conftest`, and importing it
# again as `tests.conftest` ran it a second time, with a new port and a new AWS_ENDPOINT_URL. Whatever had
# imported the PynamoDB models in between (a test module collected earlier) then kept the first endpoint.
MOTO_PORT = int(os.environ["MOTO_PORT"])

PASSWORD = "Integration-1!"


@pytest.fixture(scope="session")
def aws() -> Iterator[dict[str, str]]:
    from infra.moto_dynamodb import install

    install()  # moto's DynamoDB with DynamoDB's transaction guarantees, as in the local stack
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=MOTO_PORT, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{MOTO_PORT}"
    requests.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=5)
    from infra.local import provision

    env = provision(url)
    os.environ.update(env)
    from chalicelib.settings import get_settings

    get_settings.cache_clear()
    yield env
    server.stop()


class Users:
    """Real Cognito users in the moto pool, with real ID tokens."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.cognito = boto3.client("cognito-idp")
        self.count = 0

    def create(self, email: str | None = None, admin: bool = False) -> tuple[str, str]:
        """Returns (email, id token)."""
        self.count += 1
        email = email or f"user{self.count}-{os.getpid()}@example.com"
        pool = self.env["USER_POOL_ID"]
        self.cognito.admin_create_user(
            UserPoolId=pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        self.cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
        if admin:
            self.cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admin")
        return email, self.token(email)

    def token(self, email: str) -> str:
        result: dict[str, Any] = self.cognito.initiate_auth(
            ClientId=self.env["USER_POOL_CLIENT_ID"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        return str(result["AuthenticationResult"]["IdToken"])


@pytest.fixture(scope="session")
def users(aws: dict[str, str]) -> Users:
    return Users(aws)


# --- the pump: each test drains only its own messages ----------------------------------------------


@pytest.fixture(autouse=True)
def own_messages(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that talks to moto starts from empty queues: `pump.settle` drains its own messages, no backlog."""
    if "aws" not in request.fixturenames:
        return
    request.getfixturevalue("aws")
    monkeypatch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")  # AWS: one purge a minute
    from scripts import pump

    pump.begin()


def workflow_waits(contract_id: str, milestone_id: str, wait: str) -> Any:
    """Drain the callbacks queue until the milestone's workflow has parked its token for `wait`; return it."""
    from chalicelib.handlers.consumers import CALLBACKS_QUEUE
    from chalicelib.services import escrow
    from scripts import pump

    return pump.settle(
        lambda: escrow.parked_token(contract_id, milestone_id),
        done=lambda token: token is not None and token.wait == wait,
        what=f"the workflow of milestone {milestone_id} to park its {wait!r} token",
        queues=[CALLBACKS_QUEUE],
    )
