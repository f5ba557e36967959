"""Ledger invariants on the card and webhook paths (hypothesis stateful testing, PAYMENTS=stripe on the fake).

The escrow issue's invariants, extended to money that arrives and leaves through Stripe: card funding
and card deposits complete only when their signed webhook is delivered; Stripe-side refunds, payouts
paid or failed are events too. Events are delivered in any order the strategy picks (a refund may
overtake its payment's success) and delivered again (replays). Withdrawals go requested → approved →
payout job → payout.paid | payout.failed. After every step, read back from DynamoDB:

(a) every account's balance equals the sum of its entries, and the balances of the accounts this
    example touches sum to zero (the shared `clearing:stripe`, `losses:platform` and
    `revenue:platform` counted by their change since the example began);
(b) no wallet, escrow or payouts-in-flight balance is negative;
(c) each contract's escrow equals funded_total - released_total - refunded_total;
(d) every balance equals a model that applies each event once: a replay changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chalicelib.adapters import contracts_repo, ledger_repo
from chalicelib.adapters.table import EntryItem
from chalicelib.domain import ledger
from chalicelib.domain.commission import commission
from chalicelib.domain.money import Money
from chalicelib.handlers.payments import on_payout_job
from chalicelib.services import escrow, wallet, withdrawals
from chalicelib.services.identity import Actor
from tests.integration.market import ADMIN, active_contract, put_file
from tests.stripe_fake import FakeStripe, StripeWorld, client, stripe_world

EUR = "EUR"
CLEARING = ledger.clearing("stripe")
SHARED = (CLEARING, ledger.LOSSES, ledger.REVENUE)


@dataclass
class Milestone:
    id: str
    amount: int
    status: str = "pending"
    intent: str | None = None


@dataclass
class Deal:
    customer: Actor
    provider: Actor
    contract_id: str
    bps: int
    milestones: list[Milestone]
    funded: int = 0
    released: int = 0


@dataclass
class Intent:
    id: str
    amount: int
    customer: Actor
    deal: Deal | None = None
    milestone: Milestone | None = None
    confirmed: bool = False
    succeeded: bool = False  # in our books
    booked_refunds: int = 0
    held: list[int] = field(default_factory=list)  # cumulative amounts of held charge.refunded events
    refunded_at_stripe: int = 0


@dataclass
class Withdrawal:
    id: str
    provider: Actor
    amount: int
    status: str
    payout: str | None = None


@dataclass
class Pending:
    event: dict[str, Any]
    apply: str  # which model step delivering it performs


def wallet_of(actor: Actor) -> str:
    return ledger.wallet(actor.profile_id or "")


class StripeLedger(RuleBasedStateMachine):
    world: StripeWorld

    def __init__(self) -> None:
        super().__init__()
        self.deals: list[Deal] = []
        self.intents: dict[str, Intent] = {}
        self.withdrawals: list[Withdrawal] = []
        self.enabled: set[str] = set()
        self.pending: list[Pending] = []
        self.delivered: list[dict[str, Any]] = []
        self.expected: dict[str, int] = defaultdict(int)
        self.baseline: dict[str, int] = {}
        self.accounts: set[str] = set()

    # --- building ------------------------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(1000, 40000), min_size=1, max_size=2))
    def a_contract(self, amounts: list[int]) -> None:
        self.world.fake = FakeStripe()  # a fresh Stripe per example: nothing carries over between examples
        self.world.port.client = client(self.world.fake)
        self.baseline = {a: ledger_repo.balance(a, EUR) for a in SHARED}
        customer, provider, contract, milestones = active_contract(tuple(amounts))
        deal = Deal(
            customer,
            provider,
            contract.id,
            int(contract.commission_bps),
            [Milestone(m.id, int(m.amount)) for m in milestones],
        )
        self.deals.append(deal)
        self.accounts |= {wallet_of(customer), wallet_of(provider), ledger.escrow(contract.id)}
        self.accounts |= {ledger.payouts(provider.profile_id or "")}

    def _move(self, source: str, target: str, amount: int) -> None:
        self.expected[source] -= amount
        self.expected[target] += amount

    def _milestones(self, *statuses: str) -> list[tuple[Deal, Milestone]]:
        return [(d, m) for d in self.deals for m in d.milestones if m.status in statuses]

    # --- card payments -----------------------------------------------------------------------------

    @precondition(lambda self: any(m.intent is None for _, m in self._milestones("pending")))
    @rule(data=st.data())
    def fund_by_card(self, data: st.DataObject) -> None:
        deal, milestone = data.draw(
            st.sampled_from([(d, m) for d, m in self._milestones("pending") if m.intent is None])
        )
        funding = escrow.fund_milestone(deal.customer, deal.contract_id, milestone.id, "card")
        assert funding.pending and funding.payment is not None
        milestone.intent = funding.payment["id"]
        intent = Intent(funding.payment["id"], milestone.amount, deal.customer, deal, milestone)
        self.intents[intent.id] = intent
        self._confirm(intent)

    @rule(data=st.data(), amount=st.integers(100, 30000))
    def deposit_by_card(self, data: st.DataObject, amount: int) -> None:
        deal = data.draw(st.sampled_from(self.deals))
        opened = wallet.deposit(deal.customer, Money(amount, EUR))
        assert opened["status"] == "requires_payment"
        intent = Intent(opened["id"], amount, deal.customer)
        self.intents[intent.id] = intent
        self._confirm(intent)

    def _confirm(self, intent: Intent) -> None:
        intent.confirmed = True
        self.pending.append(Pending(self.world.fake.confirm(intent.id), "succeeded"))

    @precondition(lambda self: any(i.confirmed and i.refunded_at_stripe < i.amount for i in self.intents.values()))
    @rule(data=st.data())
    def refund_at_stripe(self, data: st.DataObject) -> None:
        candidates = [i for i in self.intents.values() if i.confirmed and i.refunded_at_stripe < i.amount]
        intent = data.draw(st.sampled_from(candidates))
        amount = data.draw(st.integers(1, intent.amount - intent.refunded_at_stripe))
        intent.refunded_at_stripe += amount
        self.pending.append(Pending(self.world.fake.dashboard_refund(intent.id, amount), "refunded"))

    @precondition(lambda self: bool(self._milestones("pending")))
    @rule(data=st.data())
    def fund_from_wallet(self, data: st.DataObject) -> None:
        deal, milestone = data.draw(st.sampled_from(self._milestones("pending")))
        if self.expected[wallet_of(deal.customer)] < milestone.amount:
            return
        escrow.fund(deal.customer, deal.contract_id, milestone.id, "wallet")
        self._move(wallet_of(deal.customer), ledger.escrow(deal.contract_id), milestone.amount)
        milestone.status = "funded"
        deal.funded += milestone.amount

    @precondition(lambda self: bool(self._milestones("funded")))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        deal, milestone = data.draw(st.sampled_from(self._milestones("funded")))
        escrow.submit(deal.provider, deal.contract_id, milestone.id, [put_file(deal.provider, "deliverable")], None)
        escrow.accept(deal.customer, deal.contract_id, milestone.id)
        fee = commission(milestone.amount, deal.bps)
        self.expected[ledger.escrow(deal.contract_id)] -= milestone.amount
        self.expected[wallet_of(deal.provider)] += milestone.amount - fee
        self.expected[ledger.REVENUE] += fee
        milestone.status = "released"
        deal.released += milestone.amount

    # --- withdrawals ----------------------------------------------------------------------------------

    @precondition(lambda self: any(self.expected[wallet_of(d.provider)] > 0 for d in self.deals))
    @rule(data=st.data(), paid=st.booleans())
    def withdraw(self, data: st.DataObject, paid: bool) -> None:
        deal = data.draw(st.sampled_from([d for d in self.deals if self.expected[wallet_of(d.provider)] > 0]))
        provider = deal.provider
        if provider.profile_id not in self.enabled:
            onboarding = withdrawals.onboarding(provider)
            self.world.ok(self.world.fake.update_account(onboarding["accountId"], payouts_enabled=True))
            self.enabled.add(provider.profile_id or "")
        amount = data.draw(st.integers(1, self.expected[wallet_of(provider)]))
        requested = withdrawals.request(provider, Money(amount, EUR))
        self._move(wallet_of(provider), ledger.payouts(provider.profile_id or ""), amount)
        withdrawals.approve(ADMIN, requested.id)
        can_transfer = self.world.fake.platform_balance() >= amount
        outcome = on_payout_job({"detail-type": "WithdrawalApproved", "detail": {"withdrawalId": requested.id}})
        if not can_transfer:
            assert outcome == "failed: money back in the wallet", outcome
            self._move(ledger.payouts(provider.profile_id or ""), wallet_of(provider), amount)
            return
        assert outcome == "payout sent; waiting for payout.paid", outcome
        stored = withdrawals.get(requested.id)
        assert stored is not None and stored.payout_id
        item = Withdrawal(requested.id, provider, amount, "approved", stored.payout_id)
        self.withdrawals.append(item)
        fake = self.world.fake
        event = fake.pay_out(item.payout or "") if paid else fake.fail_payout(item.payout or "")
        self.pending.append(Pending(event, "paid" if paid else "failed"))

    # --- deliveries -------------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.pending) - 1), label="which pending event")
        pending = self.pending.pop(index)
        outcome = self.world.ok(pending.event)
        self.delivered.append(pending.event)
        obj = pending.event["data"]["object"]
        if pending.apply == "succeeded":
            self._succeeded(self.intents[obj["id"]], outcome)
        elif pending.apply == "refunded":
            intent = self.intents[obj["payment_intent"]]
            if not intent.succeeded:
                assert outcome == "held until the payment succeeds", outcome
                intent.held.append(int(obj["amount_refunded"]))
            else:
                self._refund(intent, int(obj["amount_refunded"]))
        else:
            withdrawal = next(w for w in self.withdrawals if w.payout == obj["id"])
            in_flight = ledger.payouts(withdrawal.provider.profile_id or "")
            if pending.apply == "paid":
                self._move(in_flight, CLEARING, withdrawal.amount)
            else:
                self._move(in_flight, wallet_of(withdrawal.provider), withdrawal.amount)
            withdrawal.status = pending.apply

    def _succeeded(self, intent: Intent, outcome: str) -> None:
        intent.succeeded = True
        milestone, deal = intent.milestone, intent.deal
        if milestone is not None and deal is not None and milestone.status == "pending":
            assert outcome == "milestone funded", outcome
            self._move(CLEARING, ledger.escrow(deal.contract_id), intent.amount)
            milestone.status = "funded"
            deal.funded += intent.amount
        else:
            assert outcome == "wallet credited", outcome
            self._move(CLEARING, wallet_of(intent.customer), intent.amount)
        for cumulative in intent.held:  # held refunds are applied right after, in the order they arrived
            self._refund(intent, cumulative)
        intent.held = []

    def _refund(self, intent: Intent, cumulative: int) -> None:
        delta = cumulative - intent.booked_refunds
        if delta <= 0:
            return
        covered = min(delta, max(0, self.expected[wallet_of(intent.customer)]))
        self.expected[wallet_of(intent.customer)] -= covered
        self.expected[ledger.LOSSES] -= delta - covered
        self.expected[CLEARING] += delta
        intent.booked_refunds = cumulative

    @precondition(lambda self: bool(self.delivered))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        event = data.draw(st.sampled_from(self.delivered), label="replayed event")
        obj = event["data"]["object"]
        held = event["type"] == "charge.refunded" and not self.intents[obj["payment_intent"]].succeeded
        # a refund held for a payment that has not succeeded is held again (the same item): still nothing moves
        assert self.world.ok(event) == ("held until the payment succeeds" if held else "duplicate")

    # --- invariants --------------------------------------------------------------------------------------

    @invariant()
    def books_hold(self) -> None:
        if not self.deals:
            return
        moved: dict[str, int] = {}
        for account in sorted(self.accounts | set(SHARED)):
            balance = ledger_repo.balance(account, EUR)
            if account not in SHARED:
                entries = EntryItem.query(
                    ledger_repo.key(account), EntryItem.sk.startswith("ENTRY#"), consistent_read=True
                )
                assert balance == sum(int(e.amount) for e in entries), account  # (a) balance = its entries
                if not ledger.may_go_negative(account):
                    assert balance >= 0, account  # (b)
            moved[account] = balance - self.baseline.get(account, 0)
        assert sum(moved.values()) == 0, moved  # (a) the touched accounts sum to zero
        for deal in self.deals:
            contract = contracts_repo.get(deal.contract_id)
            assert contract is not None
            held = int(contract.funded_total) - int(contract.released_total) - int(contract.refunded_total)
            assert ledger_repo.balance(ledger.escrow(deal.contract_id), EUR) == held  # (c)
            assert (int(contract.funded_total), int(contract.released_total)) == (deal.funded, deal.released)
        expected = {a: self.expected[a] for a in moved}
        assert moved == expected, f"the books moved {moved}; applying each event once gives {expected}"  # (d)


SETTINGS = settings(
    max_examples=3,
    stateful_step_count=14,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def world(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeWorld]:
    yield from stripe_world(monkeypatch)


def test_ledger_invariants_hold_on_card_and_webhook_paths(world: StripeWorld) -> None:
    StripeLedger.world = world
    run_state_machine_as_test(StripeLedger, settings=SETTINGS)
