"""A contract's audit trail: every state change and money movement, in order.

Built from the AuditItems the services write in the same transaction as each change (award,
sign, activate, every milestone move, each ledger posting, completion), never from logs.
Parties and admins only; the reviewer and everyone else get a 404.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import contracts_repo, paging
from chalicelib.adapters.table import AuditItem, ContractItem
from chalicelib.domain.contracts import role_in
from chalicelib.domain.errors import NotFound
from chalicelib.services.identity import Actor

FORMATS = ("json", "csv")


def _contract(actor: Actor, contract_id: str) -> ContractItem:
    contract = contracts_repo.get(contract_id)
    if contract is None or role_in(contract, actor.profile_id, actor.is_admin) not in ("customer", "provider", "admin"):
        raise NotFound("no such contract")
    return contract


def page(actor: Actor, contract_id: str, limit: int, cursor: str | None) -> tuple[ContractItem, paging.Page[Any]]:
    """A page of the trail, oldest first."""
    contract = _contract(actor, contract_id)
    partition = contracts_repo.key(contract.id)
    return contract, paging.collect(
        lambda start: AuditItem.query(
            partition,
            AuditItem.sk.startswith("AUDIT#"),
            scan_index_forward=True,
            consistent_read=True,
            last_evaluated_key=start,
            page_size=limit,
        ),
        limit,
        cursor,
        ("pk", partition),
    )


def trail(actor: Actor, contract_id: str) -> tuple[ContractItem, list[AuditItem]]:
    """The whole trail, oldest first (the CSV download)."""
    contract = _contract(actor, contract_id)
    return contract, contracts_repo.audit(contract.id)
