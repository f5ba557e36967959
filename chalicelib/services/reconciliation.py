"""Reconciliation: the ledger's clearing account against the gateway's balance transactions (`make reconcile`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters import ledger_repo, payments_repo, webhook_events_repo
from chalicelib.adapters.gateways import gateway
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso
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
    port = gateway(gateway_name)
    around = ledger_repo.entries_around(ledger.clearing(port.name), start, end)
    entries = [e for e in around if iso(start) <= e.at < iso(end)]
    refs = payments_repo.clearing_keys({e.posting_id for e in entries})
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
        {
            "paymentId": webhook_events_repo.held_payment_id(h),
            "eventId": webhook_events_repo.held_event_id(h),
            "type": h.event_type,
            "at": h.at,
        }
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
