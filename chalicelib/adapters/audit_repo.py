"""Audit lines: a contract's trail (in the contract's partition) and the platform settings' history.

Each line is written in the same unit of work as the change it records, never from logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import contracts_repo, paging
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import AuditItem
from chalicelib.adapters.unit_of_work import Writes

SETTINGS_PARTITION = "SETTINGS"
PREFIX = "AUDIT#"
Record = AuditItem  # a stored line, as the queries return it


@dataclass(frozen=True)
class Line:
    """One audit line as a service states it."""

    actor: str
    action: str
    subject: str
    at: str
    from_status: str | None = None
    to_status: str | None = None
    amounts: dict[str, Any] | list[dict[str, Any]] | None = None  # escrow's money lines: one per ledger leg


def _item(partition: str, line: Line) -> AuditItem:
    return AuditItem(
        pk=partition,
        sk=f"{PREFIX}{new_id()}",
        type="Audit",
        actor=line.actor,
        action=line.action,
        subject=line.subject,
        at=line.at,
        from_status=line.from_status,
        to_status=line.to_status,
        amounts=line.amounts,
    )


def add_for_contract(uow: Writes, contract_id: str, line: Line) -> None:
    uow.save(_item(contracts_repo.key(contract_id), line))


def add_for_settings(uow: Writes, line: Line) -> None:
    uow.save(_item(SETTINGS_PARTITION, line), condition=AuditItem.pk.does_not_exist())


def contract_page(contract_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """A page of a contract's trail, oldest first."""
    partition = contracts_repo.key(contract_id)
    return paging.collect(
        lambda start: AuditItem.query(
            partition,
            AuditItem.sk.startswith(PREFIX),
            scan_index_forward=True,
            consistent_read=True,
            last_evaluated_key=start,
            page_size=limit,
        ),
        limit,
        cursor,
        ("pk", partition),
    )


def contract_trail(contract_id: str) -> list[AuditItem]:
    """The whole trail, oldest first (the CSV download)."""
    return list(AuditItem.query(contracts_repo.key(contract_id), AuditItem.sk.startswith(PREFIX), consistent_read=True))


def settings_history(limit: int) -> list[AuditItem]:
    """The latest settings changes, newest first."""
    newest = AuditItem.query(
        SETTINGS_PARTITION, AuditItem.sk.startswith(PREFIX), scan_index_forward=False, consistent_read=True, limit=limit
    )
    return list(newest)
