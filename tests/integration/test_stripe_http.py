"""Card funding and deposits over HTTP with PAYMENTS=stripe: 202 with the client secret, funded on the webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters import ledger_repo
from chalicelib.domain import ledger
from chalicelib.services.identity import Actor, authenticate
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, open_task, person, place_bid, put_file
from tests.stripe_fake import StripeWorld, stripe_world

EUR = "EUR"


@pytest.fixture
def world(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeWorld]:
    yield from stripe_world(monkeypatch)


def customer_with_token(users: Users) -> tuple[str, Actor]:
    """A verified customer behind a real Cognito user (as tests/integration/market.person, with a real token)."""
    from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
    from chalicelib.services import profiles

    _, token = users.create()
    actor = authenticate(f"Bearer {token}")
    actor.profile = profiles.create_profile(actor, NewProfile(Role.CUSTOMER, "Card Customer", Kind.COMPANY))
    document = put_file(actor, "verification")
    profiles.submit_verification(actor, VerificationRequest("C C", (document,)))
    actor.profile = profiles.decide_verification(ADMIN, actor.profile.id, "approve", None)
    return token, actor


def call(world: StripeWorld, token: str, method: str, path: str, body: Any = None, **headers: str) -> Any:
    sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers}
    response = world.http.request(
        method, path, headers=sent, body=json.dumps(body).encode() if body is not None else b""
    )
    return response.status_code, json.loads(response.body) if response.body else None


def test_card_funding_answers_202_and_the_webhook_funds_it(world: StripeWorld, users: Users) -> None:
    from chalicelib.services import contracts

    token, customer = customer_with_token(users)
    provider = person("provider")
    bid = place_bid(provider, open_task(customer, 80000).id, (80000,))
    contract, _ = contracts.award(customer, bid.id)
    contracts.sign(customer, contract.id)
    contract, (only,) = contracts.sign(provider, contract.id)
    path = f"/contracts/{contract.id}/milestones/{only.id}/fund"

    status, body = call(world, token, "POST", path, {"source": "card"}, **{"Idempotency-Key": "fund-1"})
    replay_status, replay = call(world, token, "POST", path, {"source": "card"}, **{"Idempotency-Key": "fund-1"})

    assert status == 202 and replay_status == 202
    assert body["status"] == "pending" and "__status__" not in body
    assert body["payment"]["clientSecret"].startswith(body["payment"]["id"])
    assert replay == body
    assert world.ok(world.fake.confirm(body["payment"]["id"])) == "milestone funded"
    status, shown = call(world, token, "GET", f"/contracts/{contract.id}")
    assert status == 200 and shown["milestones"][0]["status"] == "funded"
    assert call(world, token, "POST", path, {"source": "card"})[0] == 409
    assert ledger_repo.balance(ledger.escrow(contract.id), EUR) == 80000


def test_a_card_deposit_answers_202_then_shows_in_the_wallet(world: StripeWorld, users: Users) -> None:
    token, _ = customer_with_token(users)

    status, body = call(world, token, "POST", "/me/deposits", {"amount": {"amount": 25000, "currency": EUR}})

    assert status == 202 and body["status"] == "requires_payment" and body["clientSecret"]
    assert world.ok(world.fake.confirm(body["id"])) == "wallet credited"
    status, shown = call(world, token, "GET", "/me/wallet")
    assert shown["balances"] == [
        {"currency": EUR, "available": {"amount": 25000, "currency": EUR}, "pending": {"amount": 0, "currency": EUR}}
    ]
    status, payment = call(world, token, "GET", f"/payments/{body['id']}")
    assert status == 200 and payment["status"] == "succeeded" and "clientSecret" not in payment
