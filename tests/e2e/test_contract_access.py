"""Contracts over HTTP: award, sign, fund, submit, decide — and which side of the contract may do which.

Strangers, anonymous callers and the wrong roles on each contract route are cells of
test_access_matrix.py; here the parties themselves and the states they go through."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import User, World, bid_body


def _status(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


@pytest.fixture(scope="module")
def deal(world: World) -> dict[str, Any]:
    customer = world.profile("customer")
    provider = world.profile("provider")
    rival = world.profile("provider")
    task = world.open_task(customer)
    bid = provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(200000), status=201)
    rival_bid = rival.ok("POST", f"/tasks/{task['id']}/bids", bid_body(210000), status=201)
    return {
        "customer": customer,
        "provider": provider,
        "rival": rival,
        "stranger": world.profile("customer"),
        "task": task,
        "bid": bid,
        "rival_bid": rival_bid,
    }


def test_award_rules(deal: dict[str, Any], world: World) -> None:
    customer: User = deal["customer"]
    contract = customer.ok("POST", f"/bids/{deal['bid']['id']}/award", status=201)
    assert contract["status"] == "draft"
    assert contract["taskId"] == deal["task"]["id"]
    assert [m["title"] for m in contract["milestones"]] == ["Design", "Build"]
    assert [m["amount"]["amount"] for m in contract["milestones"]] == [100000, 100000]
    assert {m["status"] for m in contract["milestones"]} == {"pending"}
    _status(customer.post(f"/bids/{deal['rival_bid']['id']}/award"), 409)
    assert deal["rival"].ok("GET", f"/bids/{deal['rival_bid']['id']}")["status"] == "lost"
    assert customer.ok("GET", f"/tasks/{deal['task']['id']}")["status"] == "awarded"
    deal["contract"] = contract


def test_unverified_owner_cannot_award(world: World) -> None:
    owner = world.profile("customer", verified=False)
    provider = world.profile("provider")
    task = world.open_task(owner)
    bid = provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(), status=201)
    _status(owner.post(f"/bids/{bid['id']}/award"), 403)


def test_who_sees_and_touches_the_contract(deal: dict[str, Any], world: World) -> None:
    contract = deal["contract"]
    cid = contract["id"]
    first = contract["milestones"][0]["id"]
    assert world.admin().ok("GET", f"/contracts/{cid}")["id"] == cid

    _status(deal["customer"].post(f"/contracts/{cid}/milestones/{first}/fund", {"source": "card"}), 409)  # not active
    deal["customer"].ok("POST", f"/contracts/{cid}/sign")
    _status(deal["customer"].post(f"/contracts/{cid}/sign"), 409)
    active = deal["provider"].ok("POST", f"/contracts/{cid}/sign")
    assert active["status"] == "active"
    assert set(active["signatures"]) == {"customer", "provider"}

    _status(deal["provider"].post(f"/contracts/{cid}/milestones/{first}/fund", {"source": "card"}), 403)
    _status(deal["customer"].post(f"/contracts/{cid}/milestones/{first}/fund", {"source": "wallet"}), 422)
    _status(deal["customer"].post(f"/contracts/{cid}/milestones/{first}/fund", {"source": "cash"}), 400)
    funded = deal["customer"].ok("POST", f"/contracts/{cid}/milestones/{first}/fund", {"source": "card"})
    assert funded["status"] == "funded"

    upload = world.upload(deal["provider"], purpose="deliverable")
    _status(deal["customer"].post(f"/contracts/{cid}/milestones/{first}/submit", {"uploads": [upload]}), 403)
    foreign = world.upload(deal["rival"], purpose="deliverable")
    _status(deal["provider"].post(f"/contracts/{cid}/milestones/{first}/submit", {"uploads": [foreign]}), 422)
    wrong_purpose = world.upload(deal["provider"], purpose="attachment")
    _status(deal["provider"].post(f"/contracts/{cid}/milestones/{first}/submit", {"uploads": [wrong_purpose]}), 422)
    submitted = deal["provider"].ok("POST", f"/contracts/{cid}/milestones/{first}/submit", {"uploads": [upload]})
    assert submitted["status"] == "under_review"
    file = submitted["submissions"][0]["files"][0]
    assert file["size"] > 0
    assert file["checksum"]

    link = deal["customer"].ok("GET", f"/contracts/{cid}/milestones/{first}/deliverables/{upload}")
    import requests

    assert requests.get(link["url"], timeout=10).content.startswith(b"%PDF")

    _status(deal["provider"].post(f"/contracts/{cid}/milestones/{first}/accept"), 403)
    _status(deal["provider"].post(f"/contracts/{cid}/milestones/{first}/request-revision", {"reason": "x"}), 403)
    _status(deal["customer"].post(f"/contracts/{cid}/milestones/{first}/request-revision", {}), 400)
    _status(deal["customer"].post(f"/contracts/{cid}/reviews", {"rating": 5, "text": "Early"}), 409)
    released = deal["customer"].ok("POST", f"/contracts/{cid}/milestones/{first}/accept")
    assert released["status"] == "released"
    _status(deal["customer"].post(f"/contracts/{cid}/milestones/{first}/accept"), 409)


def test_wallets_and_ledgers_are_private(deal: dict[str, Any]) -> None:
    provider_wallet = deal["provider"].ok("GET", "/me/wallet")["balances"]
    assert provider_wallet == [
        {
            "currency": "EUR",
            "available": {"amount": 90000, "currency": "EUR"},
            "pending": {"amount": 0, "currency": "EUR"},
        }
    ]
    entries = deal["provider"].ok("GET", "/me/ledger")["items"]
    assert [(e["kind"], e["amount"]["amount"]) for e in entries] == [("release", 90000)]
    assert deal["stranger"].ok("GET", "/me/ledger")["items"] == []
    assert deal["stranger"].ok("GET", "/me/wallet")["balances"] == []


def test_notifications_reach_the_parties(deal: dict[str, Any]) -> None:
    import time

    deadline = time.monotonic() + 15
    kinds: set[str] = set()
    while time.monotonic() < deadline and "MilestoneReleased" not in kinds:
        kinds = {n["type"] for n in deal["provider"].ok("GET", "/me/notifications?limit=100")["items"]}
        time.sleep(0.3)
    assert {"ContractAwarded", "ContractActivated", "MilestoneFunded", "MilestoneReleased"} <= kinds
    assert deal["stranger"].ok("GET", "/me/notifications")["items"] == []
