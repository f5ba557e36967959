"""Platform figures: count domain events once each into sharded daily counters, and read a date range back."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import contracts_repo, metrics_repo
from chalicelib.domain import metrics
from chalicelib.domain.clock import now
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import CURRENCIES
from chalicelib.services.identity import Actor

log = logging.getLogger(__name__)


def count(detail_type: str, detail: dict[str, Any]) -> bool:
    """The metrics consumer: True when the event moved the figures, False when ignored or counted before."""
    bps = None
    if metrics.needs_commission_rate(detail_type, detail):
        contract = contracts_repo.get(str(detail["contractId"]))
        bps = int(contract.commission_bps) if contract is not None else 0
    effect = metrics.effect(detail_type, detail, bps)
    if effect is None or effect.empty:
        return False
    event_id = str(detail["eventId"])
    if not metrics_repo.record(event_id, detail_type, effect):
        log.info("event %s (%s) was counted before", event_id, detail_type)
        return False
    return True


@dataclass
class Figures:
    first: str
    last: str
    currency: str
    days: list[metrics.DayFigures]
    totals: metrics.DayFigures


def figures(actor: Actor, start: str | None, end: str | None, currency: str | None) -> Figures:
    actor.require_admin()
    unit = currency or "EUR"
    if unit not in CURRENCIES:
        raise ValidationFailed(f"unknown currency {unit}", [{"field": "currency", "message": "unsupported"}])
    first, last = metrics.date_range(start, end, now().date())
    stored = metrics_repo.days(first.isoformat(), last.isoformat(), unit)
    series = [stored.get(day) or metrics.DayFigures(day) for day in metrics.days_between(first, last)]
    return Figures(first.isoformat(), last.isoformat(), unit, series, metrics.combine(series, "total"))
