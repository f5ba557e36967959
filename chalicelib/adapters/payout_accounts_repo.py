"""Providers' payout accounts at the gateway: by profile (main key), by the gateway's account id (gsi1)."""

from __future__ import annotations

from pynamodb.exceptions import PutError

from chalicelib.adapters.payment_models import ConnectAccountItem
from chalicelib.adapters.payment_port import Account
from chalicelib.adapters.transactions import error_code
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.errors import Conflict

PayoutAccount = ConnectAccountItem
SK = "ACCOUNT"


def key(profile_id: str) -> str:
    return f"PAYOUTACCT#{profile_id}"


def get(profile_id: str) -> ConnectAccountItem | None:
    try:
        return ConnectAccountItem.get(key(profile_id), SK, consistent_read=True)
    except ConnectAccountItem.DoesNotExist:
        return None


def by_gateway_id(account_id: str) -> ConnectAccountItem | None:
    """The account the gateway knows as `account_id` (the index is eventually consistent: re-read it by key)."""
    for found in ConnectAccountItem.gsi1.query(f"GATEWAYACCT#{account_id}", limit=1):
        return ConnectAccountItem.get(found.pk, found.sk, consistent_read=True)
    return None


def new(profile_id: str, created: Account, gateway: str, at: str) -> ConnectAccountItem:
    return ConnectAccountItem(
        pk=key(profile_id),
        sk=SK,
        type="PayoutAccount",
        gsi1pk=f"GATEWAYACCT#{created.id}",
        gsi1sk=SK,
        profile_id=profile_id,
        account_id=created.id,
        gateway=gateway,
        payouts_enabled=created.payouts_enabled,
        charges_enabled=created.charges_enabled,
        details_submitted=created.details_submitted,
        created_at=at,
        updated_at=at,
    )


def add(account: ConnectAccountItem) -> None:
    """Save a new account alone (conditional on no version yet); `Conflict` if the profile has one already."""
    try:
        account.save()
    except PutError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        raise Conflict("the payout account exists already") from None


def save(uow: Writes, account: ConnectAccountItem) -> None:
    """Under its version: a concurrent update fails the whole commit."""
    uow.save(account)
