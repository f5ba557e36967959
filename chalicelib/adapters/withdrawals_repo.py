"""Withdrawals: by id, the admin queues per status (gsi1, only while queued), per payee (gsi2, always)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.adapters import paging
from chalicelib.adapters.payment_models import WithdrawalItem
from chalicelib.adapters.payment_port import GatewayUnavailable
from chalicelib.adapters.transactions import error_code
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.errors import Conflict
from chalicelib.domain.money import Money
from chalicelib.domain.withdrawals import QUEUES, WithdrawalStatus

Withdrawal = WithdrawalItem
SK = "WITHDRAWAL"


def key(withdrawal_id: str) -> str:
    return f"WITHDRAWAL#{withdrawal_id}"


def get(withdrawal_id: str) -> WithdrawalItem | None:
    try:
        return WithdrawalItem.get(key(withdrawal_id), SK, consistent_read=True)
    except WithdrawalItem.DoesNotExist:
        return None


def new(
    withdrawal_id: str,
    profile_id: str,
    display_name: str | None,
    email: str | None,
    money: Money,
    gateway: str,
    account_id: str,
    history: list[dict[str, Any]],
    at: str,
) -> WithdrawalItem:
    """A requested withdrawal, listed for its payee and (`index`) in the admin queue."""
    withdrawal = WithdrawalItem(
        pk=key(withdrawal_id),
        sk=SK,
        type="Withdrawal",
        gsi2pk=f"PAYEE#{profile_id}",
        gsi2sk=f"{at}#{withdrawal_id}",
        id=withdrawal_id,
        profile_id=profile_id,
        display_name=display_name,
        email=email,
        amount=money.amount,
        currency=money.currency,
        status=WithdrawalStatus.REQUESTED.value,
        gateway=gateway,
        account_id=account_id,
        history=history,
        requested_at=at,
        updated_at=at,
    )
    index(withdrawal)
    return withdrawal


def index(withdrawal: WithdrawalItem) -> None:
    """The admin queue index holds a withdrawal only while it is requested or approved (in memory)."""
    if WithdrawalStatus(withdrawal.status) in QUEUES:
        withdrawal.gsi1pk = _queue(withdrawal.status)
        withdrawal.gsi1sk = f"{withdrawal.requested_at}#{withdrawal.id}"
    else:
        withdrawal.gsi1pk = None
        withdrawal.gsi1sk = None


def save(uow: Writes, withdrawal: WithdrawalItem) -> None:
    """Under its version: a concurrent move fails the whole commit."""
    uow.save(withdrawal)


def save_progress(withdrawal: WithdrawalItem) -> None:
    """Save alone, version-checked: `Conflict` if it moved meanwhile; any other failure is retryable (503)."""
    try:
        withdrawal.save()
    except PutError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise GatewayUnavailable("could not store the payout's progress; the job will run again") from None
        raise Conflict("the withdrawal changed meanwhile") from None


def for_payee(profile_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The payee's withdrawals, newest first."""
    partition = f"PAYEE#{profile_id}"
    return paging.collect(
        lambda start: WithdrawalItem.gsi2.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi2pk", partition),
    )


def in_queue(status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The withdrawals in one admin queue, oldest first."""
    partition = _queue(status)
    return paging.collect(
        lambda start: WithdrawalItem.gsi1.query(
            partition, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", partition),
    )


def _queue(status: str) -> str:
    return f"WITHDRAWALS#{status}"
