"""Ledger invariants under random command sequences (hypothesis stateful testing against moto server).

Each example builds 2-3 active contracts (market.active_contract) and then, step by step, issues one
of the commands that is plausible in the current state: a deposit, a bonus, an amendment (proposed, then
accepted or rejected), a termination (agreed or decided by an admin), a refund of a deposit to its card
through the API (reserved out of the wallet, then sent: `refunds.request`), funding from the wallet or
by card, a submission, an acceptance, a revision request, a dispute, an admin split; and now and then
one the state must refuse (wrong actor, wrong state, a replay, a split that does not add up, an empty
wallet, a refund beyond what the wallet holds or the payment has left, or of someone else's payment),
which must raise the expected DomainError and change nothing. After every step the invariants are
read back from DynamoDB:

(a) every posting's legs sum to zero; the balances of the accounts this example touches sum to zero
    (the shared `revenue:platform` and `clearing:sandbox` counted by their change since the example
    began); each account's balance moved exactly as the entries written to it say;
(b) no wallet, refunds-in-flight or escrow balance is negative;
(c) each contract's escrow balance equals funded_total - released_total - refunded_total.

A model of the expected balances, totals and statuses is kept alongside and compared too. The
workflow is not pumped: the service commands are authoritative for the ledger. Entries are read again
where a balance moved, and all of them every fourth step (`_read`).

Every step costs real transactions on moto, so the examples are few and short. Shrinking is on, in what
is left of the test's time (`leave_time_to_shrink`): each shrink attempt replays a whole example,
contracts included.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from ulid import ULID

from chalicelib.adapters import contracts_repo, ledger_repo
from chalicelib.adapters.table import ContractItem, EntryItem
from chalicelib.domain import ledger
from chalicelib.domain.amendments import AddMilestone, ChangeMilestone, NewAmendment, RemoveMilestone
from chalicelib.domain.commission import commission
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, DomainError, Forbidden, NotFound
from chalicelib.domain.money import Money
from chalicelib.services import amendments, bonus, escrow, refunds, termination, wallet
from chalicelib.services.identity import Actor
from tests.integration.market import ADMIN, active_contract, put_file

EUR = "EUR"
CLEARING = ledger.clearing("sandbox")
SHARED = (ledger.REVENUE, CLEARING)

# pytest-timeout stops this test at TEST_SECONDS + 60 s, and with it hypothesis' report of a failure:
# shrinking gets what is left of TEST_SECONDS (at least MIN_SHRINK_SECONDS), leaving room for the fixtures
# and the final replay. Generation alone takes 1 to 4 minutes: moto's Queries grow with the session's table.
TEST_SECONDS = 360
MIN_SHRINK_SECONDS = 30

amounts = st.lists(st.integers(min_value=1, max_value=60000), min_size=1, max_size=2).map(tuple)
deposits = st.integers(min_value=0, max_value=120000)


@dataclass
class Milestone:
    id: str
    amount: int
    status: str = "pending"


@dataclass
class Deposit:
    """A deposit the example made (`wallet.deposit`): its payment, and what went back to the card."""

    id: str
    amount: int
    refunded: int = 0


@dataclass
class Deal:
    customer: Actor = field(repr=False)
    provider: Actor = field(repr=False)
    contract_id: str
    bps: int
    milestones: list[Milestone]
    funded: int = 0
    released: int = 0
    refunded: int = 0
    spare_upload: str | None = None
    deposits: list[Deposit] = field(default_factory=list)
    terminated: bool = False

    @property
    def customer_wallet(self) -> str:
        return ledger.wallet(self.customer.profile_id or "")

    @property
    def provider_wallet(self) -> str:
        return ledger.wallet(self.provider.profile_id or "")

    @property
    def customer_refunds(self) -> str:
        return ledger.refunds(self.customer.profile_id or "")

    @property
    def escrow(self) -> str:
        return ledger.escrow(self.contract_id)

    @property
    def completed(self) -> bool:
        return not self.terminated and all(m.status in ("released", "resolved") for m in self.milestones)

    @property
    def status(self) -> str:
        return "terminated" if self.terminated else "completed" if self.completed else "active"

    @property
    def deciding(self) -> bool:
        """A milestone under review or disputed: termination waits for its decision (409)."""
        return any(m.status in ("under_review", "disputed") for m in self.milestones)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints draws with this: no profiles
        printer.text(repr(self))


@dataclass(frozen=True)
class Contract:
    status: str
    version: int
    funded: int
    released: int
    refunded: int
    milestones: tuple[tuple[str, str, int], ...]  # (id, status, version)


@dataclass(frozen=True)
class State:
    """Everything the invariants look at, read from DynamoDB."""

    balances: dict[str, int]  # account -> EUR balance
    entries: dict[str, tuple[EntryItem, ...]]  # account -> its entries (the shared ones: since the start)
    contracts: dict[str, Contract]
    shards: dict[str, int] = field(default_factory=dict)  # a shared (sharded) account's partition -> balance
    shard_entries: dict[str, tuple[EntryItem, ...]] = field(default_factory=dict)  # partition -> entries

    def fingerprint(self) -> Any:
        entries = {account: sorted(e.sk for e in items) for account, items in self.entries.items()}
        return self.balances, entries, self.contracts


def leave_time_to_shrink(started: float) -> None:
    """Call as each example starts. Hypothesis has no shrink timeout setting; it reads `MAX_SHRINKING_SECONDS`
    (monkeypatchable by design) once shrinking begins, after the failing example."""
    engine.MAX_SHRINKING_SECONDS = max(MIN_SHRINK_SECONDS, int(TEST_SECONDS - (time.monotonic() - started)))


def _entries(account: str, after: str | None) -> tuple[EntryItem, ...]:
    return tuple(ledger_repo.all_entries(account, after))


def _now_key() -> str:
    """An entry key below every entry written from now on (entry keys are ULIDs): where an example's
    entries of the shared accounts begin, without reading the session's entries of all their shards."""
    time.sleep(0.002)  # past the millisecond of anything written before
    key = f"ENTRY#{str(ULID())[:10]}"
    time.sleep(0.002)  # and what is written next is in a later millisecond
    return key


def _balances(accounts: list[str]) -> dict[str, int]:
    return {account: ledger_repo.balance(account, EUR) for account in accounts}


class LedgerMachine(RuleBasedStateMachine):
    started = 0.0  # when the test began (time.monotonic)

    def __init__(self) -> None:
        super().__init__()
        leave_time_to_shrink(self.started)
        self.deals: list[Deal] = []
        self.expected: dict[str, int] = defaultdict(int)  # own accounts: balance; shared: change since start
        # The shared accounts as the example found them. Entry keys are ULIDs, so the entries written
        # since then are those sorting after the newest one seen at the start (nothing else writes
        # while a test runs): each step's read stays small however much the session has posted.
        self.start: dict[str, int] = {}
        self.since: dict[str, str] = {}
        # The state the last invariant check read. Nothing writes between steps (the workflow is
        # not pumped), so it is also the state the next step starts from, and what a partial read reuses.
        self.last: State | None = None
        self.acted: set[str] = set()  # the contracts the current step acts on (see _read)
        self.steps = 0
        self.last_illegal = 0

    # --- building -----------------------------------------------------------------------

    @initialize(contracts=st.lists(st.tuples(amounts, deposits), min_size=2, max_size=3))
    def build(self, contracts: list[tuple[tuple[int, ...], int]]) -> None:
        self.start = _balances(list(SHARED))
        for account in SHARED:
            self.since[account] = _now_key()
        for milestone_amounts, deposit in contracts:
            customer, provider, contract, milestones = active_contract(milestone_amounts)
            deal = Deal(
                customer,
                provider,
                contract.id,
                int(contract.commission_bps),
                [Milestone(m.id, int(m.amount)) for m in milestones],
            )
            self.deals.append(deal)
            if deposit:
                self._deposit(deal, deposit)

    def _move(self, source: str, target: str, amount: int) -> None:
        self.expected[source] -= amount
        self.expected[target] += amount

    def _with(self, *statuses: str) -> list[tuple[Deal, Milestone]]:
        return [(d, m) for d in self.deals for m in d.milestones if m.status in statuses]

    def _pick(self, data: st.DataObject, *statuses: str) -> tuple[Deal, Milestone]:
        deal, milestone = data.draw(st.sampled_from(self._with(*statuses)), label="milestone")
        self.acted.add(deal.contract_id)
        return deal, milestone

    def _settled(self) -> bool:
        return all(d.status != "active" for d in self.deals)

    def _live(self) -> list[Deal]:
        return [d for d in self.deals if d.status == "active"]

    def _terminable(self) -> list[Deal]:
        return [d for d in self._live() if not d.deciding]

    def _short(self) -> list[Deal]:
        return [d for d, m in self._with("pending") if self.expected[d.customer_wallet] < m.amount]

    def _refundable(self) -> list[tuple[Deal, Deposit]]:
        """Deposits with something left to refund (whether or not the wallet still holds it)."""
        return [(d, p) for d in self.deals for p in d.deposits if p.refunded < p.amount]

    # --- the step -------------------------------------------------------------------------

    def _plausible(self) -> list[str]:
        """The commands that make sense now; those that settle a milestone first (hypothesis favours them)."""
        offered = {
            "accept": bool(self._with("under_review")),
            "resolve": bool(self._with("disputed")),
            "dispute": bool(self._with("under_review", "funded", "revision_requested")),
            "request_revision": bool(self._with("under_review")),
            "submit": bool(self._with("funded", "revision_requested")),
            "fund": bool(self._with("pending")),
            "deposit": bool(self._short()),
            "refund": bool(self._refundable()),
            "bonus": bool(self._payers()),
            "amend": bool(self._live()),
            "terminate": bool(self._terminable()) and self.steps > 4,  # let some money move first
            # at most every third step, unless every milestone is settled and nothing else is left
            "illegal_command": self.steps - self.last_illegal >= 3 or self._settled(),
        }
        return [name for name, plausible in offered.items() if plausible]

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One command per step, drawn from the plausible ones.

        A single rule rather than one per command: hypothesis switches rules off at random per example
        (swarm testing), and an example left with no enabled rule that is plausible is thrown away,
        after its contracts were built at a cost of seconds.
        """
        self.steps += 1
        self.acted = set()
        command = data.draw(st.sampled_from(self._plausible()), label="command")
        event(command)  # `pytest --hypothesis-show-statistics` tells how often each command ran
        getattr(self, command)(data)

    # --- plausible commands -------------------------------------------------------------

    def deposit(self, data: st.DataObject) -> None:
        """A customer whose wallet cannot fund a pending milestone tops it up (by any amount)."""
        deal = data.draw(st.sampled_from(self._short()), label="deal")
        self.acted.add(deal.contract_id)
        amount = data.draw(st.integers(min_value=1, max_value=150000), label="amount")
        self._deposit(deal, amount)

    def _deposit(self, deal: Deal, amount: int) -> None:
        result = wallet.deposit(deal.customer, Money(amount, EUR))
        assert result["status"] == "succeeded"
        deal.deposits.append(Deposit(result["id"], amount))
        self._move(CLEARING, deal.customer_wallet, amount)

    def refund(self, data: st.DataObject) -> None:
        """The customer sends part of a deposit back to the card: out of the wallet, never out of an escrow (422)."""
        deal, deposit = data.draw(st.sampled_from(self._refundable()), label="deposit")
        self.acted.add(deal.contract_id)
        left, held = deposit.amount - deposit.refunded, self.expected[deal.customer_wallet]
        if held < left and (held == 0 or data.draw(st.booleans(), label="more than the wallet holds")):
            amount = data.draw(st.integers(min_value=held + 1, max_value=left), label="refund")
            self._refused(BusinessRuleViolated, refunds.request, deal.customer, deposit.id, Money(amount, EUR), None)
            return  # the payment has it, the wallet no longer does (it funded a milestone)
        amount = data.draw(st.integers(min_value=1, max_value=min(left, held)), label="refund")
        payment = refunds.request(deal.customer, deposit.id, Money(amount, EUR), None)
        assert payment.refunds[-1]["status"] == "succeeded"  # the sandbox refunds at once
        deposit.refunded += amount
        assert int(payment.refunded) == deposit.refunded
        self._move(deal.customer_wallet, CLEARING, amount)

    def fund(self, data: st.DataObject) -> None:
        deal, milestone = self._pick(data, "pending")
        source = data.draw(st.sampled_from(["wallet", "card"]), label="source")
        if source == "wallet" and self.expected[deal.customer_wallet] < milestone.amount:
            self._refused(
                BusinessRuleViolated, escrow.fund_milestone, deal.customer, deal.contract_id, milestone.id, source
            )
            return
        funded = escrow.fund_milestone(deal.customer, deal.contract_id, milestone.id, source).milestone
        assert funded.status == "funded"
        self._move(deal.customer_wallet if source == "wallet" else CLEARING, deal.escrow, milestone.amount)
        deal.funded += milestone.amount
        milestone.status = "funded"

    def _payers(self) -> list[Deal]:
        return [d for d in self.deals if not d.terminated and self.expected[d.customer_wallet] > 0]

    def amend(self, data: st.DataObject) -> None:
        """One party proposes a supplementary agreement and the other accepts (or rejects) it: only pending
        milestones change, no money moves, the contract's version rises."""
        deal = data.draw(st.sampled_from(self._live()), label="deal")
        self.acted.add(deal.contract_id)
        pending = [m for m in deal.milestones if m.status == "pending"]
        to_do = [m for m in deal.milestones if m.status not in ("released", "resolved")]
        ops = ["add"] + (["change"] if pending else []) + (["remove"] if pending and len(to_do) > 1 else [])
        op = data.draw(st.sampled_from(ops), label="amendment")
        amount = data.draw(st.integers(min_value=1, max_value=60000), label="amount")
        target = data.draw(st.sampled_from(pending), label="pending milestone") if op != "add" else None
        change: Any = {
            "add": lambda: AddMilestone("Extra work", Money(amount, EUR), date(2027, 3, 1)),
            "change": lambda: ChangeMilestone(target.id, amount=Money(amount + (amount == target.amount), EUR)),
            "remove": lambda: RemoveMilestone(target.id),
        }[op]()
        by_customer = data.draw(st.booleans(), label="proposed by the customer")
        proposer, other = (deal.customer, deal.provider) if by_customer else (deal.provider, deal.customer)
        proposed = amendments.propose(proposer, deal.contract_id, NewAmendment("Scope moved", (change,)))
        if data.draw(st.integers(0, 3), label="rejected") == 0:
            assert amendments.reject(other, deal.contract_id, proposed.id).status == "rejected"
            return
        assert amendments.accept(other, deal.contract_id, proposed.id).status == "accepted"
        if op == "add":
            known = {m.id for m in deal.milestones}
            added = [m for m in contracts_repo.milestones(deal.contract_id) if m.id not in known]
            assert [int(m.amount) for m in added] == [amount]
            deal.milestones.append(Milestone(added[0].id, amount))
        elif op == "change" and target is not None:
            target.amount = amount + (amount == target.amount)
        elif target is not None:
            deal.milestones.remove(target)

    def terminate(self, data: st.DataObject) -> None:
        """The parties agree (or an admin decides) to end the deal: undelivered escrow goes back to the
        customer's wallet, pending milestones are cancelled, released money stays."""
        deal = data.draw(st.sampled_from(self._terminable()), label="deal")
        self.acted.add(deal.contract_id)
        how = data.draw(st.sampled_from(["admin", "customer proposes", "provider proposes"]), label="how")
        if how == "admin":
            ended = termination.terminate(ADMIN, deal.contract_id, "Decided")
        else:
            first, second = (
                (deal.customer, deal.provider) if how == "customer proposes" else (deal.provider, deal.customer)
            )
            assert termination.terminate(first, deal.contract_id, "We stop here")[0].status == "active"
            ended = termination.terminate(second, deal.contract_id, None)
        assert ended[0].status == "terminated"
        for milestone in deal.milestones:
            if milestone.status in ("funded", "revision_requested"):
                self._move(deal.escrow, deal.customer_wallet, milestone.amount)
                deal.refunded += milestone.amount
                milestone.status = "refunded"
            elif milestone.status == "pending":
                milestone.status = "cancelled"
        deal.terminated = True

    def bonus(self, data: st.DataObject) -> None:
        """The customer pays the provider extra out of the wallet: less commission, never beyond the wallet (422)."""
        deal = data.draw(st.sampled_from(self._payers()), label="deal")
        self.acted.add(deal.contract_id)
        held = self.expected[deal.customer_wallet]
        if data.draw(st.integers(0, 4), label="beyond the wallet") == 0:
            amount = data.draw(st.integers(held + 1, held + 50000), label="bonus")
            self._refused(
                BusinessRuleViolated, bonus.pay_bonus, deal.customer, deal.contract_id, Money(amount, EUR), None
            )
            return
        amount = data.draw(st.integers(1, held), label="bonus")
        paid = bonus.pay_bonus(deal.customer, deal.contract_id, Money(amount, EUR), "thanks")
        fee = commission(amount, deal.bps)
        assert paid.amount == Money(amount, EUR)
        self.expected[deal.customer_wallet] -= amount
        self.expected[deal.provider_wallet] += amount - fee
        self.expected[ledger.REVENUE] += fee

    def submit(self, data: st.DataObject) -> None:
        deal, milestone = self._pick(data, "funded", "revision_requested")
        upload = put_file(deal.provider, "deliverable")
        submitted = escrow.submit(deal.provider, deal.contract_id, milestone.id, [upload], "here it is")
        assert submitted.status == "under_review"
        milestone.status = "under_review"

    def accept(self, data: st.DataObject) -> None:
        deal, milestone = self._pick(data, "under_review")
        accepted = escrow.accept(deal.customer, deal.contract_id, milestone.id)
        assert accepted.status == "released"
        fee = commission(milestone.amount, deal.bps)
        self.expected[deal.escrow] -= milestone.amount
        self.expected[deal.provider_wallet] += milestone.amount - fee
        self.expected[ledger.REVENUE] += fee
        deal.released += milestone.amount
        milestone.status = "released"

    def request_revision(self, data: st.DataObject) -> None:
        deal, milestone = self._pick(data, "under_review")
        revised = escrow.request_revision(deal.customer, deal.contract_id, milestone.id, "Please add tests")
        assert revised.status == "revision_requested"
        milestone.status = "revision_requested"

    def dispute(self, data: st.DataObject) -> None:
        deal, milestone = self._pick(data, "under_review", "funded", "revision_requested")
        delivered = milestone.status == "under_review"  # work never delivered: the customer's non-delivery dispute
        by = data.draw(st.sampled_from(["customer", "provider"] if delivered else ["customer"]), label="opened by")
        party = deal.customer if by == "customer" else deal.provider
        disputed = escrow.dispute(party, deal.contract_id, milestone.id, "We disagree")
        assert disputed.status == "disputed"
        milestone.status = "disputed"

    def resolve(self, data: st.DataObject) -> None:
        deal, milestone = self._pick(data, "disputed")
        release = data.draw(st.integers(min_value=0, max_value=milestone.amount), label="releaseAmount")
        refund = milestone.amount - release
        resolved = escrow.resolve(
            ADMIN, deal.contract_id, milestone.id, Money(release, EUR), Money(refund, EUR), "Split decided"
        )
        assert resolved.status == "resolved"
        fee = commission(release, deal.bps)
        self.expected[deal.escrow] -= milestone.amount
        self.expected[deal.provider_wallet] += release - fee
        self.expected[deal.customer_wallet] += refund
        self.expected[ledger.REVENUE] += fee
        deal.released += release
        deal.refunded += refund
        milestone.status = "resolved"

    # --- commands that must be refused ----------------------------------------------------

    def illegal_command(self, data: st.DataObject) -> None:
        """A command the current state refuses, state-dependent refusals first; it must change nothing."""
        self.last_illegal = self.steps
        every = [(d, m) for d in self.deals for m in d.milestones]
        deal, milestone = data.draw(st.sampled_from(every), label="milestone")
        self.acted.add(deal.contract_id)
        cid, mid, status, amount = deal.contract_id, milestone.id, milestone.status, milestone.amount
        customer, provider = deal.customer, deal.provider
        everything = (Money(amount, EUR), Money(0, EUR), None)
        options: dict[str, tuple[type[DomainError], Any, tuple[Any, ...]]] = {}
        if status != "under_review":  # includes a replayed acceptance of a released milestone
            options["accept again"] = (Conflict, escrow.accept, (customer, cid, mid))
            options["dispute now"] = (Conflict, escrow.dispute, (provider, cid, mid, "again"))
            options["revision now"] = (Conflict, escrow.request_revision, (customer, cid, mid, "again"))
        if status != "pending":
            source = data.draw(st.sampled_from(["wallet", "card"]), label="source")
            options[f"fund again from {source}"] = (Conflict, escrow.fund_milestone, (customer, cid, mid, source))
        elif self.expected[deal.customer_wallet] < amount:
            options["fund from a short wallet"] = (
                BusinessRuleViolated,
                escrow.fund_milestone,
                (customer, cid, mid, "wallet"),
            )
        if deal.terminated:
            options["terminate again"] = (Conflict, termination.terminate, (ADMIN, cid, "again"))
            options["bonus after termination"] = (Conflict, bonus.pay_bonus, (customer, cid, Money(1, EUR), None))
        elif deal.deciding:
            options["terminate while deciding"] = (Conflict, termination.terminate, (ADMIN, cid, "now"))
        if status != "disputed":
            options["resolve undisputed"] = (Conflict, escrow.resolve, (ADMIN, cid, mid, *everything))
        else:
            release = data.draw(st.integers(min_value=0, max_value=amount), label="releaseAmount")
            refund = data.draw(
                st.integers(min_value=0, max_value=2 * amount).filter(lambda r: r != amount - release),
                label="refundAmount",
            )
            split = (Money(release, EUR), Money(refund, EUR), None)
            options["split not adding up"] = (BusinessRuleViolated, escrow.resolve, (ADMIN, cid, mid, *split))
        if deal.deposits:
            deposit = data.draw(st.sampled_from(deal.deposits), label="deposit")
            too_much = deposit.amount - deposit.refunded + data.draw(st.integers(1, 50000), label="beyond")
            options["refund beyond the payment"] = (
                BusinessRuleViolated,
                refunds.request,
                (customer, deposit.id, Money(too_much, EUR), None),
            )
            options["refund as the provider"] = (NotFound, refunds.request, (provider, deposit.id, Money(1, EUR), None))
        if status not in ("funded", "revision_requested"):
            upload = [self._spare_upload(deal)]
            options["submit now"] = (Conflict, escrow.submit, (provider, cid, mid, upload, None))
        options |= {
            "accept as provider": (Forbidden, escrow.accept, (provider, cid, mid)),
            "fund as provider": (Forbidden, escrow.fund_milestone, (provider, cid, mid, "card")),
            "resolve as customer": (Forbidden, escrow.resolve, (customer, cid, mid, *everything)),
            "resolve as provider": (Forbidden, escrow.resolve, (provider, cid, mid, *everything)),
            "submit as customer": (Forbidden, escrow.submit, (customer, cid, mid, [], None)),
            "revision as provider": (Forbidden, escrow.request_revision, (provider, cid, mid, "no")),
        }
        error, command, args = options[data.draw(st.sampled_from(list(options)), label="illegal")]
        self._refused(error, command, *args)

    def _spare_upload(self, deal: Deal) -> str:
        """A real deliverable for submissions that must be refused (before the upload is claimed)."""
        if deal.spare_upload is None:
            deal.spare_upload = put_file(deal.provider, "deliverable")
        return deal.spare_upload

    def _refused(self, error: type[DomainError], command: Any, *args: Any) -> None:
        before = (self.last or self._read()).fingerprint()
        with pytest.raises(error):
            command(*args)
        assert self._read().fingerprint() == before, f"the refused {command.__name__} changed something"

    # --- reading back ---------------------------------------------------------------------

    def _own_accounts(self) -> list[str]:
        return [a for d in self.deals for a in (d.customer_wallet, d.customer_refunds, d.provider_wallet, d.escrow)]

    def _read(self, full: bool = False) -> State:
        """Every balance and contract; the entries of an account whose balance moved and the milestones of a
        contract whose version moved; the rest as the last read found them, unless `full`.

        Every Query costs moto a pass over the whole table (the session's, not the example's), and a step
        moves two or three accounts of a dozen. A refund moves its refunds account there and back in one
        step, so that account is read whenever its deal acted. A write that moves no balance and bumps no
        version (an entry written alone) shows at the next full read, every fourth step.
        """
        accounts = [*self._own_accounts(), *SHARED]
        shards = {p: b for a in SHARED for p, b in ledger_repo.shard_balances(a, EUR).items()}
        balances = _balances(list(self._own_accounts())) | {
            a: sum(shards[p] for p in ledger_repo.partitions(a)) for a in SHARED
        }
        found = ContractItem.batch_get(
            [(contracts_repo.key(d.contract_id), "CONTRACT") for d in self.deals], consistent_read=True
        )
        contracts = {c.id: c for c in found}
        last = None if full else self.last
        fresh = {d.customer_refunds for d in self.deals if d.contract_id in self.acted}

        def shard_entries(account: str, partition: str) -> tuple[EntryItem, ...]:
            """A platform account is 16 partitions: only those whose balance moved are read again."""
            if last is not None and last.shards.get(partition) == shards[partition]:
                return last.shard_entries[partition]
            return tuple(ledger_repo.partition_entries(partition, self.since.get(account)))

        by_partition = {p: shard_entries(a, p) for a in SHARED for p in ledger_repo.partitions(a)}

        def entries(account: str) -> tuple[EntryItem, ...]:
            if account in SHARED:
                found = [e for p in ledger_repo.partitions(account) for e in by_partition[p]]
                return tuple(sorted(found, key=lambda e: str(e.sk)))
            if last is not None and account not in fresh and last.balances.get(account) == balances[account]:
                return last.entries[account]
            return _entries(account, self.since.get(account))

        def milestones(contract: ContractItem) -> tuple[tuple[str, str, int], ...]:
            before = last.contracts.get(contract.id) if last is not None else None
            if before is not None and before.version == int(contract.version):
                return before.milestones
            return tuple((m.id, m.status, int(m.version)) for m in contracts_repo.milestones(contract.id))

        return State(
            balances,
            {account: entries(account) for account in accounts},
            {
                d.contract_id: Contract(
                    contracts[d.contract_id].status,
                    int(contracts[d.contract_id].version),
                    int(contracts[d.contract_id].funded_total),
                    int(contracts[d.contract_id].released_total),
                    int(contracts[d.contract_id].refunded_total),
                    milestones(contracts[d.contract_id]),
                )
                for d in self.deals
            },
            shards,
            by_partition,
        )

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def books_balance(self) -> None:
        if not self.deals:
            return
        self.last = state = self._read(full=self.steps % 4 == 0)
        own = self._own_accounts()
        # What each account moved by in this example: own accounts began at zero.
        moved = {a: balance - self.start.get(a, 0) for a, balance in state.balances.items()}
        for account, entries in state.entries.items():
            assert {e.currency for e in entries} <= {EUR}, f"{account} has entries in {[e.currency for e in entries]}"
            # (a) the balance moved exactly as the entries written to the account say
            written = sum(int(e.amount) for e in entries)
            assert moved[account] == written, f"{account}: balance moved by {moved[account]}, its entries by {written}"
        # (a) the example's accounts, with the shared ones' change, sum to zero
        assert sum(moved.values()) == 0, f"the ledger does not sum to zero: {moved}"
        # (a) every posting that touched this example's accounts balances across its legs
        touched = {e.posting_id for a in own for e in state.entries[a]}
        postings: dict[str, int] = defaultdict(int)
        for entries in state.entries.values():
            for entry in entries:
                if entry.posting_id in touched:
                    postings[entry.posting_id] += int(entry.amount)
        unbalanced = {p: total for p, total in postings.items() if total}
        assert not unbalanced, f"postings whose legs do not sum to zero: {unbalanced}"
        # (b) nothing that holds someone's money is negative
        negative = {a: state.balances[a] for a in own if state.balances[a] < 0}
        assert not negative, f"negative balances: {negative}"
        for deal in self.deals:
            contract = state.contracts[deal.contract_id]
            # (c) escrow == funded - released - refunded
            held = state.balances[deal.escrow]
            assert held == contract.funded - contract.released - contract.refunded, (
                f"escrow {deal.contract_id} holds {held}; funded {contract.funded} - released {contract.released}"
                f" - refunded {contract.refunded}"
            )
            # and the model agrees with the contract
            totals = (contract.funded, contract.released, contract.refunded)
            assert totals == (deal.funded, deal.released, deal.refunded)
            assert [(m_id, s) for m_id, s, _ in contract.milestones] == [(m.id, m.status) for m in deal.milestones]
            assert contract.status == deal.status
        # the model agrees with the books
        expected = {account: self.expected[account] for account in moved}
        assert moved == expected, f"balances moved by {moved}, the model says {expected}"


MACHINE_SETTINGS = settings(
    max_examples=4,
    stateful_step_count=14,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.mark.timeout(TEST_SECONDS + 60)
def test_ledger_invariants_hold_under_random_commands(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", engine.MAX_SHRINKING_SECONDS)  # restored afterwards
    LedgerMachine.started = time.monotonic()
    run_state_machine_as_test(LedgerMachine, settings=MACHINE_SETTINGS)


def test_a_split_divides_only_the_escrowed_money(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((10000,), deposit=15000)
    escrow.fund_milestone(customer, contract.id, only.id, "wallet")
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    escrow.dispute(customer, contract.id, only.id, "Not what we agreed")
    accounts = [
        ledger.wallet(customer.profile_id or ""),
        ledger.wallet(provider.profile_id or ""),
        ledger.escrow(contract.id),
    ]
    before = _balances(accounts)
    assert before == dict(zip(accounts, [5000, 0, 10000], strict=True))

    with pytest.raises(BusinessRuleViolated) as refused:
        escrow.resolve(ADMIN, contract.id, only.id, Money(15000, EUR), Money(-5000, EUR), "more than escrowed")
    assert refused.value.errors == [{"field": "refundAmount", "message": "must not be negative"}]
    assert _balances(accounts) == before
