"""Refunds race funding, withdrawals and each other for the same money: one wins, no cent is created or lost.

Each race is tried several times (`TRIES`); after every try the books must conserve the customer's
card money: refunded to the card + wallet + refunds in flight + payouts in flight + escrow + released
= deposited, and `losses:platform` never moves (only a refund the gateway starts itself may book a
loss). The sandbox gateway settles at once and records each refund under its idempotency key.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters import contracts_repo, ledger_repo
from chalicelib.adapters.payment_models import SandboxRecordItem
from chalicelib.domain import ledger
from chalicelib.domain.errors import DomainError
from chalicelib.domain.money import Money
from chalicelib.services import escrow, payments, refunds, wallet, withdrawals
from chalicelib.services.identity import Actor
from tests.integration.market import active_contract, person, race

EUR = "EUR"
TRIES = 4


def _eur(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def _refunded(payment_ids: list[str]) -> int:
    total = 0
    for payment_id in payment_ids:
        payment = payments.get_payment(payment_id)
        assert payment is not None
        total += int(payment.refunded or 0)
    return total


def _holdings(actor: Actor, contract_id: str | None = None) -> dict[str, int]:
    profile_id = actor.profile_id or ""
    held = {
        "wallet": _eur(ledger.wallet(profile_id)),
        "refunds in flight": _eur(ledger.refunds(profile_id)),
        "payouts in flight": _eur(ledger.payouts(profile_id)),
    }
    if contract_id is not None:
        contract = contracts_repo.get(contract_id)
        assert contract is not None
        held["escrow"] = _eur(ledger.escrow(contract_id))
        held["released"] = int(contract.released_total)
    return held


def _only_domain_refusals(errors: list[BaseException]) -> None:
    assert all(isinstance(e, DomainError) and e.status in (409, 422) for e in errors), [repr(e) for e in errors]


def test_a_refund_and_two_wallet_fundings_race_for_the_same_money(aws: dict[str, str]) -> None:
    customer, _, contract, milestones = active_contract((10000,) * (2 * TRIES))
    losses = _eur(ledger.LOSSES)
    deposits: list[str] = []
    for attempt in range(TRIES):
        first, second = milestones[2 * attempt], milestones[2 * attempt + 1]
        deposits.append(wallet.deposit(customer, Money(10000, EUR))["id"])

        payment_id, one, two = deposits[-1], first.id, second.id
        results, errors = race(
            lambda: refunds.request(customer, payment_id, Money(10000, EUR), None),  # noqa: B023
            lambda: escrow.fund_milestone(customer, contract.id, one, "wallet"),  # noqa: B023 (called before the loop moves on)
            lambda: escrow.fund_milestone(customer, contract.id, two, "wallet"),  # noqa: B023
        )

        assert len(results) == 1, [repr(e) for e in errors]
        _only_domain_refusals(errors)
        held = _holdings(customer, contract.id)
        assert held["refunds in flight"] == 0
        assert _refunded(deposits) + sum(held.values()) == 10000 * len(deposits), held
        assert _eur(ledger.LOSSES) == losses


def test_a_refund_and_a_withdrawal_race_for_the_same_money(aws: dict[str, str]) -> None:
    provider = person("provider")
    assert withdrawals.onboarding(provider)["payoutsEnabled"]
    losses = _eur(ledger.LOSSES)
    deposits: list[str] = []
    for _ in range(TRIES):
        deposits.append(wallet.deposit(provider, Money(7000, EUR))["id"])

        results, errors = race(
            lambda: refunds.request(provider, deposits[-1], Money(7000, EUR), None),
            lambda: withdrawals.request(provider, Money(7000, EUR)),
        )

        assert len(results) == 1, [repr(e) for e in errors]
        _only_domain_refusals(errors)
        held = _holdings(provider)
        assert _refunded(deposits) + sum(held.values()) == 7000 * len(deposits), held
        assert _eur(ledger.LOSSES) == losses


def test_parallel_partial_refunds_each_go_out_once_with_their_own_key(aws: dict[str, str]) -> None:
    customer = person("customer", verified=False)
    losses = _eur(ledger.LOSSES)
    for _ in range(TRIES):
        before = _eur(ledger.wallet(customer.profile_id or ""))
        payment_id = wallet.deposit(customer, Money(10000, EUR))["id"]

        results, errors = race(*[lambda: refunds.request(customer, payment_id, Money(3000, EUR), None)] * 8)  # noqa: B023

        _only_domain_refusals(errors)
        payment = payments.get_payment(payment_id)
        assert payment is not None
        sent = [r for r in payment.refunds if r["status"] == "succeeded"]
        assert 1 <= len(sent) <= 3  # 3 x 3000 fit in 10000; a fourth never
        assert len(sent) == len(results)
        assert int(payment.refunded) == 3000 * len(sent)
        assert len({r["id"] for r in sent}) == len(sent)  # each request its own id and key
        at_gateway = [r for r in SandboxRecordItem.scan() if r.kind == "refund" and r.key == payment_id]
        assert sorted(r.id for r in at_gateway) == sorted(r["gatewayId"] for r in sent)  # one gateway refund each
        assert _eur(ledger.wallet(customer.profile_id or "")) - before == 10000 - 3000 * len(sent)
        assert _eur(ledger.refunds(customer.profile_id or "")) == 0
        assert _eur(ledger.LOSSES) == losses


def test_a_retried_refund_request_is_the_same_refund_and_another_amount_is_refused(aws: dict[str, str]) -> None:
    customer = person("customer", verified=False)
    payment_id = wallet.deposit(customer, Money(5000, EUR))["id"]

    _, errors = race(*[lambda: refunds.request(customer, payment_id, Money(2000, EUR), "key-1")] * 4)

    assert errors == [] or all(isinstance(e, DomainError) and e.status == 409 for e in errors), errors
    payment = payments.get_payment(payment_id)
    assert payment is not None and int(payment.refunded) == 2000
    (only,) = payment.refunds
    reused: Any = None
    try:
        refunds.request(customer, payment_id, Money(2500, EUR), "key-1")
    except DomainError as error:
        reused = error
    assert reused is not None and reused.status == 409 and "Idempotency-Key" in reused.detail
    assert int(payments.get_payment(payment_id).refunded) == 2000  # type: ignore[union-attr]
    assert only["id"].startswith("rf_")


def test_the_sandbox_refuses_a_reused_key_with_other_parameters_as_stripe_does(aws: dict[str, str]) -> None:
    from chalicelib.adapters.payment_port import IdempotencyKeyReused
    from chalicelib.adapters.sandbox_gateway import SandboxGateway

    port = SandboxGateway()
    first = port.refund("sbx_reuse", Money(100, EUR), "refund-reuse", metadata={})
    assert port.refund("sbx_reuse", Money(100, EUR), "refund-reuse", metadata={}) == first  # a retry: same answer
    with pytest.raises(IdempotencyKeyReused) as refused:
        port.refund("sbx_reuse", Money(200, EUR), "refund-reuse", metadata={})
    assert refused.value.status == 409
