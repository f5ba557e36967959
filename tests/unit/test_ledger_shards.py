"""Platform accounts are split into shards: every contract's release and every card payment must not
write the same partition, and each shard still balances with its own entries."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from chalicelib.adapters import ledger_repo
from chalicelib.adapters.table import BalanceItem, EntryItem
from chalicelib.domain import ledger
from chalicelib.domain.ledger import Leg, Posting
from chalicelib.domain.money import Money


class Recorder:
    """A unit of work that only remembers what a repository added (add_posting reads nothing)."""

    def __init__(self) -> None:
        self.updates: list[tuple[Any, Any]] = []
        self.saves: list[Any] = []

    def save(self, item: Any, condition: Any = None) -> None:
        self.saves.append(item)

    def update(self, item: Any, actions: list[Any], condition: Any = None) -> None:
        self.updates.append((item, condition))

    def delete(self, item: Any, condition: Any = None) -> None:
        raise AssertionError("a posting deletes nothing")


def _post(posting: Posting) -> Recorder:
    uow = Recorder()
    ledger_repo.add_posting(uow, posting, "2026-12-02T00:00:00Z")
    return uow


def test_only_the_platform_accounts_are_sharded() -> None:
    assert ledger.platform_account(ledger.REVENUE) and ledger.platform_account(ledger.LOSSES)
    assert ledger.platform_account(ledger.clearing("stripe"))
    for mine in (ledger.wallet("p1"), ledger.escrow("c1"), ledger.payouts("p1"), ledger.refunds("p1")):
        assert not ledger.platform_account(mine)
        assert ledger_repo.partitions(mine) == [ledger_repo.key(mine)]
    shards = ledger_repo.partitions(ledger.REVENUE)
    assert len(shards) == len(set(shards)) == ledger_repo.PLATFORM_SHARDS


def test_a_card_deposit_spreads_over_the_clearing_shards_and_the_wallet_stays_whole() -> None:
    used: Counter[str] = Counter()
    for _ in range(200):
        uow = _post(ledger.deposit("p1", Money(500, "EUR"), "stripe"))
        balances = {item.pk: condition for item, condition in uow.updates}
        entries = [item for item in uow.saves if isinstance(item, EntryItem)]
        assert all(isinstance(item, BalanceItem) for item, _ in uow.updates)
        # each leg's entry lands in the partition whose balance it moves
        assert {e.pk for e in entries} == set(balances)
        (shard,) = [pk for pk in balances if pk != ledger_repo.key(ledger.wallet("p1"))]
        assert shard in ledger_repo.partitions(ledger.clearing("stripe"))
        assert balances[shard] is None  # clearing may go negative: no condition on a shard
        used[shard] += 1
    assert len(used) > ledger_repo.PLATFORM_SHARDS // 2  # spread, not one hot partition


def test_a_debit_of_the_wallet_keeps_its_condition() -> None:
    uow = _post(ledger.fund_from_wallet("p1", "c1", Money(500, "EUR")))
    conditions = {item.pk: condition for item, condition in uow.updates}
    assert conditions[ledger_repo.key(ledger.wallet("p1"))] is not None
    assert conditions[ledger_repo.key(ledger.escrow("c1"))] is None


def test_a_sharded_account_that_may_not_go_negative_is_never_debited() -> None:
    """No shard knows whether the whole account covers a debit: such a posting is a programming error."""
    posting = Posting("clawback", (Leg(ledger.REVENUE, -100, "EUR"), Leg(ledger.wallet("p1"), 100, "EUR")))
    with pytest.raises(ValueError, match="sharded"):
        _post(posting)


def test_entries_of_a_platform_account_are_read_by_period_not_paged() -> None:
    with pytest.raises(ValueError, match="entries_around"):
        ledger_repo.entries(ledger.REVENUE, 20, None)
