"""The sandbox gateway (`PAYMENTS=sandbox`, the local default): card payments and payouts settle at once.

It keeps its own records in the table, so `make reconcile` has something to compare with.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import ClassVar

from chalicelib.adapters.payment_port import (
    Account,
    BalanceLine,
    Charge,
    GatewayUnavailable,
    IdempotencyKeyReused,
    Link,
    Payout,
    Refund,
    Transfer,
)
from chalicelib.domain.clock import iso, now
from chalicelib.domain.money import Money

SANDBOX_ONBOARDING = "https://sandbox.tasklane.dev/payouts/onboarding"


def _derived(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class SandboxGateway:
    """A card network that always approves, instantly, and a bank that always pays: enough to run the product locally.

    Ids derive from the idempotency key and each record is a conditional put, so a retry changes nothing.
    """

    name: ClassVar[str] = "sandbox"
    settles_at_once: ClassVar[bool] = True

    def _record(self, kind: str, object_id: str, key: str, amount: int, currency: str, account: str | None) -> None:
        from pynamodb.exceptions import PutError

        from chalicelib.adapters.payment_models import SandboxRecordItem
        from chalicelib.adapters.transactions import error_code

        at = iso()
        item = SandboxRecordItem(
            pk=f"SANDBOXOP#{object_id}",
            sk="OP",
            type="SandboxRecord",
            gsi1pk=f"SANDBOX#{at[:10]}",
            gsi1sk=f"{at}#{object_id}",
            id=object_id,
            kind=kind,
            key=key,
            amount=amount,
            currency=currency,
            account_id=account,
            at=at,
        )
        try:
            item.save(condition=SandboxRecordItem.pk.does_not_exist())
        except PutError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise GatewayUnavailable("the sandbox could not record the operation; retry") from None
            # the same key again: a retry of the same operation is answered as before, other parameters are refused
            first = SandboxRecordItem.get(item.pk, "OP", consistent_read=True)
            if (first.kind, first.key, int(first.amount), first.currency, first.account_id) != (
                kind,
                key,
                amount,
                currency,
                account,
            ):
                raise IdempotencyKeyReused(
                    f"the sandbox saw this idempotency key with other parameters ({first.kind} of {first.amount})"
                ) from None

    def charge(
        self,
        money: Money,
        reference: str,
        idempotency_key: str,
        *,
        metadata: dict[str, str] | None = None,
        transfer_group: str | None = None,
    ) -> Charge:
        payment_id = _derived("sbx", idempotency_key)
        self._record("charge", payment_id, payment_id, money.amount, money.currency, None)
        return Charge(id=payment_id, status="succeeded", gateway=self.name, charge_id=payment_id)

    def intent(self, payment_id: str) -> Charge:
        return Charge(id=payment_id, status="succeeded", gateway=self.name, charge_id=payment_id)

    def refund(self, payment_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]) -> Refund:
        refund_id = _derived("sbxre", idempotency_key)
        self._record("refund", refund_id, payment_id, -money.amount, money.currency, None)
        return Refund(id=refund_id, status="succeeded", gateway=self.name)

    def create_account(self, profile_id: str, email: str, idempotency_key: str) -> Account:
        return Account(
            id=_derived("sbxacct", idempotency_key), payouts_enabled=True, charges_enabled=True, details_submitted=True
        )

    def onboarding_link(self, account_id: str) -> Link:
        return Link(f"{SANDBOX_ONBOARDING}/{account_id}", iso(now() + timedelta(minutes=5)))

    def transfer(
        self, account_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str], transfer_group: str
    ) -> Transfer:
        transfer_id = _derived("sbxtr", idempotency_key)
        self._record("transfer", transfer_id, transfer_id, -money.amount, money.currency, account_id)
        return Transfer(id=transfer_id, gateway=self.name)

    def payout(self, account_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]) -> Payout:
        # Paid from the connected account's balance, not the platform's: nothing to record here.
        return Payout(id=_derived("sbxpo", idempotency_key), status="paid", gateway=self.name)

    def reverse_transfer(
        self, transfer_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]
    ) -> str:
        reversal_id = _derived("sbxtrr", idempotency_key)
        self._record("transfer_reversal", reversal_id, transfer_id, money.amount, money.currency, None)
        return reversal_id

    def balance_lines(self, start: datetime, end: datetime) -> list[BalanceLine]:
        from chalicelib.adapters.payment_models import SandboxRecordItem

        first, last = iso(start), iso(end)
        lines = []
        day = start.date()
        while day <= end.date():
            for item in SandboxRecordItem.gsi1.query(
                f"SANDBOX#{day.isoformat()}", SandboxRecordItem.gsi1sk.between(first, last + "~")
            ):
                if first <= item.at < last:
                    lines.append(
                        BalanceLine(item.id, item.kind, int(item.amount), 0, item.currency, item.at, item.key, item.id)
                    )
            day += timedelta(days=1)
        return lines
