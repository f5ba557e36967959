"""A contract's amendments (supplementary agreements), kept in the contract's partition.

At most one amendment of a contract is open (`proposed`) at a time. A guard item beside them
(pk CONTRACT#<id>, sk GUARD#AMENDMENT, ref = the open amendment's id) is written with the proposal on
the condition that it does not exist, and deleted with the decision, so two proposals at once cannot
both commit. Its sort key is outside `AMENDMENT#` (`for_contract` never sees it) and sorts after
`CONTRACT` under a kind `contracts_repo.partition` skips.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import contracts_repo
from chalicelib.adapters.table import AmendmentItem, GuardItem
from chalicelib.adapters.unit_of_work import Writes

Amendment = AmendmentItem

PREFIX = "AMENDMENT#"
OPEN_GUARD = "GUARD#AMENDMENT"


def for_contract(contract_id: str) -> list[AmendmentItem]:
    """Every amendment of the contract, oldest first (ULIDs sort by time)."""
    return list(
        AmendmentItem.query(contracts_repo.key(contract_id), AmendmentItem.sk.startswith(PREFIX), consistent_read=True)
    )


def new(
    contract_id: str,
    amendment_id: str,
    proposed_by: str,
    proposer_id: str,
    reason: str,
    changes: list[dict[str, Any]],
    at: str,
) -> AmendmentItem:
    return AmendmentItem(
        pk=contracts_repo.key(contract_id),
        sk=f"{PREFIX}{amendment_id}",
        type="Amendment",
        id=amendment_id,
        contract_id=contract_id,
        status="proposed",
        proposed_by=proposed_by,
        proposer_id=proposer_id,
        reason=reason,
        changes=changes,
        created_at=at,
    )


def get(contract_id: str, amendment_id: str) -> AmendmentItem | None:
    try:
        return AmendmentItem.get(contracts_repo.key(contract_id), f"{PREFIX}{amendment_id}", consistent_read=True)
    except AmendmentItem.DoesNotExist:
        return None


def open_id(contract_id: str) -> str | None:
    """The id of the contract's open amendment, if one is open."""
    try:
        guard = GuardItem.get(contracts_repo.key(contract_id), OPEN_GUARD, consistent_read=True)
    except GuardItem.DoesNotExist:
        return None
    return str(guard.ref) if guard.ref else None


def propose(uow: Writes, amendment: AmendmentItem) -> None:
    """Write a new open amendment; another one still open (its guard) fails the unit of work."""
    guard = GuardItem(pk=amendment.pk, sk=OPEN_GUARD, type="Guard", ref=amendment.id)
    uow.save(guard, condition=GuardItem.pk.does_not_exist())
    uow.save(amendment, condition=AmendmentItem.pk.does_not_exist())


def decide(uow: Writes, amendment: AmendmentItem) -> None:
    """Write the decided amendment back (version-checked: one decision wins) and close the guard."""
    uow.save(amendment)
    uow.delete(GuardItem(pk=amendment.pk, sk=OPEN_GUARD), condition=GuardItem.ref == amendment.id)
