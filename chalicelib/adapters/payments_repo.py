"""Card payments (by id, by reference on gsi1, processing per payer on gsi2) and clearing references."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import PutError

from chalicelib.adapters.payment_models import ClearingRefItem, PaymentItem
from chalicelib.adapters.payment_port import Charge
from chalicelib.adapters.transactions import error_code
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.errors import Conflict
from chalicelib.domain.money import Money
from chalicelib.domain.withdrawals import PaymentStatus

Payment = PaymentItem
SK = "PAYMENT"


def key(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


def get(payment_id: str) -> PaymentItem | None:
    try:
        return PaymentItem.get(key(payment_id), SK, consistent_read=True)
    except PaymentItem.DoesNotExist:
        return None


def new(
    charge: Charge,
    purpose: str,
    profile_id: str,
    money: Money,
    reference: str,
    at: str,
    contract_id: str | None = None,
    milestone_id: str | None = None,
) -> PaymentItem:
    """A payment awaiting the card, findable by its reference (`milestone:<id>` or `deposit:<id>`)."""
    return PaymentItem(
        pk=key(charge.id),
        sk=SK,
        type="Payment",
        gsi1pk=f"PAYREF#{reference}",
        gsi1sk=f"{at}#{charge.id}",
        id=charge.id,
        gateway=charge.gateway,
        purpose=purpose,
        reference=reference,
        profile_id=profile_id,
        contract_id=contract_id,
        milestone_id=milestone_id,
        amount=money.amount,
        currency=money.currency,
        status=PaymentStatus.REQUIRES_PAYMENT.value,
        charge_id=charge.charge_id,
        refunds=[],
        created_at=at,
        updated_at=at,
    )


def add(payment: PaymentItem) -> None:
    """Save a new payment alone (conditional on no version yet); `Conflict` if it is recorded already."""
    try:
        payment.save()
    except PutError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        raise Conflict("the payment is recorded already") from None


def save(uow: Writes, payment: PaymentItem) -> None:
    """Under its version: a concurrent second change fails the whole commit."""
    uow.save(payment)


def enter_pending(payment: PaymentItem) -> None:
    """List the payment among its payer's processing payments (the wallet's `pending`), in memory."""
    payment.gsi2pk = f"PENDINGPAY#{payment.profile_id}"
    payment.gsi2sk = f"{payment.created_at}#{payment.id}"


def leave_pending(payment: PaymentItem) -> None:
    payment.gsi2pk = None
    payment.gsi2sk = None


def for_reference(reference: str) -> list[PaymentItem]:
    """The payments of one milestone or deposit, oldest first."""
    return list(PaymentItem.gsi1.query(f"PAYREF#{reference}", scan_index_forward=True))


def pending_for(profile_id: str) -> Iterable[PaymentItem]:
    """The payer's card payments that are processing."""
    return PaymentItem.gsi2.query(f"PENDINGPAY#{profile_id}")


# --- clearing references: which gateway object a clearing posting mirrors (for `make reconcile`) ----------


def _clearing_key(posting_id: str) -> str:
    return f"CLEARINGREF#{posting_id}"


def add_clearing_ref(uow: Writes, posting_id: str, gateway_name: str, gateway_key: str, kind: str, at: str) -> None:
    uow.save(
        ClearingRefItem(
            pk=_clearing_key(posting_id),
            sk="REF",
            type="ClearingRef",
            gateway=gateway_name,
            key=gateway_key,
            kind=kind,
            at=at,
        )
    )


def clearing_keys(posting_ids: Iterable[str]) -> dict[str, str]:
    """posting id → the gateway key its clearing reference names, for the postings that have one."""
    found: dict[str, str] = {}
    keys = [(_clearing_key(pid), "REF") for pid in posting_ids]
    for item in ClearingRefItem.batch_get(keys):
        found[item.pk.removeprefix(_clearing_key(""))] = item.key
    return found
