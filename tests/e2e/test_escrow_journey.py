"""The acceptance journeys of scripts/demo.py (escrow; a deal that changes and ends) on the real local stack,
and deposit idempotency."""

from __future__ import annotations

from scripts.demo import run
from scripts.local_stack import LocalStack
from tests.e2e.conftest import User, World


def test_demo_walks_the_whole_escrow_lifecycle(stack: LocalStack) -> None:
    figures = run(stack.api_url, out=lambda *a, **k: None)

    assert figures["contractStatus"] == "completed"
    assert figures["milestones"] == ["released", "resolved"]
    assert figures["currency"] == "EUR"
    assert figures["customerAvailable"] == 200000  # 4,000.00 deposited - 2,500.00 escrowed + 500.00 refunded
    assert figures["providerAvailable"] == 180000  # (1,000.00 + 1,000.00 released) less 10 % commission
    assert figures["providerRating"] == 5
    assert figures["providerCompletedContracts"] == 1  # the public card counts the completed contract

    # the second deal changed and ended over HTTP (the demo checks each amount and hash as it goes): a
    # counter-offer awarded at 900.00, an amendment's milestone released, a non-delivery dispute refunded,
    # a bonus, and a termination that returned the funded, undelivered milestone
    deals = figures["deals"]
    assert deals["status"] == "terminated"
    assert deals["milestones"] == ["refunded", "resolved", "released"]
    assert deals["providerEarned"] == 22500  # (200.00 + 50.00 bonus) less 10 % commission


def _available(user: User) -> dict[str, int]:
    balances = user.ok("GET", "/me/wallet")["balances"]
    return {b["currency"]: b["available"]["amount"] for b in balances}


def test_deposit_replays_with_the_same_idempotency_key(world: World) -> None:
    customer = world.profile("customer")
    key = {"Idempotency-Key": "deposit-journey-1"}
    body = {"amount": {"amount": 40000, "currency": "EUR"}}

    first = customer.post("/me/deposits", body, headers=key)
    assert first.status_code == 201, first.text
    assert _available(customer) == {"EUR": 40000}

    replay = customer.post("/me/deposits", body, headers=key)
    assert replay.status_code == 201, replay.text
    assert replay.json() == first.json()
    assert _available(customer) == {"EUR": 40000}

    other = customer.post("/me/deposits", {"amount": {"amount": 50000, "currency": "EUR"}}, headers=key)
    assert other.status_code == 422, other.text
    assert other.headers["Content-Type"].startswith("application/problem+json")
    problem = other.json()
    assert problem["status"] == 422 and {"type", "title", "detail"} <= set(problem)
    assert _available(customer) == {"EUR": 40000}

    fresh = customer.post("/me/deposits", body, headers={"Idempotency-Key": "deposit-journey-2"})
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["id"] != first.json()["id"]
    assert _available(customer) == {"EUR": 80000}
