"""A contract's audit trail: every state change and money movement, in order.

Built from the AuditItems the services write in the same transaction as each change (award,
sign, activate, every milestone move, each ledger posting, completion), never from logs.
Parties and admins only; the reviewer and everyone else get a 404.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import audit_repo, contracts_repo, paging
from chalicelib.domain.errors import NotFound
from chalicelib.services.contracts import role_of
from chalicelib.services.identity import Actor

FORMATS = ("json", "csv")


def _contract(actor: Actor, contract_id: str) -> contracts_repo.Contract:
    contract = contracts_repo.get(contract_id)
    if contract is None or role_of(actor, contract) not in ("customer", "provider", "admin"):
        raise NotFound("no such contract")
    return contract


def page(
    actor: Actor, contract_id: str, limit: int, cursor: str | None
) -> tuple[contracts_repo.Contract, paging.Page[Any]]:
    """A page of the trail, oldest first."""
    contract = _contract(actor, contract_id)
    return contract, audit_repo.contract_page(contract.id, limit, cursor)


def trail(actor: Actor, contract_id: str) -> tuple[contracts_repo.Contract, list[audit_repo.Record]]:
    """The whole trail, oldest first (the CSV download)."""
    contract = _contract(actor, contract_id)
    return contract, audit_repo.contract_trail(contract.id)
