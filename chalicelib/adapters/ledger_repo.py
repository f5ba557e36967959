"""Ledger postings as TransactWriteItems operations: balance updates with conditions, plus entries."""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.adapters import paging
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import BalanceItem, EntryItem
from chalicelib.domain.ledger import Posting, may_go_negative


def key(account: str) -> str:
    return f"ACCOUNT#{account}"


def add_posting(
    tx: TransactWrite, posting: Posting, at: str, contract_id: str | None = None, milestone_id: str | None = None
) -> str:
    """Queue the posting in `tx`: a debit is conditional on the balance covering it, so nothing goes negative."""
    posting_id = new_id()
    for (account, currency), change in sorted(posting.net().items()):
        balance = BalanceItem(pk=key(account), sk=f"BALANCE#{currency}")
        actions = [
            BalanceItem.balance.add(change),
            BalanceItem.type.set("Balance"),
            BalanceItem.account.set(account),
            BalanceItem.currency.set(currency),
        ]
        condition = None
        if change < 0 and not may_go_negative(account):
            condition = BalanceItem.balance >= -change
        tx.update(balance, actions=actions, condition=condition)
    for leg in posting.legs:
        tx.save(
            EntryItem(
                pk=key(leg.account),
                sk=f"ENTRY#{new_id()}",
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
    return list(BalanceItem.query(key(account), BalanceItem.sk.startswith("BALANCE#"), consistent_read=True))


def balance(account: str, currency: str) -> int:
    try:
        return int(BalanceItem.get(key(account), f"BALANCE#{currency}", consistent_read=True).balance)
    except BalanceItem.DoesNotExist:
        return 0


def entries(account: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = key(account)
    return paging.collect(
        lambda start: EntryItem.query(
            partition,
            EntryItem.sk.startswith("ENTRY#"),
            scan_index_forward=False,
            last_evaluated_key=start,
            page_size=limit,
        ),
        limit,
        cursor,
        ("pk", partition),
    )
