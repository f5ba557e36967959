"""A contract's amendments (supplementary agreements), kept in the contract's partition."""

from __future__ import annotations

from chalicelib.adapters import contracts_repo
from chalicelib.adapters.table import AmendmentItem

Amendment = AmendmentItem

PREFIX = "AMENDMENT#"


def for_contract(contract_id: str) -> list[AmendmentItem]:
    """Every amendment of the contract, oldest first (ULIDs sort by time)."""
    return list(
        AmendmentItem.query(contracts_repo.key(contract_id), AmendmentItem.sk.startswith(PREFIX), consistent_read=True)
    )
