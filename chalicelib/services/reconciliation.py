"""Reconciliation: the ledger's clearing account against the gateway's balance transactions (`make reconcile`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import ledger_repo
from chalicelib.adapters.gateways import gateway
from chalicelib.adapters.payment_models import (
    ClearingRefItem,
)
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso

if TYPE_CHECKING:
    pass

from chalicelib.services.stripe_events import held_events

# --- reconciliation ---------------------------------------------------------------------------


@dataclass
class Report:
    gateway: str
    start: str
    end: str
    ledger_entries: int
    gateway_lines: int
    differences: list[ledger.Difference]
    outside: dict[str, int]  # gateway movements the clearing account does not book (fees, own payouts), by type
    fees: int
    held: list[dict[str, Any]]

    @property
    def clean(self) -> bool:
        return not self.differences


def reconcile(start: datetime, end: datetime, gateway_name: str | None = None) -> Report:
    """Compare `clearing:<gateway>` entries of [start, end) with the gateway's balance transactions of that period."""
    from ulid import ULID

    from chalicelib.adapters.table import EntryItem

    port = gateway(gateway_name)
    account = ledger_repo.key(ledger.clearing(port.name))
    margin = timedelta(seconds=1)  # an entry's ULID and its `at` are taken a moment apart
    low = f"ENTRY#{str(ULID.from_datetime(start - margin))[:10]}"
    high = f"ENTRY#{str(ULID.from_datetime(end + margin))[:10]}"
    entries = [
        e
        for e in EntryItem.query(account, EntryItem.sk.between(low, high), consistent_read=True)
        if iso(start) <= e.at < iso(end)
    ]
    refs = _refs({e.posting_id for e in entries})
    ours: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        key = refs.get(entry.posting_id, f"posting:{entry.posting_id}")
        ours[(key, entry.currency)] -= int(entry.amount)
    theirs: dict[tuple[str, str], int] = defaultdict(int)
    outside: dict[str, int] = defaultdict(int)
    fees = 0
    lines = port.balance_lines(start, end)
    for line in lines:
        fees += line.fee
        if line.key is None:
            outside[f"{line.type} {line.currency}"] += line.amount
        else:
            theirs[(line.key, line.currency)] += line.amount
    held = [
        {"paymentId": h.pk.removeprefix("HELD#"), "eventId": h.sk, "type": h.event_type, "at": h.at}
        for h in held_events()
    ]
    return Report(
        port.name,
        iso(start),
        iso(end),
        len(entries),
        len(lines),
        ledger.reconcile(dict(ours), dict(theirs)),
        dict(outside),
        fees,
        held,
    )


def _refs(posting_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    keys = [(f"CLEARINGREF#{pid}", "REF") for pid in posting_ids]
    for item in ClearingRefItem.batch_get(keys):
        found[item.pk.removeprefix("CLEARINGREF#")] = item.key
    return found
