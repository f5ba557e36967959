"""The Stripe adapter through the real SDK (`stripe.StripeClient`) on the Stripe-shaped fake HTTP client.

No network and no AWS: what is tested is our use of the SDK (parameters, idempotency keys, Connect
headers, error mapping) and the SDK's own request path (encoding, retries with the same key).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.payment_port import GatewayUnavailable, IdempotencyKeyReused, PaymentRefused
from chalicelib.adapters.stripe_gateway import StripeGateway, ledger_key
from chalicelib.domain.money import Money
from tests.stripe_fake import FakeStripe, client, nest

EUR = "EUR"


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def port(fake: FakeStripe) -> StripeGateway:
    return StripeGateway(client(fake))


def test_the_fake_decodes_stripe_form_encoding() -> None:
    pairs = [("metadata[a]", "1"), ("expand[0]", "data.source"), ("created[gte]", "5"), ("x[y][z]", "true")]
    assert nest(pairs) == {
        "metadata": {"a": "1"},
        "expand": ["data.source"],
        "created": {"gte": "5"},
        "x": {"y": {"z": "true"}},
    }


def test_a_milestone_payment_intent_carries_our_ids_and_the_transfer_group(
    fake: FakeStripe, port: StripeGateway
) -> None:
    charge = port.charge(
        Money(12345, EUR),
        "C1/M1",
        "fund-M1-0",
        metadata={"purpose": "milestone", "contractId": "C1", "milestoneId": "M1"},
        transfer_group="C1",
    )

    assert charge.status == "requires_payment_method"
    assert charge.id.startswith("pi_")
    assert charge.client_secret is not None and charge.client_secret.startswith(f"{charge.id}_secret_")
    (sent,) = fake.posts("/v1/payment_intents")
    assert sent.params["amount"] == "12345"
    assert sent.params["currency"] == "eur"
    assert sent.params["transfer_group"] == "C1"
    assert sent.params["metadata"] == {
        "reference": "C1/M1",
        "purpose": "milestone",
        "contractId": "C1",
        "milestoneId": "M1",
    }
    assert sent.params["automatic_payment_methods"] == {"enabled": "true"}
    assert sent.idempotency_key == "fund-M1-0"
    assert sent.headers["Authorization"] == "Bearer sk_test_tasklane_fake"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Stripe-Version" in sent.headers


def test_the_same_idempotency_key_returns_the_same_intent(fake: FakeStripe, port: StripeGateway) -> None:
    first = port.charge(Money(500, EUR), "r", "fund-M2-0")
    again = port.charge(Money(500, EUR), "r", "fund-M2-0")

    assert again.id == first.id
    assert len(fake.of("payment_intent")) == 1


def test_the_same_key_with_other_details_is_a_conflict(port: StripeGateway) -> None:
    port.charge(Money(500, EUR), "r", "fund-M3-0")
    with pytest.raises(IdempotencyKeyReused) as refused:
        port.charge(Money(501, EUR), "r", "fund-M3-0")
    assert refused.value.status == 409 and refused.value.slug == "idempotency-key-reused"


def test_a_timeout_is_retried_by_the_sdk_with_the_same_idempotency_key(fake: FakeStripe, port: StripeGateway) -> None:
    fake.fail_next("POST /v1/payment_intents", "timeout")

    charge = port.charge(Money(700, EUR), "r", "deposit-D1")

    attempts = fake.posts("/v1/payment_intents")
    assert len(attempts) == 2
    assert {a.idempotency_key for a in attempts} == {"deposit-D1"}
    assert [i["id"] for i in fake.intents()] == [charge.id]


def test_timeouts_beyond_the_retries_are_a_503(fake: FakeStripe, port: StripeGateway) -> None:
    fake.fail_next("POST /v1/payment_intents", "timeout", times=3)
    with pytest.raises(GatewayUnavailable) as caught:
        port.charge(Money(700, EUR), "r", "deposit-D2")
    assert caught.value.status == 503
    assert not list(fake.intents())


def test_a_rate_limit_is_a_503_and_creates_nothing(fake: FakeStripe, port: StripeGateway) -> None:
    fake.fail_next("POST /v1/payment_intents", "rate_limit")
    with pytest.raises(GatewayUnavailable):
        port.charge(Money(700, EUR), "r", "deposit-D3")
    assert len(fake.posts("/v1/payment_intents")) == 1  # a 429 without Stripe-Should-Retry is not retried


def test_a_server_error_that_must_not_be_retried_is_a_503(fake: FakeStripe, port: StripeGateway) -> None:
    fake.fail_next("POST /v1/transfers", "server_error")
    with pytest.raises(GatewayUnavailable):
        port.transfer("acct_x", Money(1, EUR), "transfer-W0", metadata={}, transfer_group="g")


def test_a_declined_card_is_a_422_with_the_decline_code(fake: FakeStripe, port: StripeGateway) -> None:
    fake.fail_next("POST /v1/payment_intents", "card_declined")
    with pytest.raises(PaymentRefused) as caught:
        port.charge(Money(700, EUR), "r", "deposit-D4")
    assert caught.value.status == 422
    assert caught.value.errors == [{"field": "card", "message": "insufficient_funds"}]


def test_connect_account_link_transfer_payout_and_reversal(fake: FakeStripe, port: StripeGateway) -> None:
    account = port.create_account("P1", "p1@example.com", "connect-P1")
    assert account.id.startswith("acct_") and not account.payouts_enabled
    (created,) = fake.posts("/v1/accounts")
    assert created.params["type"] == "express"
    assert created.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert created.params["metadata"] == {"profileId": "P1"}
    assert created.idempotency_key == "connect-P1"

    link = port.onboarding_link(account.id)
    assert link.url.startswith("https://connect.stripe.com/")
    (asked,) = fake.posts("/v1/account_links")
    assert asked.params["type"] == "account_onboarding"

    intent = port.charge(Money(10000, EUR), "r", "deposit-D5")
    fake.confirm(intent.id)  # money on the platform balance
    transfer = port.transfer(
        account.id, Money(6000, EUR), "transfer-W1", metadata={"withdrawalId": "W1"}, transfer_group="withdrawal-W1"
    )
    (sent,) = fake.posts("/v1/transfers")
    assert sent.params == {
        "amount": "6000",
        "currency": "eur",
        "destination": account.id,
        "transfer_group": "withdrawal-W1",
        "metadata": {"withdrawalId": "W1"},
    }
    payout = port.payout(account.id, Money(6000, EUR), "payout-W1", metadata={"withdrawalId": "W1"})
    assert payout.status == "pending"
    (paid,) = fake.posts("/v1/payouts")
    assert paid.account == account.id  # on the connected account: the Stripe-Account header
    assert paid.idempotency_key == "payout-W1"

    fake.fail_payout(payout.id)
    reversal = port.reverse_transfer(transfer.id, Money(6000, EUR), "reverse-W1", metadata={"withdrawalId": "W1"})
    assert reversal.startswith("trr_")
    assert fake.connected_balance[account.id] == 0


def test_a_transfer_beyond_the_platform_balance_is_refused(port: StripeGateway) -> None:
    account = port.create_account("P2", "p2@example.com", "connect-P2")
    with pytest.raises(PaymentRefused) as caught:
        port.transfer(account.id, Money(1, EUR), "transfer-W2", metadata={}, transfer_group="g")
    assert caught.value.errors == [{"field": "", "message": "balance_insufficient"}]


def test_refunds_go_to_the_payment_intent_with_our_key(fake: FakeStripe, port: StripeGateway) -> None:
    intent = port.charge(Money(3000, EUR), "r", "deposit-D6")
    fake.confirm(intent.id)

    refund = port.refund(intent.id, Money(1000, EUR), "refund-x-0", metadata={"paymentId": intent.id})

    assert refund.status == "succeeded"
    (sent,) = fake.posts("/v1/refunds")
    assert sent.params["payment_intent"] == intent.id
    assert sent.params["amount"] == "1000"
    with pytest.raises(PaymentRefused):
        port.refund(intent.id, Money(2001, EUR), "refund-x-1", metadata={})


def test_balance_lines_are_keyed_by_the_objects_our_ledger_books(fake: FakeStripe, port: StripeGateway) -> None:
    intent = port.charge(Money(10000, EUR), "r", "deposit-D7")
    fake.confirm(intent.id)
    port.refund(intent.id, Money(2500, EUR), "refund-y-0", metadata={})
    account = port.create_account("P3", "p3@example.com", "connect-P3")
    transfer = port.transfer(account.id, Money(5000, EUR), "transfer-W3", metadata={}, transfer_group="g")
    port.reverse_transfer(transfer.id, Money(5000, EUR), "reverse-W3", metadata={})
    fake.dispute(intent.id)
    start = datetime.now(UTC) - timedelta(minutes=1)

    lines = port.balance_lines(start, start + timedelta(minutes=2))

    by_type = {line.type: line for line in lines}
    assert by_type["charge"].key == intent.id and by_type["charge"].amount == 10000
    assert by_type["charge"].fee == 175
    assert by_type["refund"].key == intent.id and by_type["refund"].amount == -2500
    assert by_type["transfer"].key == transfer.id and by_type["transfer"].amount == -5000
    assert by_type["transfer_refund"].key == transfer.id and by_type["transfer_refund"].amount == 5000
    assert by_type["adjustment"].key == intent.id
    assert all(line.currency == "EUR" for line in lines)
    (listing,) = [r for r in fake.requests if r.path == "/v1/balance_transactions"]
    assert listing.params["expand"] == ["data.source"]


def test_balance_lines_page_through_every_transaction(fake: FakeStripe, port: StripeGateway) -> None:
    for n in range(105):
        intent = port.charge(Money(100 + n, EUR), "r", f"deposit-page-{n}")
        fake.confirm(intent.id)
    start = datetime.now(UTC) - timedelta(minutes=1)

    lines = port.balance_lines(start, start + timedelta(minutes=2))

    assert len(lines) == 105
    assert len([r for r in fake.requests if r.path == "/v1/balance_transactions"]) == 2


def test_platform_payouts_and_fees_are_outside_the_ledger() -> None:
    assert ledger_key("payout", {"id": "po_1"}) is None
    assert ledger_key("stripe_fee", {"id": "x"}) is None
    assert ledger_key("charge", "ch_not_expanded") is None
    assert ledger_key("transfer_refund", {"id": "trr_1", "transfer": "tr_1"}) == "tr_1"
