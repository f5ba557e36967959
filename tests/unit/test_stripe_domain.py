"""Pure rules behind Stripe money: the withdrawal and card-payment tables, the new postings, reconciliation."""

from __future__ import annotations

import pytest

from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict
from chalicelib.domain.money import Money
from chalicelib.domain.refunds import check_request
from chalicelib.domain.withdrawals import (
    CARD_PAYMENT,
    FINAL,
    QUEUES,
    WITHDRAWAL,
    PaymentStatus,
    WithdrawalStatus,
    check_withdrawal,
)

EUR = "EUR"
W = WithdrawalStatus


@pytest.mark.parametrize(
    ("state", "action", "target"),
    [
        (W.REQUESTED, "approve", W.APPROVED),
        (W.REQUESTED, "reject", W.REJECTED),
        (W.APPROVED, "pay", W.PAID),
        (W.APPROVED, "fail", W.FAILED),
    ],
)
def test_withdrawal_moves(state: WithdrawalStatus, action: str, target: WithdrawalStatus) -> None:
    assert WITHDRAWAL.next(state, action) == target


@pytest.mark.parametrize("state", list(WithdrawalStatus))
@pytest.mark.parametrize("action", ["approve", "reject", "pay", "fail"])
def test_every_other_withdrawal_move_is_a_409(state: WithdrawalStatus, action: str) -> None:
    legal = {(W.REQUESTED, "approve"), (W.REQUESTED, "reject"), (W.APPROVED, "pay"), (W.APPROVED, "fail")}
    if (state, action) in legal:
        return
    with pytest.raises(Conflict):
        WITHDRAWAL.next(state, action)


def test_final_and_queued_withdrawal_states() -> None:
    assert {W.PAID, W.FAILED, W.REJECTED} == FINAL
    assert {W.REQUESTED, W.APPROVED} == QUEUES
    assert all(not WITHDRAWAL.table.get(state) for state in FINAL)


def test_a_withdrawal_larger_than_the_balance_is_a_422() -> None:
    check_withdrawal(Money(500, EUR), 500)
    with pytest.raises(BusinessRuleViolated):
        check_withdrawal(Money(501, EUR), 500)
    with pytest.raises(BusinessRuleViolated):
        check_withdrawal(Money(0, EUR), 500)


def test_card_payment_table_never_leaves_succeeded() -> None:
    P = PaymentStatus
    assert CARD_PAYMENT.next(P.REQUIRES_PAYMENT, "succeed") == P.SUCCEEDED
    assert CARD_PAYMENT.next(P.PROCESSING, "fail") == P.REQUIRES_PAYMENT  # the customer may try another card
    assert CARD_PAYMENT.next(P.REQUIRES_PAYMENT, "fail") == P.REQUIRES_PAYMENT
    for action in ("succeed", "fail", "process", "cancel"):
        assert not CARD_PAYMENT.allows(P.SUCCEEDED, action)
        assert not CARD_PAYMENT.allows(P.CANCELED, action)


def _net(posting: ledger.Posting) -> dict[str, int]:
    return {account: amount for (account, _), amount in posting.net().items()}


def test_withdrawal_postings_move_the_money_once_each_way() -> None:
    money = Money(9000, EUR)
    assert _net(ledger.payout_request("P", money)) == {"wallet:P": -9000, "payouts:P": 9000}
    assert _net(ledger.payout_paid("P", money, "stripe")) == {"payouts:P": -9000, "clearing:stripe": 9000}
    assert _net(ledger.payout_returned("P", money, "payout_failed")) == {"payouts:P": -9000, "wallet:P": 9000}
    assert ledger.payout_returned("P", money, "withdrawal_rejected").kind == "withdrawal_rejected"


def test_a_refund_takes_what_the_wallet_holds_and_the_platform_absorbs_the_rest() -> None:
    assert ledger.split_refund(1000, 2500) == (1000, 0)
    assert ledger.split_refund(1000, 300) == (300, 700)
    assert ledger.split_refund(1000, 0) == (0, 1000)
    posting = ledger.card_refund("C", Money(300, EUR), Money(700, EUR), "stripe")
    assert _net(posting) == {"wallet:C": -300, ledger.LOSSES: -700, "clearing:stripe": 1000}
    assert _net(ledger.card_refund("C", Money(1000, EUR), Money(0, EUR), "stripe")) == {
        "wallet:C": -1000,
        "clearing:stripe": 1000,
    }
    assert ledger.may_go_negative(ledger.LOSSES)
    assert not ledger.may_go_negative("payouts:P")


@pytest.mark.parametrize(
    ("paid", "refunded", "in_flight", "wallet", "allowed"),
    [
        (5000, 0, 0, 9999, 5000),
        (5000, 4000, 0, 9999, 1000),
        (5000, 0, 0, 1200, 1200),
        (5000, 5000, 0, 1200, 0),
        (5000, 1000, 3000, 9999, 1000),
    ],
)
def test_a_refund_never_exceeds_the_payment_nor_the_wallet(
    paid: int, refunded: int, in_flight: int, wallet: int, allowed: int
) -> None:
    if allowed:
        check_request(allowed, paid, refunded, in_flight, wallet)
    with pytest.raises(BusinessRuleViolated, match=f"at most {allowed} "):
        check_request(allowed + 1, paid, refunded, in_flight, wallet)


def test_reconcile_lists_only_what_differs() -> None:
    ours = {("pi_1", EUR): 1000, ("pi_2", EUR): 500, ("tr_1", EUR): -300}
    theirs = {("pi_1", EUR): 1000, ("pi_2", EUR): 400, ("pi_3", EUR): 50}
    differences = {(d.key, d.note, d.delta) for d in ledger.reconcile(ours, theirs)}
    assert differences == {
        ("pi_2", "amounts differ", -100),
        ("pi_3", "only at the gateway", 50),
        ("tr_1", "only in the ledger", 300),
    }
    assert ledger.reconcile(ours, dict(ours)) == []
