"""Bonus (POST /contracts/{id}/bonus): the amounts land exactly, refusals move nothing, a race cannot overdraw.

Revenue is shared by the session, so it is read as a change around each step (nothing else runs meanwhile).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters import audit_repo, ledger_repo
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, DomainError, Forbidden, NotFound
from chalicelib.domain.money import Money
from chalicelib.services import bonus, contracts, notifications
from chalicelib.services.identity import Actor, authenticate
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, active_contract, open_task, person, place_bid, put_file, race

EUR = "EUR"


def _eur(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def _books(customer: Actor, provider: Actor) -> tuple[int, int, int]:
    """(customer wallet, provider wallet, platform revenue)."""
    return (
        _eur(ledger.wallet(customer.profile_id or "")),
        _eur(ledger.wallet(provider.profile_id or "")),
        _eur(ledger.REVENUE),
    )


def test_a_bonus_moves_the_amount_less_commission_and_tells_the_provider(aws: dict[str, str]) -> None:
    from scripts import pump

    customer, provider, contract, _ = active_contract((100000,), deposit=50000)
    assert int(contract.commission_bps) == 1000
    before = _books(customer, provider)

    paid = bonus.pay_bonus(customer, contract.id, Money(12345, EUR), "great work")

    fee = (12345 * 1000 + 5000) // 10000  # 1234.5 rounds half up: 1235
    assert (paid.commission.amount, paid.net.amount) == (fee, 12345 - fee) == (1235, 11110)
    after = _books(customer, provider)
    assert [a - b for a, b in zip(after, before, strict=True)] == [-12345, 11110, 1235]
    (entry,) = ledger_repo.all_entries(ledger.wallet(provider.profile_id or ""))
    assert (entry.kind, int(entry.amount), entry.contract_id) == ("bonus", 11110, contract.id)
    (line,) = [a for a in audit_repo.contract_trail(contract.id) if a.action == "money:bonus"]
    assert line.subject == "bonus: great work" and line.actor == customer.profile_id
    assert sum(leg["amount"] for leg in line.amounts) == 0  # type: ignore[union-attr]
    inbox = pump.settle(
        lambda: [n for n in notifications.inbox(provider, 20, None).items if n.event_type == "BonusPaid"],
        what="the provider's BonusPaid notification",
    )
    assert inbox[0].title == notifications.TITLES["BonusPaid"]
    assert inbox[0].data["net"] == {"amount": 11110, "currency": EUR}
    assert not [n for n in notifications.inbox(customer, 20, None).items if n.event_type == "BonusPaid"]


def test_refusals_move_nothing(aws: dict[str, str]) -> None:
    customer, provider, contract, _ = active_contract((100000,), deposit=5000)
    before = _books(customer, provider)

    refusals: list[tuple[Actor, Money, type[DomainError]]] = [
        (provider, Money(100, EUR), Forbidden),  # the provider cannot pay themselves
        (person("customer", verified=False), Money(100, EUR), NotFound),  # a stranger does not see the contract
        (customer, Money(100, "USD"), BusinessRuleViolated),  # the contract is in EUR
    ]
    for actor, money, error in refusals:
        with pytest.raises(error):
            bonus.pay_bonus(actor, contract.id, money, None)
    with pytest.raises(BusinessRuleViolated) as short:
        bonus.pay_bonus(customer, contract.id, Money(5001, EUR), None)
    assert short.value.status == 422 and "5000" in short.value.detail
    assert short.value.errors == [{"field": "amount", "message": "insufficient funds"}]

    draft_customer, draft_provider = person("customer"), person("provider")
    draft, _ = contracts.award(
        draft_customer, place_bid(draft_provider, open_task(draft_customer, 100000).id, (100000,)).id
    )
    with pytest.raises(Conflict):  # not signed yet: no bonus before the deal is active
        bonus.pay_bonus(draft_customer, draft.id, Money(100, EUR), None)

    assert _books(customer, provider) == before


def test_two_bonuses_at_once_that_the_wallet_cannot_both_cover_pay_one(aws: dict[str, str]) -> None:
    customer, provider, contract, _ = active_contract((100000,), deposit=30000)
    before = _books(customer, provider)

    results, errors = race(
        lambda: bonus.pay_bonus(customer, contract.id, Money(20000, EUR), "first"),
        lambda: bonus.pay_bonus(customer, contract.id, Money(15000, EUR), "second"),
    )

    assert len(results) == 1, errors
    (error,) = errors
    assert isinstance(error, DomainError) and error.status in (409, 422), repr(error)
    (won,) = results
    after = _books(customer, provider)
    change = [a - b for a, b in zip(after, before, strict=True)]
    assert change == [-won.amount.amount, won.net.amount, won.commission.amount]
    assert sum(change) == 0 and min(after) >= 0
    assert len([a for a in audit_repo.contract_trail(contract.id) if a.action == "money:bonus"]) == 1


# --- over HTTP: the Idempotency-Key -------------------------------------------------------------------------


def _customer_with_token(users: Users) -> tuple[str, Actor]:
    """A verified customer behind a real Cognito user (as market.person, with a real token)."""
    from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
    from chalicelib.services import profiles

    _, token = users.create()
    actor = authenticate(f"Bearer {token}")
    actor.profile = profiles.create_profile(actor, NewProfile(Role.CUSTOMER, "Bonus Customer", Kind.COMPANY))
    document = put_file(actor, "verification")
    profiles.submit_verification(actor, VerificationRequest("B C", (document,)))
    actor.profile = profiles.decide_verification(ADMIN, actor.profile.id, "approve", None)
    return token, actor


def test_a_replayed_idempotency_key_pays_once(aws: dict[str, str], users: Users) -> None:
    from chalice.test import Client

    import app
    from chalicelib.services import wallet

    token, customer = _customer_with_token(users)
    provider = person("provider")
    contract, _ = contracts.award(customer, place_bid(provider, open_task(customer, 80000).id, (80000,)).id)
    contracts.sign(customer, contract.id)
    contracts.sign(provider, contract.id)
    wallet.deposit(customer, Money(10000, EUR))
    path = f"/contracts/{contract.id}/bonus"
    body = {"amount": {"amount": 3000, "currency": EUR}, "note": "thanks"}

    with Client(app.app, stage_name="local") as client:

        def post(sent: dict[str, Any], key: str) -> tuple[int, Any]:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key}
            response = client.http.request("POST", path, headers=headers, body=json.dumps(sent).encode())
            return response.status_code, json.loads(response.body)

        first = post(body, "bonus-1")
        replay = post(body, "bonus-1")
        other = post(body | {"amount": {"amount": 4000, "currency": EUR}}, "bonus-1")

    assert first[0] == 201 and first[1]["net"] == {"amount": 2700, "currency": EUR}
    assert replay == first
    assert other[0] == 422 and "Idempotency-Key" in other[1]["detail"]
    assert _eur(ledger.wallet(customer.profile_id or "")) == 10000 - 3000
    assert _eur(ledger.wallet(provider.profile_id or "")) == 2700
