"""Builders for integration tests: verified people, open tasks, awarded contracts — all through the services."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.tokens import Claims
from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
from chalicelib.domain.bids import NewBid, PlannedMilestone
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask
from chalicelib.domain.uploads import NewUpload, Purpose
from chalicelib.services import bids, contracts, profiles, tasks, uploads, wallet
from chalicelib.services.identity import Actor
from chalicelib.settings import get_settings

_serial = itertools.count(1)
ADMIN = Actor(Claims("sub-admin-market", "admin@example.com", frozenset({"admin"})), None)


def put_file(
    actor: Actor, purpose: str, content: bytes = b"%PDF-1.7 data", content_type: str = "application/pdf"
) -> str:
    grant = uploads.create_upload(actor, NewUpload(Purpose(purpose), "file.pdf", content_type, len(content)))
    client("s3").put_object(
        Bucket=get_settings().bucket_name, Key=grant["fields"]["key"], Body=content, ContentType=content_type
    )
    return str(grant["uploadId"])


def person(role: str, verified: bool = True) -> Actor:
    n = next(_serial)
    actor = Actor(Claims(f"sub-{role}-{n}", f"{role}{n}@example.com", frozenset()), None)
    skills = ("python",) if role == "provider" else ()
    actor.profile = profiles.create_profile(actor, NewProfile(Role(role), f"{role} {n}", Kind.INDIVIDUAL, skills))
    if verified:
        document = put_file(actor, "verification")
        profiles.submit_verification(actor, VerificationRequest("X Y", (document,)))
        actor.profile = profiles.decide_verification(ADMIN, actor.profile.id, "approve", None)
    return actor


def open_task(customer: Actor, budget: int = 250000, category: str = "data-engineering") -> Any:
    new = NewTask("Escrowed work", "Two milestones.", category, ("python",), Money(budget, "EUR"))
    task = tasks.create_task(customer, new)
    tasks.submit_task(customer, task.id)
    return tasks.review_task(ADMIN, task.id, "approve", None)


def place_bid(provider: Actor, task_id: str, amounts: tuple[int, ...] = (100000, 150000)) -> Any:
    milestones = tuple(
        PlannedMilestone(f"Part {i + 1}", Money(a, "EUR"), date(2027, 2, 1)) for i, a in enumerate(amounts)
    )
    return bids.place_bid(provider, task_id, NewBid(Money(sum(amounts), "EUR"), "Happy to.", 20, milestones))


def active_contract(
    amounts: tuple[int, ...] = (100000, 150000), deposit: int = 0
) -> tuple[Actor, Actor, Any, list[Any]]:
    customer, provider = person("customer"), person("provider")
    task = open_task(customer, sum(amounts))
    bid = place_bid(provider, task.id, amounts)
    contract, _ = contracts.award(customer, bid.id)
    contracts.sign(customer, contract.id)
    contract, milestones = contracts.sign(provider, contract.id)
    if deposit:
        wallet.deposit(customer, Money(deposit, "EUR"))
    return customer, provider, contract, sorted(milestones, key=lambda m: int(m.position))


def race(*calls: Any) -> tuple[list[Any], list[BaseException]]:
    """Run every call on its own thread, all released at once by a barrier; (results, exceptions)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
    results, errors = [], []
    for future in futures:
        error = future.exception()
        if error is None:
            results.append(future.result())
        else:
            errors.append(error)
    return results, errors


def entered_states(execution_arn: str) -> list[str]:
    """The names of the states a workflow execution entered, in order."""
    from chalicelib.adapters import workflow

    events = workflow.history(execution_arn)
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def books(customer: Actor, provider: Actor, contract_id: str) -> tuple[int, int, int]:
    """(customer wallet, provider wallet, the contract's escrow) in EUR minor units."""
    from chalicelib.adapters import ledger_repo
    from chalicelib.domain import ledger

    return (
        ledger_repo.balance(ledger.wallet(customer.profile_id or ""), "EUR"),
        ledger_repo.balance(ledger.wallet(provider.profile_id or ""), "EUR"),
        ledger_repo.balance(ledger.escrow(contract_id), "EUR"),
    )
