"""PAYMENTS=stripe on the fake: card funding and deposits complete on Stripe's signed webhook, once.

Webhooks go through the app's real route (`POST /webhooks/stripe`, raw body, `Stripe-Signature`
checked by the SDK's verifier) with payloads signed with a test secret; the services run against
moto server; the Stripe calls go through the real SDK into tests/stripe_fake.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.adapters import contracts_repo, ledger_repo
from chalicelib.adapters.payment_models import HeldEventItem, PaymentItem, WebhookEventItem
from chalicelib.adapters.payment_port import GatewayUnavailable, PaymentRefused
from chalicelib.adapters.sandbox_gateway import SandboxGateway
from chalicelib.adapters.table import EntryItem
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound
from chalicelib.domain.money import Money
from chalicelib.services import escrow, payments, refunds, stripe_events, wallet
from scripts import pump
from tests.integration.market import ADMIN, active_contract, person, put_file
from tests.stripe_fake import StripeWorld, signed, stripe_world, using

CLEARING = ledger.clearing("stripe")
EUR = "EUR"


@pytest.fixture
def world(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeWorld]:
    yield from stripe_world(monkeypatch)


def balance(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def entries(account: str) -> list[EntryItem]:
    return ledger_repo.all_entries(account)


def milestone(contract_id: str, milestone_id: str) -> Any:
    return next(m for m in contracts_repo.milestones(contract_id) if m.id == milestone_id)


def recorded(event: dict[str, Any]) -> WebhookEventItem | None:
    return stripe_events.seen(event["id"])


# --- card funding ------------------------------------------------------------------------------------


def test_card_funding_waits_for_the_signed_webhook_and_applies_it_once(world: StripeWorld) -> None:
    customer, _, contract, (first, _) = active_contract((100000, 150000))
    clearing_before = balance(CLEARING)

    funding = escrow.fund_milestone(customer, contract.id, first.id, "card")

    assert funding.pending
    assert funding.milestone.status == "pending"
    assert funding.payment is not None and funding.payment["clientSecret"].startswith(funding.payment["id"])
    assert funding.payment["status"] == "requires_payment"
    (sent,) = world.fake.posts("/v1/payment_intents")
    assert sent.idempotency_key == f"fund-{first.id}-0"
    assert sent.params["transfer_group"] == contract.id
    assert sent.params["metadata"]["contractId"] == contract.id
    assert sent.params["metadata"]["milestoneId"] == first.id
    assert milestone(contract.id, first.id).status == "pending"
    assert balance(ledger.escrow(contract.id)) == 0

    again = escrow.fund_milestone(customer, contract.id, first.id, "card")  # the customer clicks again
    assert again.payment is not None and again.payment["id"] == funding.payment["id"]
    assert len(world.fake.posts("/v1/payment_intents")) == 1

    succeeded = world.fake.confirm(funding.payment["id"])
    outcomes = [world.ok(succeeded) for _ in range(4)]

    assert outcomes == ["milestone funded", "duplicate", "duplicate", "duplicate"]
    assert milestone(contract.id, first.id).status == "funded"
    assert milestone(contract.id, first.id).funding_source == "card"
    assert balance(ledger.escrow(contract.id)) == 100000
    assert balance(CLEARING) - clearing_before == -100000
    assert [int(e.amount) for e in entries(ledger.escrow(contract.id))] == [100000]
    assert int(contracts_repo.get(contract.id).funded_total) == 100000  # type: ignore[union-attr]
    stored = payments.get_payment(funding.payment["id"])
    assert stored is not None and stored.status == "succeeded" and stored.booked_to == ledger.escrow(contract.id)
    assert stored.charge_id and stored.charge_id.startswith("ch_")
    from chalicelib.adapters.aws import client

    execution = client("stepfunctions").describe_execution(executionArn=escrow.execution_arn(contract.id, first.id))
    assert execution["status"] in ("RUNNING", "SUCCEEDED")


def test_a_bad_signature_is_a_400_problem_and_records_nothing(world: StripeWorld) -> None:
    customer, _, contract, (only,) = active_contract((40000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    event = world.fake.confirm(funding.payment["id"])
    body, header = signed(event)

    attempts = [
        world.post(body, header.replace("v1=", "v1=0")),
        world.post(body.replace(b"40000", b"99999"), header),
        world.post(body, None),
        world.deliver(event, secret="whsec_not_ours"),
        world.deliver(event, timestamp=1_600_000_000),
    ]

    for response in attempts:
        assert response.status == 400, response
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.body["status"] == 400
    assert recorded(event) is None
    assert milestone(contract.id, only.id).status == "pending"
    assert world.post(body, header).status == 200
    assert milestone(contract.id, only.id).status == "funded"


def test_the_same_webhook_delivered_concurrently_funds_once(world: StripeWorld) -> None:
    customer, _, contract, (only,) = active_contract((25000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    event = world.fake.confirm(funding.payment["id"])
    barrier = threading.Barrier(8)

    def deliver() -> dict[str, Any]:
        barrier.wait()
        return stripe_events.apply(event)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: deliver(), range(8)))

    outcomes = sorted(r["outcome"] for r in results)
    assert outcomes == ["duplicate"] * 7 + ["milestone funded"]
    assert balance(ledger.escrow(contract.id)) == 25000
    assert len(entries(ledger.escrow(contract.id))) == 1
    assert milestone(contract.id, only.id).status == "funded"


def test_a_declined_card_leaves_the_milestone_pending_until_another_card_succeeds(world: StripeWorld) -> None:
    customer, _, contract, (only,) = active_contract((30000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    payment_id = funding.payment["id"]

    assert world.ok(world.fake.decline(payment_id)) == "payment failed; the customer may retry"

    stored = payments.get_payment(payment_id)
    assert stored is not None and stored.status == "requires_payment"
    assert stored.last_error == {
        "code": "card_declined",
        "declineCode": "insufficient_funds",
        "message": "Your card was declined.",
    }
    assert milestone(contract.id, only.id).status == "pending"
    retry = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert retry.payment is not None and retry.payment["id"] == payment_id  # the same intent, tried again
    succeeded = world.fake.confirm(payment_id)
    late_failure = world.fake.event("payment_intent.payment_failed", dict(world.fake.objects[payment_id]))
    assert world.ok(succeeded) == "milestone funded"
    assert world.ok(late_failure).startswith("ignored")  # a late failure never undoes a success
    assert milestone(contract.id, only.id).status == "funded"


def test_a_card_payment_the_milestone_no_longer_needs_lands_in_the_wallet(world: StripeWorld) -> None:
    customer, _, contract, (only,) = active_contract((20000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    with using(SandboxGateway()):
        wallet.deposit(customer, Money(20000, EUR))
    escrow.fund_milestone(customer, contract.id, only.id, "wallet")  # meanwhile funded from the wallet

    assert world.ok(world.fake.confirm(funding.payment["id"])) == "wallet credited"

    assert balance(ledger.escrow(contract.id)) == 20000  # funded once
    assert balance(ledger.wallet(customer.profile_id or "")) == 20000  # the card money is the customer's
    stored = payments.get_payment(funding.payment["id"])
    assert stored is not None and stored.booked_to == ledger.wallet(customer.profile_id or "")


# --- deposits ------------------------------------------------------------------------------------------


def test_a_card_deposit_is_pending_while_processing_and_credited_on_the_webhook(world: StripeWorld) -> None:
    customer = person("customer")
    account = ledger.wallet(customer.profile_id or "")

    opened = wallet.deposit(customer, Money(50000, EUR))

    assert opened["status"] == "requires_payment"
    assert opened["clientSecret"].startswith(opened["id"])
    assert opened["postingId"] is None
    assert wallet.wallet(customer)["balances"] == []
    (sent,) = world.fake.posts("/v1/payment_intents")
    assert sent.params["metadata"]["purpose"] == "deposit"
    assert sent.idempotency_key.startswith("deposit-")

    assert world.ok(world.fake.processing(opened["id"])) == "payment processing"
    assert wallet.wallet(customer)["balances"] == [
        {"currency": EUR, "available": {"amount": 0, "currency": EUR}, "pending": {"amount": 50000, "currency": EUR}}
    ]
    succeeded = world.fake.confirm(opened["id"])
    assert world.ok(succeeded) == "wallet credited"
    assert world.ok(succeeded) == "duplicate"

    assert wallet.wallet(customer)["balances"] == [
        {"currency": EUR, "available": {"amount": 50000, "currency": EUR}, "pending": {"amount": 0, "currency": EUR}}
    ]
    assert [(e.kind, int(e.amount)) for e in entries(account)] == [("deposit", 50000)]


def test_a_refund_that_overtakes_the_success_is_held_then_applied_once(world: StripeWorld) -> None:
    customer = person("customer")
    account = ledger.wallet(customer.profile_id or "")
    opened = wallet.deposit(customer, Money(30000, EUR))
    succeeded = world.fake.confirm(opened["id"])
    refunded = world.fake.dashboard_refund(opened["id"], 12000)

    assert world.ok(refunded) == "held until the payment succeeds"
    assert world.ok(refunded) == "held until the payment succeeds"  # Stripe retries: still one held item
    assert len(list(HeldEventItem.query(f"HELD#{opened['id']}"))) == 1
    assert balance(account) == 0

    assert world.ok(succeeded) == "wallet credited"

    assert balance(account) == 18000
    assert list(HeldEventItem.query(f"HELD#{opened['id']}")) == []
    assert recorded(refunded) is not None and recorded(refunded).outcome == "refund booked"  # type: ignore[union-attr]
    for event in (refunded, succeeded, refunded):
        assert world.ok(event) == "duplicate"
    assert sorted((e.kind, int(e.amount)) for e in entries(account)) == [("card_refund", -12000), ("deposit", 30000)]
    stored = payments.get_payment(opened["id"])
    assert stored is not None and int(stored.refunded) == 12000


def test_cumulative_refund_events_never_book_twice(world: StripeWorld) -> None:
    customer = person("customer")
    account = ledger.wallet(customer.profile_id or "")
    opened = wallet.deposit(customer, Money(10000, EUR))
    world.ok(world.fake.confirm(opened["id"]))
    first = world.fake.dashboard_refund(opened["id"], 3000)
    second = world.fake.dashboard_refund(opened["id"], 2000)

    assert world.ok(second) == "refund booked"  # amount_refunded 5000: both refunds at once
    assert world.ok(first) == "already booked"  # the older snapshot says 3000: nothing new

    assert balance(account) == 5000
    assert [int(e.amount) for e in entries(account) if e.kind == "card_refund"] == [-5000]


# --- refunds through our route -----------------------------------------------------------------------------


def test_the_payer_refunds_unspent_deposit_money_to_the_card(world: StripeWorld) -> None:
    customer, stranger = person("customer"), person("customer")
    account = ledger.wallet(customer.profile_id or "")
    opened = wallet.deposit(customer, Money(40000, EUR))
    world.ok(world.fake.confirm(opened["id"]))

    with pytest.raises(NotFound):
        refunds.request(stranger, opened["id"], Money(1000, EUR), None)
    with pytest.raises(BusinessRuleViolated):
        refunds.request(customer, opened["id"], Money(40001, EUR), None)
    refunded = refunds.request(customer, opened["id"], Money(15000, EUR), None)

    assert int(refunded.refunded) == 15000
    (sent,) = world.fake.posts("/v1/refunds")
    (request,) = refunded.refunds
    assert request["status"] == "succeeded" and request["amount"] == 15000
    assert sent.idempotency_key == f"refund-{request['id']}"  # each request its own key, never a counter
    assert balance(account) == 25000
    assert world.ok(world.fake.refunded_event(opened["id"])) == "already booked"
    assert balance(account) == 25000
    admin_refund = refunds.request(ADMIN, opened["id"], Money(5000, EUR), None)
    assert int(admin_refund.refunded) == 20000
    assert balance(account) == 20000


def test_a_refund_after_release_is_refused_here_and_absorbed_by_the_platform_from_the_dashboard(
    world: StripeWorld,
) -> None:
    customer, provider, contract, (only,) = active_contract((60000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    world.ok(world.fake.confirm(funding.payment["id"]))
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    escrow.accept(customer, contract.id, only.id)
    provider_wallet = ledger.wallet(provider.profile_id or "")
    earned = balance(provider_wallet)
    losses = balance(ledger.LOSSES)

    with pytest.raises(BusinessRuleViolated):  # the money was released: nothing of it is in the customer's wallet
        refunds.request(customer, funding.payment["id"], Money(60000, EUR), None)
    assert world.fake.posts("/v1/refunds") == []

    outcome = world.ok(world.fake.dashboard_refund(funding.payment["id"]))

    assert outcome == "refund booked"
    assert balance(provider_wallet) == earned  # the provider is never clawed back
    assert balance(ledger.wallet(customer.profile_id or "")) == 0
    assert balance(ledger.LOSSES) - losses == -60000
    pump.stream.relay()
    alerts = [json.loads(e["Detail"]) for e in pump.stream.relayed if e["DetailType"] == "RefundUnrecovered"]
    assert [a["paymentId"] for a in alerts] == [funding.payment["id"]]  # the back office hears of the loss


# --- disputes, unknown events ----------------------------------------------------------------------------


def test_a_card_dispute_under_review_opens_a_dispute_for_admins(world: StripeWorld) -> None:
    customer, provider, contract, (only,) = active_contract((50000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    world.ok(world.fake.confirm(funding.payment["id"]))
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)

    dispute = world.fake.dispute(funding.payment["id"])
    assert world.ok(dispute) == "milestone disputed"
    assert world.ok(dispute) == "duplicate"

    frozen = milestone(contract.id, only.id)
    assert frozen.status == "disputed"
    assert frozen.dispute["openedBy"] == "cardholder"
    assert frozen.gsi1pk == "DISPUTES#open"
    queue = contracts_repo.open_disputes(100, None).items
    assert any(m.id == only.id for m in queue)
    with pytest.raises(Conflict):  # the customer can no longer release it
        escrow.accept(customer, contract.id, only.id)
    resolved = escrow.resolve(ADMIN, contract.id, only.id, Money(0, EUR), Money(50000, EUR), "chargeback")
    assert resolved.status == "resolved"


def test_a_card_dispute_before_submission_freezes_the_escrow_until_an_admin_decides(world: StripeWorld) -> None:
    customer, provider, contract, (only,) = active_contract((45000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.payment is not None
    world.ok(world.fake.confirm(funding.payment["id"]))

    assert world.ok(world.fake.dispute(funding.payment["id"])) == "escrow frozen"

    frozen = milestone(contract.id, only.id)
    assert frozen.status == "funded"
    assert frozen.dispute["frozen"] is True
    assert frozen.gsi1pk == "DISPUTES#open"
    submitted = escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], "done")
    assert submitted.status == "disputed"  # straight to the admins: the customer cannot release a frozen escrow
    assert balance(ledger.escrow(contract.id)) == 45000
    escrow.resolve(ADMIN, contract.id, only.id, Money(45000, EUR), Money(0, EUR), "the work was delivered")
    assert balance(ledger.escrow(contract.id)) == 0


def test_events_we_do_not_know_are_acknowledged_once(world: StripeWorld) -> None:
    unknown_type = world.fake.event("customer.created", {"id": "cus_1", "object": "customer"})
    unknown_intent = world.fake.event("payment_intent.succeeded", {"id": "pi_not_ours", "object": "payment_intent"})

    assert world.ok(unknown_type) == "ignored: not a type we handle"
    assert world.ok(unknown_type) == "duplicate"
    assert world.ok(unknown_intent) == "ignored: not a Tasklane payment"
    assert PaymentItem.count(hash_key="PAYMENT#pi_not_ours") == 0


# --- refunds: reserved first, settled or released once -----------------------------------------------------


def _deposited(world: StripeWorld, customer: Any, amount: int) -> str:
    opened = wallet.deposit(customer, Money(amount, EUR))
    world.ok(world.fake.confirm(opened["id"]))
    return str(opened["id"])


def test_a_pending_refund_holds_its_money_until_the_webhook_settles_it_once(world: StripeWorld) -> None:
    customer = person("customer")
    profile = customer.profile_id or ""
    payment_id = _deposited(world, customer, 20000)
    world.fake.refund_status = "pending"

    pending = refunds.request(customer, payment_id, Money(8000, EUR), "k-pending")

    (request,) = pending.refunds
    assert request["status"] == "pending" and int(pending.refunded) == 0
    assert balance(ledger.wallet(profile)) == 12000 and balance(ledger.refunds(profile)) == 8000
    assert payments.payment_view(pending)["refunding"] == {"amount": 8000, "currency": EUR}
    with pytest.raises(BusinessRuleViolated):  # the reserved money is not in the wallet any more
        refunds.request(customer, payment_id, Money(12001, EUR), None)
    assert world.ok(world.fake.refunded_event(payment_id)) == "already booked"  # in flight, not a dashboard refund
    (sent,) = [o for o in world.fake.objects.values() if o.get("object") == "refund"]
    settled = world.fake.settle_refund(sent["id"], "succeeded")

    assert world.ok(settled) == "refund booked"
    assert world.ok(settled) == "duplicate"
    stored = payments.get_payment(payment_id)
    assert stored is not None and int(stored.refunded) == 8000 and stored.refunds[0]["status"] == "succeeded"
    assert balance(ledger.wallet(profile)) == 12000 and balance(ledger.refunds(profile)) == 0
    assert sorted(int(e.amount) for e in entries(ledger.refunds(profile))) == [-8000, 8000]
    # the same request again answers its outcome; nothing is sent or booked twice
    again = refunds.request(customer, payment_id, Money(8000, EUR), "k-pending")
    assert int(again.refunded) == 8000 and len(world.fake.posts("/v1/refunds")) == 1


def test_a_refused_refund_gives_the_reservation_back(world: StripeWorld) -> None:
    customer = person("customer")
    profile = customer.profile_id or ""
    payment_id = _deposited(world, customer, 20000)
    world.fake.fail_next("/v1/refunds", "balance_insufficient")

    with pytest.raises(PaymentRefused):
        refunds.request(customer, payment_id, Money(5000, EUR), None)

    stored = payments.get_payment(payment_id)
    assert stored is not None and stored.refunds[0]["status"] == "released" and int(stored.refunded) == 0
    assert balance(ledger.wallet(profile)) == 20000 and balance(ledger.refunds(profile)) == 0
    kinds = sorted(e.kind for e in entries(ledger.wallet(profile)))
    assert kinds == ["card_refund_released", "card_refund_reserved", "deposit"]


def test_an_unanswered_refund_stays_reserved_and_its_retry_completes_it_once(world: StripeWorld) -> None:
    customer = person("customer")
    profile = customer.profile_id or ""
    payment_id = _deposited(world, customer, 20000)
    world.fake.fail_next("/v1/refunds", "timeout", times=3)  # the SDK's own retries time out too

    with pytest.raises(GatewayUnavailable):
        refunds.request(customer, payment_id, Money(6000, EUR), "k-timeout")
    assert balance(ledger.wallet(profile)) == 14000 and balance(ledger.refunds(profile)) == 6000

    done = refunds.request(customer, payment_id, Money(6000, EUR), "k-timeout")

    assert int(done.refunded) == 6000 and len(done.refunds) == 1
    assert balance(ledger.wallet(profile)) == 14000 and balance(ledger.refunds(profile)) == 0


def test_a_refund_that_fails_after_it_was_paid_puts_the_money_back_once(world: StripeWorld) -> None:
    customer = person("customer")
    profile = customer.profile_id or ""
    payment_id = _deposited(world, customer, 20000)
    done = refunds.request(customer, payment_id, Money(9000, EUR), None)
    assert balance(ledger.wallet(profile)) == 11000
    (sent,) = [o for o in world.fake.objects.values() if o.get("object") == "refund"]
    failed = world.fake.settle_refund(sent["id"], "failed")

    assert world.ok(failed) == "refund reversed"
    assert world.ok(failed) == "duplicate"
    assert world.ok(world.fake.refunded_event(payment_id)) == "already booked"  # amount_refunded went back to 0
    stored = payments.get_payment(payment_id)
    assert stored is not None and int(stored.refunded) == 0 and stored.refunds[0]["status"] == "reversed"
    assert balance(ledger.wallet(profile)) == 20000 and done.id == payment_id
