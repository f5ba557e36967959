"""Races: many threads issue the same money or award command at once; exactly one may win, nothing twice.

The services are plain functions, so the threads call them directly. Every thread first waits on a
barrier so the calls really overlap. A loser must fail with a DomainError (a lost race is a 409
Conflict), never with an unmapped exception, and the ledger must show the winner's movement once.

moto gaps: moto 5.2's DynamoDB is not safe under concurrent requests, and ignores ClientRequestToken
(infra/moto_dynamodb.py says how). Every test server here runs with that module's patch installed
(the `aws` fixture): one DynamoDB request at a time, a rollback that restores only the items a
transaction named, and a replayed token answered from its first success, as DynamoDB does. Who wins
a race is still decided by the product's own conditions (item versions, balance checks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters import bids_repo, contracts_repo, ledger_repo, tasks_repo
from chalicelib.adapters.table import ContractItem, EntryItem
from chalicelib.domain import ledger
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.money import Money
from chalicelib.services import contracts, escrow, wallet
from tests.integration.market import active_contract, open_task, person, place_bid, put_file, race

THREADS = 20


def _race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run every call on its own thread, all released at once; returns (results, exceptions)."""
    return race(*calls)


def _eur(account: str) -> int:
    return ledger_repo.balance(account, "EUR")


def _entries(account: str) -> list[EntryItem]:
    return ledger_repo.all_entries(account)


def _describe(errors: list[BaseException]) -> list[str]:
    return sorted({f"{type(e).__name__}: {e}" for e in errors})


def test_concurrent_accepts_release_once(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((50000,), deposit=50000)
    escrow.fund_milestone(customer, contract.id, only.id, "wallet")
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    provider_wallet = ledger.wallet(provider.profile_id or "")
    revenue_before = _eur(ledger.REVENUE)  # shared by the session; nothing else runs meanwhile

    results, errors = _race([lambda: escrow.accept(customer, contract.id, only.id)] * THREADS)

    assert len(results) == 1, _describe(errors)
    assert all(isinstance(e, Conflict) for e in errors), _describe(errors)
    assert results[0].status == "released"
    assert _eur(provider_wallet) == 45000
    assert _eur(ledger.REVENUE) - revenue_before == 5000
    assert [int(e.amount) for e in _entries(provider_wallet)] == [45000]
    assert _eur(ledger.escrow(contract.id)) == 0
    reloaded = contracts_repo.get(contract.id)
    assert reloaded is not None
    assert int(reloaded.released_total) == 50000
    assert reloaded.status == "completed"


def test_concurrent_fundings_debit_the_wallet_once(aws: dict[str, str]) -> None:
    customer, _, contract, (only,) = active_contract((10000,), deposit=50000)  # enough for 5 fundings
    customer_wallet = ledger.wallet(customer.profile_id or "")

    results, errors = _race([lambda: escrow.fund_milestone(customer, contract.id, only.id, "wallet")] * THREADS)

    assert len(results) == 1, _describe(errors)
    assert all(isinstance(e, Conflict) for e in errors), _describe(errors)
    assert _eur(customer_wallet) == 40000
    assert sorted(int(e.amount) for e in _entries(customer_wallet)) == [-10000, 50000]
    assert _eur(ledger.escrow(contract.id)) == 10000
    reloaded = contracts_repo.get(contract.id)
    assert reloaded is not None
    assert int(reloaded.funded_total) == 10000
    assert [m.status for m in contracts_repo.milestones(contract.id)] == ["funded"]


def test_awarding_two_bids_at_once_makes_one_contract(aws: dict[str, str]) -> None:
    customer = person("customer")
    task = open_task(customer, 80000)
    bids = [place_bid(person("provider"), task.id, (80000,)) for _ in range(2)]

    calls = [lambda bid_id=bids[i % 2].id: contracts.award(customer, bid_id) for i in range(THREADS)]
    results, errors = _race(calls)

    assert len(results) == 1, _describe(errors)
    assert all(isinstance(e, DomainError) for e in errors), _describe(errors)
    contract = results[0][0]
    made = list(ContractItem.gsi3.query(f"TASKCONTRACT#{task.id}"))
    assert [c.id for c in made] == [contract.id]
    reloaded_task = tasks_repo.get(task.id)
    assert reloaded_task is not None
    assert reloaded_task.status == "awarded"
    statuses = {b.id: getattr(bids_repo.get(b.id), "status", None) for b in bids}
    assert sorted(statuses.values()) == ["awarded", "lost"], statuses
    assert statuses[contract.bid_id] == "awarded"


def test_concurrent_deposits_lose_no_update(aws: dict[str, str]) -> None:
    customer = person("customer")
    amounts = [1000 + 37 * i for i in range(THREADS)]  # all different: a lost one shows in the sum
    account = ledger.wallet(customer.profile_id or "")

    results, errors = _race([lambda amount=a: wallet.deposit(customer, Money(amount, "EUR")) for a in amounts])

    assert errors == [], _describe(errors)
    assert len(results) == THREADS
    postings = {r["postingId"] for r in results}
    assert len(postings) == THREADS
    assert _eur(account) == sum(amounts)
    assert sorted(int(e.amount) for e in _entries(account)) == sorted(amounts)
    for posting in postings:  # each deposit is one balanced posting: clearing -x, wallet +x
        legs = {e.account: int(e.amount) for e in EntryItem.gsi1.query(f"POSTING#{posting}")}
        assert set(legs) == {account, ledger.clearing("sandbox")}, legs
        assert sum(legs.values()) == 0, legs
