"""The task tokens milestone workflows park beside their milestone (pk CONTRACT#<id>, sk TOKEN#<milestoneId>).

Not the JWTs: those are `adapters/tokens.py`.
"""

from __future__ import annotations

from pynamodb.exceptions import DeleteError

from chalicelib.adapters import contracts_repo
from chalicelib.adapters.table import TokenItem
from chalicelib.adapters.transactions import error_code
from chalicelib.adapters.unit_of_work import Writes

Token = TokenItem


def _sk(milestone_id: str) -> str:
    return f"TOKEN#{milestone_id}"


def parked(contract_id: str, milestone_id: str) -> TokenItem | None:
    """The token the milestone's workflow is waiting on, if it has parked one."""
    try:
        return TokenItem.get(contracts_repo.key(contract_id), _sk(milestone_id), consistent_read=True)
    except TokenItem.DoesNotExist:
        return None


def park(uow: Writes, contract_id: str, milestone_id: str, wait: str, task_token: str, at: str) -> None:
    """Keep the workflow's token for `wait` (replacing any earlier one)."""
    uow.save(
        TokenItem(
            pk=contracts_repo.key(contract_id),
            sk=_sk(milestone_id),
            type="Token",
            wait=wait,
            task_token=task_token,
            at=at,
        )
    )


def take(contract_id: str, milestone_id: str, wait: str) -> TokenItem | None:
    """Take the token parked for `wait`: one DeleteItem, conditional on it being there for that wait, that
    returns the deleted item. Whoever deletes it is the only one to use it; None when no token is parked
    for `wait` (not yet, or already taken).
    """
    try:
        deleted = TokenItem._get_connection().delete_item(
            contracts_repo.key(contract_id),
            _sk(milestone_id),
            condition=TokenItem.wait == wait,
            return_values="ALL_OLD",
        )
    except DeleteError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise
    old = deleted.get("Attributes")
    return TokenItem.from_raw_data(old) if old else None
