"""Withdrawals and Connect payouts: requested → approved → payout job (SQS) → payout.paid | payout.failed.

The approval's `WithdrawalApproved` event goes through EventBridge to the real `tasklane-payouts`
queue in moto; the tests drain that queue into `handlers.payments.on_payout_job`, the function the
payouts Lambda (and the local pump) runs. The HTTP routes are called with real Cognito tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import ledger_repo
from chalicelib.adapters.aws import client
from chalicelib.adapters.payment_port import GatewayUnavailable
from chalicelib.adapters.sandbox_gateway import SandboxGateway
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden
from chalicelib.domain.money import Money
from chalicelib.handlers.payments import PAYOUTS_QUEUE, on_payout_job
from chalicelib.services import contracts, escrow, payments, profiles, reconciliation, refunds, wallet, withdrawals
from chalicelib.services.identity import Actor, authenticate
from chalicelib.settings import get_settings
from scripts import pump
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, active_contract, open_task, person, place_bid, put_file
from tests.stripe_fake import StripeWorld, stripe_world, using

EUR = "EUR"
CLEARING = ledger.clearing("stripe")


@pytest.fixture
def world(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeWorld]:
    yield from stripe_world(monkeypatch)


def balance(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def kinds(account: str) -> list[tuple[str, int]]:
    return [(e.kind, int(e.amount)) for e in ledger_repo.all_entries(account)]


def run_payout_jobs(withdrawal_id: str) -> list[str]:
    """Drain tasklane-payouts (EventBridge delivered the approval there) into the consumer function."""
    sqs, url = client("sqs"), get_settings().queue_urls[PAYOUTS_QUEUE]
    results = []
    for _ in range(5):
        pump.stream.relay()  # the approval's event: from the table's stream to EventBridge, then this queue
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            body = json.loads(message["Body"])
            if body.get("detail", {}).get("withdrawalId") == withdrawal_id:
                results.append(on_payout_job(body))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if results:
            return results
    return results


def earning_provider(world: StripeWorld, amount: int = 100000, provider: Actor | None = None) -> tuple[Actor, str]:
    """A provider paid for one milestone that the customer funded by card (so the platform's Stripe balance has it)."""
    if provider is None:
        customer, provider, contract, (only,) = active_contract((amount,))
    else:
        customer = person("customer")
        bid = place_bid(provider, open_task(customer, amount).id, (amount,))
        contract, _ = contracts.award(customer, bid.id)
        contracts.sign(customer, contract.id)
        contract, (only,) = contracts.sign(provider, contract.id)
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    world.ok(world.fake.confirm(funding.payment["id"]))
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    escrow.accept(customer, contract.id, only.id)
    return provider, ledger.wallet(provider.profile_id or "")


def enabled_account(world: StripeWorld, provider: Actor) -> str:
    onboarding = withdrawals.onboarding(provider)
    assert not onboarding["payoutsEnabled"]
    assert onboarding["url"].startswith("https://connect.stripe.com/")
    assert world.ok(world.fake.update_account(onboarding["accountId"], payouts_enabled=True)) == "payouts enabled"
    return str(onboarding["accountId"])


def test_requested_approved_paid_moves_the_money_out_once(world: StripeWorld) -> None:
    provider, account = earning_provider(world)
    in_flight = ledger.payouts(provider.profile_id or "")
    with pytest.raises(BusinessRuleViolated):  # no payout account yet
        withdrawals.request(provider, Money(10000, EUR))
    connected = enabled_account(world, provider)
    clearing_before = balance(CLEARING)
    with pytest.raises(BusinessRuleViolated):
        withdrawals.request(provider, Money(90001, EUR))  # 900.00 was released (less 10 %)

    requested = withdrawals.request(provider, Money(60000, EUR))

    assert requested.status == "requested"
    assert balance(account) == 30000
    assert balance(in_flight) == 60000
    assert wallet.wallet(provider)["balances"] == [
        {
            "currency": EUR,
            "available": {"amount": 30000, "currency": EUR},
            "pending": {"amount": 60000, "currency": EUR},
        }
    ]
    with pytest.raises(Forbidden):
        withdrawals.approve(provider, requested.id)

    approved = withdrawals.approve(ADMIN, requested.id)
    assert approved.status == "approved"
    with pytest.raises(Conflict):
        withdrawals.approve(ADMIN, requested.id)
    assert run_payout_jobs(requested.id) == ["payout sent; waiting for payout.paid"]
    assert on_payout_job({"detail-type": "WithdrawalApproved", "detail": {"withdrawalId": requested.id}}) == (
        "payout sent; waiting for payout.paid"
    )  # SQS delivered it twice: the same transfer and payout

    (transfer,) = world.fake.posts("/v1/transfers")
    assert transfer.idempotency_key == f"transfer-{requested.id}"
    assert transfer.params["destination"] == connected
    assert transfer.params["metadata"] == {"withdrawalId": requested.id, "profileId": provider.profile_id}
    assert len(world.fake.of("transfer")) == 1
    (payout,) = world.fake.of("payout")
    assert payout["account"] == connected
    assert {r.idempotency_key for r in world.fake.posts("/v1/payouts")} == {f"payout-{requested.id}"}
    assert balance(in_flight) == 60000  # still in flight until the bank confirms

    transfer_created = world.fake.object_event("transfer.created", world.fake.of("transfer")[0]["id"])
    assert world.ok(transfer_created) == "transfer already recorded"
    paid = world.fake.pay_out(payout["id"])
    assert world.ok(paid) == "withdrawal paid"
    assert world.ok(paid) == "duplicate"
    assert world.ok(world.fake.event("payout.paid", payout, account=connected)) == "ignored: the withdrawal is paid"

    done = withdrawals.get(requested.id)
    assert done is not None and done.status == "paid" and done.gsi1pk is None
    assert balance(in_flight) == 0
    assert balance(CLEARING) - clearing_before == 60000  # the money left our books once
    assert kinds(in_flight) == [("withdrawal", 60000), ("payout", -60000)]
    assert on_payout_job({"detail": {"withdrawalId": requested.id}}) == "nothing to do: the withdrawal is paid"


def test_a_failed_payout_puts_the_money_back_once_and_reverses_the_transfer(world: StripeWorld) -> None:
    provider, account = earning_provider(world, 50000)
    connected = enabled_account(world, provider)
    requested = withdrawals.request(provider, Money(45000, EUR))
    withdrawals.approve(ADMIN, requested.id)
    run_payout_jobs(requested.id)
    (payout,) = world.fake.of("payout")
    platform_before = world.fake.platform_balance()

    failed = world.fake.fail_payout(payout["id"])
    assert world.ok(failed) == "withdrawal failed: money back in the wallet"
    assert world.ok(failed) == "duplicate"

    stored = withdrawals.get(requested.id)
    assert stored is not None and stored.status == "failed"
    assert stored.failure == {"code": "account_closed", "message": "The bank account has been closed."}
    assert balance(account) == 45000
    assert balance(ledger.payouts(provider.profile_id or "")) == 0
    assert kinds(account).count(("payout_failed", 45000)) == 1
    (reversal,) = world.fake.of("transfer_reversal")
    assert world.fake.posts(f"/v1/transfers/{reversal['transfer']}/reversals")[0].idempotency_key == (
        f"reverse-{requested.id}"
    )
    assert world.fake.connected_balance[connected] == 0
    assert world.fake.platform_balance() == platform_before + 45000
    reversed_event = world.fake.object_event("transfer.reversed", reversal["transfer"])
    assert world.ok(reversed_event) == "already settled: the withdrawal is failed"
    assert balance(account) == 45000


def test_transfer_events_record_the_transfer_and_a_dashboard_reversal_fails_the_withdrawal(world: StripeWorld) -> None:
    provider, account = earning_provider(world, 30000)
    connected = enabled_account(world, provider)
    requested = withdrawals.request(provider, Money(20000, EUR))
    withdrawals.approve(ADMIN, requested.id)
    transfer = world.port.transfer(  # the job's transfer went through, but the job died before storing its id
        connected,
        Money(20000, EUR),
        f"transfer-{requested.id}",
        metadata={"withdrawalId": requested.id},
        transfer_group=f"withdrawal-{requested.id}",
    )

    assert world.ok(world.fake.object_event("transfer.created", transfer.id)) == "transfer recorded"
    assert withdrawals.get(requested.id).transfer_id == transfer.id  # type: ignore[union-attr]
    world.port.reverse_transfer(transfer.id, Money(20000, EUR), "from-the-dashboard", metadata={})
    reversed_event = world.fake.object_event("transfer.reversed", transfer.id)
    assert world.ok(reversed_event) == "withdrawal failed: money back in the wallet"
    assert world.ok(reversed_event) == "duplicate"

    assert on_payout_job({"detail": {"withdrawalId": requested.id}}) == "nothing to do: the withdrawal is failed"
    assert len(world.fake.of("transfer")) == 1
    assert world.fake.of("payout") == []
    assert balance(account) == 27000
    assert balance(ledger.payouts(provider.profile_id or "")) == 0
    assert kinds(account).count(("payout_failed", 20000)) == 1


def test_a_refused_transfer_fails_the_withdrawal_and_an_outage_is_retried(world: StripeWorld) -> None:
    provider, account = earning_provider(world, 20000)
    enabled_account(world, provider)
    first = withdrawals.request(provider, Money(9000, EUR))
    withdrawals.approve(ADMIN, first.id)
    world.fake.fail_next("POST /v1/transfers", "rate_limit")

    with pytest.raises(GatewayUnavailable):  # the consumer raises: SQS delivers the job again
        on_payout_job({"detail": {"withdrawalId": first.id}})
    assert withdrawals.get(first.id).status == "approved"  # type: ignore[union-attr]
    assert on_payout_job({"detail": {"withdrawalId": first.id}}) == "payout sent; waiting for payout.paid"
    assert len(world.fake.of("transfer")) == 1

    second = withdrawals.request(provider, Money(9000, EUR))
    withdrawals.approve(ADMIN, second.id)
    world.fake.fail_next("POST /v1/transfers", "balance_insufficient")
    assert on_payout_job({"detail": {"withdrawalId": second.id}}) == "failed: money back in the wallet"
    assert withdrawals.get(second.id).status == "failed"  # type: ignore[union-attr]
    assert balance(account) == 18000 - 9000


def test_a_payout_account_that_lost_payouts_fails_the_job(world: StripeWorld) -> None:
    provider, account = earning_provider(world, 20000)
    connected = enabled_account(world, provider)
    requested = withdrawals.request(provider, Money(5000, EUR))
    withdrawals.approve(ADMIN, requested.id)
    newer = world.fake.update_account(connected, payouts_enabled=False)
    older = dict(newer, id=newer["id"] + "x", created=newer["created"] - 60)
    older["data"] = {"object": dict(newer["data"]["object"], payouts_enabled=True)}
    assert world.ok(newer) == "payouts disabled"
    assert world.ok(older) == "ignored: older than the state we hold"

    assert on_payout_job({"detail": {"withdrawalId": requested.id}}) == "failed: money back in the wallet"
    assert world.fake.of("transfer") == []
    assert balance(account) == 18000


def test_rejection_gives_the_money_back(world: StripeWorld) -> None:
    provider, account = earning_provider(world, 10000)
    enabled_account(world, provider)
    requested = withdrawals.request(provider, Money(9000, EUR))

    rejected = withdrawals.reject(ADMIN, requested.id, "please verify the bank account owner")

    assert rejected.status == "rejected"
    assert rejected.reason == "please verify the bank account owner"
    assert balance(account) == 9000
    with pytest.raises(Conflict):
        withdrawals.approve(ADMIN, requested.id)
    assert on_payout_job({"detail": {"withdrawalId": requested.id}}) == "nothing to do: the withdrawal is rejected"


def test_the_sandbox_pays_out_at_once_and_reconciles_with_its_own_records(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    with using(SandboxGateway()):
        customer, provider, contract, (only,) = active_contract((30000,))
        escrow.fund_milestone(customer, contract.id, only.id, "card")
        escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
        escrow.accept(customer, contract.id, only.id)
        deposit = wallet.deposit(customer, Money(7000, EUR))
        refunds.request(customer, deposit["id"], Money(2000, EUR), None)
        onboarding = withdrawals.onboarding(provider)
        assert onboarding["payoutsEnabled"] and onboarding["gateway"] == "sandbox"
        requested = withdrawals.request(provider, Money(27000, EUR))
        withdrawals.approve(ADMIN, requested.id)
        assert on_payout_job({"detail": {"withdrawalId": requested.id}}) == "paid"
        report = reconciliation.reconcile(start, datetime.now(UTC) + timedelta(seconds=2), "sandbox")

    paid = withdrawals.get(requested.id)
    assert paid is not None and paid.status == "paid" and paid.transfer_id
    assert balance(ledger.wallet(provider.profile_id or "")) == 0
    (card,) = payments.payments_for(f"milestone:{only.id}")
    ours = {card.id, deposit["id"], paid.transfer_id}
    assert [d for d in report.differences if d.key in ours] == []
    assert report.gateway == "sandbox"
    assert report.ledger_entries >= 4 and report.gateway_lines >= 4
    from scripts.reconcile import main

    status = main(["--gateway", "sandbox", "--from", start.isoformat()])
    printed = capsys.readouterr().out
    assert printed.startswith("reconcile sandbox: ")
    assert status == (1 if "difference(s)" in printed else 0)


def test_reconcile_against_stripe_lists_what_the_ledger_does_not_book(world: StripeWorld) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    provider, _ = earning_provider(world, 40000)
    enabled_account(world, provider)
    requested = withdrawals.request(provider, Money(36000, EUR))
    withdrawals.approve(ADMIN, requested.id)
    run_payout_jobs(requested.id)
    (payout,) = world.fake.of("payout")
    world.ok(world.fake.pay_out(payout["id"]))
    customer = person("customer")
    opened = wallet.deposit(customer, Money(5000, EUR))
    world.ok(world.fake.confirm(opened["id"]))
    disputed = world.fake.dispute(opened["id"])
    world.ok(disputed)
    stray = wallet.deposit(customer, Money(100, EUR))
    world.fake.confirm(stray["id"])  # paid at Stripe, but its webhook never arrived

    report = reconciliation.reconcile(start, datetime.now(UTC) + timedelta(seconds=2), "stripe")

    by_key = {d.key: d for d in report.differences}
    transfer_id = withdrawals.get(requested.id).transfer_id  # type: ignore[union-attr]
    assert transfer_id not in by_key  # the withdrawal: transfer out at Stripe, payout in the ledger
    assert opened["id"] in by_key and by_key[opened["id"]].delta == -5000  # the chargeback is not booked
    strays = [d for d in report.differences if d.note == "only at the gateway" and d.gateway == 100]
    assert [d.key for d in strays] == [stray["id"]]
    assert report.fees > 0


def test_withdrawal_routes_over_http(world: StripeWorld, users: Users) -> None:
    _, admin_token = users.create(admin=True)
    _, stranger_token = users.create()
    provider_token, provider = real_provider(users)
    earning_provider(world, 30000, provider)
    http = world.http

    def call(method: str, path: str, token: str, body: Any = None, **headers: str) -> Any:
        sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers}
        response = http.request(method, path, headers=sent, body=json.dumps(body).encode() if body is not None else b"")
        return response.status_code, json.loads(response.body) if response.body else None

    status, onboarding = call("POST", "/me/payouts/onboarding", provider_token)
    assert status == 200 and onboarding["payoutsEnabled"] is False
    world.ok(world.fake.update_account(onboarding["accountId"], payouts_enabled=True))
    status, body = call("POST", "/me/withdrawals", provider_token, {"amount": {"amount": 99999, "currency": EUR}})
    assert status == 422 and body["type"].endswith("/business-rule")
    status, body = call("POST", "/me/withdrawals", provider_token, {"amount": {"amount": "10", "currency": EUR}})
    assert status == 400
    status, created = call(
        "POST",
        "/me/withdrawals",
        provider_token,
        {"amount": {"amount": 20000, "currency": EUR}},
        **{"Idempotency-Key": "w-1"},
    )
    assert status == 201 and created["status"] == "requested"
    status, replay = call(
        "POST",
        "/me/withdrawals",
        provider_token,
        {"amount": {"amount": 20000, "currency": EUR}},
        **{"Idempotency-Key": "w-1"},
    )
    assert status == 201 and replay["id"] == created["id"]
    assert balance(ledger.payouts(provider.profile_id or "")) == 20000  # the replay moved nothing

    status, mine = call("GET", "/me/withdrawals", provider_token)
    assert status == 200 and [w["id"] for w in mine["items"]] == [created["id"]]
    assert call("GET", "/me/withdrawals", stranger_token)[0] == 403  # no profile: not theirs to list
    assert call("GET", "/admin/withdrawals", provider_token)[0] == 403
    assert call("POST", f"/admin/withdrawals/{created['id']}/approve", provider_token)[0] == 403
    assert call("GET", "/admin/withdrawals?status=paid", admin_token)[0] == 400

    status, queue = call("GET", "/admin/withdrawals?status=requested&limit=100", admin_token)
    assert status == 200
    (listed,) = [w for w in queue["items"] if w["id"] == created["id"]]
    assert listed["recentIncoming"][0]["kind"] == "release"
    assert listed["recentIncoming"][0]["amount"] == {"amount": 27000, "currency": EUR}
    assert listed["recentDeposits"] == []
    assert listed["displayName"]
    requested_at = [w["requestedAt"] for w in queue["items"]]
    assert requested_at == sorted(requested_at)

    assert call("POST", f"/admin/withdrawals/{created['id']}/reject", admin_token, {})[0] == 400
    status, approved = call("POST", f"/admin/withdrawals/{created['id']}/approve", admin_token)
    assert status == 200 and approved["status"] == "approved"
    assert call("POST", f"/admin/withdrawals/{created['id']}/approve", admin_token)[0] == 409
    assert call("POST", "/admin/withdrawals/01ARZ3NDEKTSV4RRFFQ69G5FAV/approve", admin_token)[0] == 404
    status, approved_queue = call("GET", "/admin/withdrawals?status=approved&limit=100", admin_token)
    assert created["id"] in [w["id"] for w in approved_queue["items"]]


def real_provider(users: Users) -> tuple[str, Actor]:
    """A verified provider behind a real Cognito user (as tests/integration/market.person, with a real token)."""
    from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest

    _, token = users.create()
    actor = authenticate(f"Bearer {token}")
    new = NewProfile(Role.PROVIDER, "Paid Provider", Kind.INDIVIDUAL, skills=("python",))
    actor.profile = profiles.create_profile(actor, new)
    document = put_file(actor, "verification")
    profiles.submit_verification(actor, VerificationRequest("P P", (document,)))
    actor.profile = profiles.decide_verification(ADMIN, actor.profile.id, "approve", None)
    return token, actor
