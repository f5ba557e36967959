"""Ledger postings as TransactWriteItems operations: balance updates with conditions, plus entries.

An account lives in one partition (`ACCOUNT#<account>`: its balance items and its entries), except the
platform accounts every contract touches (`revenue:platform`, `losses:platform`, `clearing:<gateway>`):
each of those is PLATFORM_SHARDS partitions (`ACCOUNT#<account>#<nn>`). A posting writes each platform
account's leg to one shard picked at random, balance and entries together, so every shard's balance is
the sum of its entries and the account's balance is the sum of its shards.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from ulid import ULID

from chalicelib.adapters import paging
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import BalanceItem, EntryItem
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.ledger import Posting, may_go_negative, platform_account

Balance = BalanceItem
Entry = EntryItem
ENTRY_PREFIX = "ENTRY#"
BALANCE_PREFIX = "BALANCE#"
# 16 partitions take 16,000 writes/s: at ~3 platform-account writes per contract that is ~5,000 contracts/s,
# past the 1,000/s goal with room; reading a balance is one BatchGetItem of 16 keys.
PLATFORM_SHARDS = 16


def key(account: str) -> str:
    """The partition of an account that is not sharded (a wallet, an escrow, payouts in flight)."""
    return f"ACCOUNT#{account}"


def partitions(account: str) -> list[str]:
    """Every partition holding the account: one, or PLATFORM_SHARDS for a platform account."""
    if not platform_account(account):
        return [key(account)]
    return [f"{key(account)}#{shard:02d}" for shard in range(PLATFORM_SHARDS)]


def _write_partition(account: str) -> str:
    return random.choice(partitions(account))


def add_posting(
    uow: Writes, posting: Posting, at: str, contract_id: str | None = None, milestone_id: str | None = None
) -> str:
    """Queue the posting in `uow`: a debit is conditional on the balance covering it, so nothing goes negative."""
    posting_id = new_id()
    partition = {account: _write_partition(account) for account in sorted({leg.account for leg in posting.legs})}
    for (account, currency), change in sorted(posting.net().items()):
        balance = BalanceItem(pk=partition[account], sk=f"{BALANCE_PREFIX}{currency}")
        actions = [
            BalanceItem.balance.add(change),
            BalanceItem.type.set("Balance"),
            BalanceItem.account.set(account),
            BalanceItem.currency.set(currency),
        ]
        condition = None
        if change < 0 and not may_go_negative(account):
            if platform_account(account):  # a shard cannot know whether the account covers the debit
                raise ValueError(f"{account} is sharded: it may only be debited if it may go negative")
            condition = BalanceItem.balance >= -change
        uow.update(balance, actions=actions, condition=condition)
    for leg in posting.legs:
        uow.save(
            EntryItem(
                pk=partition[leg.account],
                sk=f"{ENTRY_PREFIX}{new_id()}",
                type="Entry",
                gsi1pk=f"POSTING#{posting_id}",
                gsi1sk=leg.account,
                account=leg.account,
                posting_id=posting_id,
                kind=posting.kind,
                amount=leg.amount,
                currency=leg.currency,
                contract_id=contract_id,
                milestone_id=milestone_id,
                at=at,
            )
        )
    return posting_id


def balances(account: str) -> list[BalanceItem]:
    """The account's balance in each currency it has held (one Query per partition)."""
    found = [
        item
        for partition in partitions(account)
        for item in BalanceItem.query(partition, BalanceItem.sk.startswith(BALANCE_PREFIX), consistent_read=True)
    ]
    if not platform_account(account):
        return found
    total: defaultdict[str, int] = defaultdict(int)
    for item in found:
        total[item.currency] += int(item.balance)
    return [
        BalanceItem(key(account), f"{BALANCE_PREFIX}{c}", account=account, currency=c, balance=n)
        for c, n in sorted(total.items())
    ]


def balance(account: str, currency: str) -> int:
    """One GetItem, or for a platform account one BatchGetItem of its shards, summed."""
    if not platform_account(account):
        try:
            return int(BalanceItem.get(key(account), f"{BALANCE_PREFIX}{currency}", consistent_read=True).balance)
        except BalanceItem.DoesNotExist:
            return 0
    return sum(shard_balances(account, currency).values())


def shard_balances(account: str, currency: str) -> dict[str, int]:
    """Each partition's balance (one BatchGetItem): which shards a posting moved, for checks of the books."""
    keys = [(partition, f"{BALANCE_PREFIX}{currency}") for partition in partitions(account)]
    found = {str(item.pk): int(item.balance) for item in BalanceItem.batch_get(keys, consistent_read=True)}
    return {partition: found.get(partition, 0) for partition, _ in keys}


def _one_partition(account: str) -> str:
    if platform_account(account):
        raise ValueError(f"{account} is sharded: read its entries by period (entries_around)")
    return key(account)


def entries(account: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = _one_partition(account)
    return paging.collect(
        lambda start: EntryItem.query(
            partition,
            EntryItem.sk.startswith(ENTRY_PREFIX),
            scan_index_forward=False,
            last_evaluated_key=start,
            page_size=limit,
        ),
        limit,
        cursor,
        ("pk", partition),
    )


def recent_entries(account: str, limit: int) -> Iterable[EntryItem]:
    """The account's entries, newest first, read lazily (a caller that stops early reads no further page)."""
    partition = _one_partition(account)
    return EntryItem.query(partition, EntryItem.sk.startswith(ENTRY_PREFIX), scan_index_forward=False, limit=limit)


def entries_around(account: str, start: datetime, end: datetime) -> list[EntryItem]:
    """The account's entries whose ids fall in [start, end), a second wider on each side: an entry's ULID and
    its `at` are taken a moment apart, so callers filter on `at`."""
    margin = timedelta(seconds=1)
    low = f"{ENTRY_PREFIX}{str(ULID.from_datetime(start - margin))[:10]}"
    high = f"{ENTRY_PREFIX}{str(ULID.from_datetime(end + margin))[:10]}"
    return _merged(
        EntryItem.query(p, EntryItem.sk.between(low, high), consistent_read=True) for p in partitions(account)
    )


def all_entries(account: str, after: str | None = None) -> list[EntryItem]:
    """Every entry of the account (after the entry id `after`), oldest first: for checks of the books."""
    return _merged(partition_entries(p, after) for p in partitions(account))


def partition_entries(partition: str, after: str | None = None) -> list[EntryItem]:
    """The entries of one partition of an account (see `partitions`), after the entry id `after`, oldest first."""
    condition = EntryItem.sk.startswith(ENTRY_PREFIX) if after is None else EntryItem.sk > after
    return [e for e in EntryItem.query(partition, condition, consistent_read=True) if e.sk.startswith(ENTRY_PREFIX)]


def _merged(queries: Iterable[Iterable[EntryItem]]) -> list[EntryItem]:
    """Entries of several shards in id order (each shard's Query is already in that order)."""
    return list(heapq.merge(*queries, key=lambda entry: str(entry.sk)))
