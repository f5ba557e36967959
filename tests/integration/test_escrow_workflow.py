"""The milestone workflow really runs on moto's Step Functions; money moves only through the ledger."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib.adapters import ledger_repo, workflow
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden
from chalicelib.services import contracts, escrow, wallet
from scripts import pump
from tests.integration.market import ADMIN, active_contract, put_file


def _wait_status(arn: str, wanted: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    status = workflow.status(arn)
    while status != wanted and time.monotonic() < deadline:
        pump.drain()
        time.sleep(0.2)
        status = workflow.status(arn)
    return status


def _states(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in workflow.history(arn) if e["type"].endswith("StateEntered")]


def _balance(account: str) -> int:
    return ledger_repo.balance(account, "EUR")


def test_full_lifecycle_moves_money_exactly(aws: dict[str, str]) -> None:
    customer, provider, contract, (first, second) = active_contract((100000, 150000), deposit=400000)
    cid = contract.id
    escrow.fund(customer, cid, first.id, "wallet")
    escrow.fund(customer, cid, second.id, "wallet")
    assert _balance(ledger.wallet(customer.profile_id or "")) == 150000
    assert _balance(ledger.escrow(cid)) == 250000

    pump.settle()
    escrow.submit(provider, cid, first.id, [put_file(provider, "deliverable")], "v1")
    pump.settle()
    escrow.request_revision(customer, cid, first.id, "Add tests")
    pump.settle()
    escrow.submit(provider, cid, first.id, [put_file(provider, "deliverable")], "v2")
    pump.settle()
    released = escrow.accept(customer, cid, first.id)
    assert released.status == "released"
    assert _balance(ledger.wallet(provider.profile_id or "")) == 90000
    assert _balance(ledger.REVENUE) >= 10000

    escrow.submit(provider, cid, second.id, [put_file(provider, "deliverable")], None)
    pump.settle()
    escrow.dispute(provider, cid, second.id, "Scope creep")
    pump.settle()
    from chalicelib.domain.money import Money

    with pytest.raises(BusinessRuleViolated):
        escrow.resolve(ADMIN, cid, second.id, Money(100000, "EUR"), Money(40000, "EUR"), None)
    escrow.resolve(ADMIN, cid, second.id, Money(100000, "EUR"), Money(50000, "EUR"), "Half done")
    pump.settle()

    assert _balance(ledger.wallet(provider.profile_id or "")) == 180000
    assert _balance(ledger.wallet(customer.profile_id or "")) == 200000
    assert _balance(ledger.escrow(cid)) == 0
    done, _, _ = contracts.load(customer, cid)
    assert done.status == "completed"
    from chalicelib.adapters import profiles_repo
    from chalicelib.handlers import views

    card = profiles_repo.get_by_id(provider.profile_id or "")
    assert card is not None and views.provider_card(card)["completedContracts"] == 1  # the card counts it once

    arn1 = escrow.execution_arn(cid, first.id)
    assert _wait_status(arn1, "SUCCEEDED") == "SUCCEEDED"
    assert _states(arn1) == [
        "AwaitSubmission",
        "AwaitDecision",
        "RouteDecision",
        "AwaitSubmission",
        "AwaitDecision",
        "RouteDecision",
        "Released",
    ]
    arn2 = escrow.execution_arn(cid, second.id)
    assert _wait_status(arn2, "SUCCEEDED") == "SUCCEEDED"
    assert _states(arn2)[-2:] == ["AwaitResolution", "Resolved"]


def test_auto_accept_after_the_review_window(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.services import escrow as escrow_module

    short = escrow_module.get_settings().model_copy(update={"review_window_seconds": 2})
    monkeypatch.setattr(escrow_module, "get_settings", lambda: short)
    customer, provider, contract, (only,) = active_contract((50000,), deposit=50000)
    escrow.fund(customer, contract.id, only.id, "wallet")
    pump.settle()
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    arn = escrow.execution_arn(contract.id, only.id)
    assert _wait_status(arn, "SUCCEEDED", 30) == "SUCCEEDED"
    pump.settle()
    assert "AutoAccept" in _states(arn)
    assert _balance(ledger.wallet(provider.profile_id or "")) == 45000
    done, milestones, _ = contracts.load(customer, contract.id)
    assert milestones[0].status == "released"
    assert done.status == "completed"
    with pytest.raises(Conflict):
        escrow.accept(customer, contract.id, only.id)


def test_a_callback_for_a_finished_step_is_refused(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((30000,), deposit=30000)
    escrow.fund(customer, contract.id, only.id, "wallet")
    pump.settle()
    parked: Any = escrow.parked_token(contract.id, only.id)
    assert parked.wait == "submission"
    token = parked.task_token
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    after: Any = escrow.parked_token(contract.id, only.id)
    assert after is None or after.task_token != token  # taken once, deleted
    with pytest.raises(Conflict):
        escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    pump.settle()
    escrow.accept(customer, contract.id, only.id)
    with pytest.raises(Conflict):
        escrow.accept(customer, contract.id, only.id)
    arn = escrow.execution_arn(contract.id, only.id)
    assert _wait_status(arn, "SUCCEEDED") == "SUCCEEDED"
    assert workflow.succeed(token, {"outcome": "submitted"}) is False  # Step Functions refuses it too


def test_moto_gap_a_used_token_is_accepted_while_the_execution_runs(aws: dict[str, str]) -> None:
    """moto 5.2 keeps answered callback endpoints, so SendTaskSuccess on a used token succeeds while the
    execution is still running (AWS answers TaskTimedOut/InvalidToken). The adapter guards against it:
    a parked token is deleted with a condition before it is used, so it is used at most once."""
    customer, provider, contract, (only,) = active_contract((20000,), deposit=20000)
    escrow.fund(customer, contract.id, only.id, "wallet")
    pump.settle()
    parked: Any = escrow.parked_token(contract.id, only.id)
    token = parked.task_token
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    assert workflow.succeed(token, {"outcome": "submitted"}) is True  # the gap: AWS would refuse
    escrow._answer_wait(contract.id, only.id, "submission", "submitted")  # nothing parked: sends nothing
    milestone: Any = escrow._reload(contract.id, only.id)
    assert milestone.status == "under_review"


def test_roles_and_funds_are_checked(aws: dict[str, str]) -> None:
    customer, provider, contract, (first, _) = active_contract((100000, 150000))
    with pytest.raises(BusinessRuleViolated):
        escrow.fund(customer, contract.id, first.id, "wallet")  # empty wallet
    with pytest.raises(Forbidden):
        escrow.fund(provider, contract.id, first.id, "wallet")
    funded = escrow.fund(customer, contract.id, first.id, "card")
    assert funded.status == "funded"
    assert _balance(ledger.escrow(contract.id)) == 100000
    with pytest.raises(Conflict):
        escrow.fund(customer, contract.id, first.id, "card")
    with pytest.raises(Forbidden):
        escrow.accept(provider, contract.id, first.id)
    assert wallet.wallet(provider)["balances"] == []
