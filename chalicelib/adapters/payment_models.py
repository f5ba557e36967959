"""PynamoDB models for money through the gateway: card payments, withdrawals, payout accounts, webhooks.

They share the single table (and its Meta) with everything else; docs/payments.md lists their keys.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from chalicelib.adapters.table import Item, _Meta


class PaymentItem(Item):
    """pk PAYMENT#<paymentId>, sk PAYMENT: a PaymentIntent (or sandbox charge) with its purpose and our ids.

    gsi1 PAYREF#<reference> / <createdAt>: the payments of one milestone (`milestone:<id>`) or deposit
    (`deposit:<id>`), always. gsi2 PENDINGPAY#<profileId> / <createdAt>: only while processing (wallet `pending`).
    """

    Meta = _Meta
    id = UnicodeAttribute()
    gateway = UnicodeAttribute()
    purpose = UnicodeAttribute()  # "milestone" | "deposit"
    reference = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    contract_id = UnicodeAttribute(null=True)
    milestone_id = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    charge_id = UnicodeAttribute(null=True)
    received = NumberAttribute(default=0)
    refunded = NumberAttribute(default=0)
    refunds = JSONAttribute(default=list)
    booked_to = UnicodeAttribute(null=True)  # the account the money landed in: escrow:<id> or wallet:<id>
    dispute = JSONAttribute(null=True)
    last_error = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class WithdrawalItem(Item):
    """pk WITHDRAWAL#<id>, sk WITHDRAWAL.

    gsi1 WITHDRAWALS#<status> / <requestedAt>#<id>: only while requested or approved (the admin queues).
    gsi2 PAYEE#<profileId> / <requestedAt>#<id>: always (my withdrawals, newest first).
    """

    Meta = _Meta
    id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    gateway = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    transfer_id = UnicodeAttribute(null=True)
    payout_id = UnicodeAttribute(null=True)
    reversal_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    failure = JSONAttribute(null=True)
    history = JSONAttribute(default=list)
    requested_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class ConnectAccountItem(Item):
    """pk PAYOUTACCT#<profileId>, sk ACCOUNT; gsi1 GATEWAYACCT#<accountId> / ACCOUNT: a provider's payout account."""

    Meta = _Meta
    profile_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    gateway = UnicodeAttribute()
    payouts_enabled = BooleanAttribute(default=False)
    charges_enabled = BooleanAttribute(default=False)
    details_submitted = BooleanAttribute(default=False)
    event_created = NumberAttribute(default=0)  # Stripe `created` of the last account.updated applied
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class WebhookEventItem(Item):
    """pk STRIPEEVENT#<eventId>, sk EVENT: written in the transaction that applies the event, so it applies once."""

    Meta = _Meta
    event_type = UnicodeAttribute()
    outcome = UnicodeAttribute()
    object_id = UnicodeAttribute(null=True)
    created = NumberAttribute(default=0)
    at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


class HeldEventItem(Item):
    """pk HELD#<paymentId>, sk <eventId>: an event about a payment that has not succeeded yet (applied after it)."""

    Meta = _Meta
    event_type = UnicodeAttribute()
    event = JSONAttribute()
    at = UnicodeAttribute()


class ClearingRefItem(Item):
    """pk CLEARINGREF#<postingId>, sk REF: which gateway object a posting on `clearing:<gateway>` mirrors."""

    Meta = _Meta
    gateway = UnicodeAttribute()
    key = UnicodeAttribute()  # the PaymentIntent / sandbox charge id, or the transfer id of a withdrawal
    kind = UnicodeAttribute()
    at = UnicodeAttribute()


class SandboxRecordItem(Item):
    """pk SANDBOXOP#<id>, sk OP; gsi1 SANDBOX#<yyyy-mm-dd> / <createdAt>#<id>: the sandbox gateway's own records.

    The id derives from the idempotency key, and the put is conditional, so a retried call records nothing twice.
    """

    Meta = _Meta
    id = UnicodeAttribute()
    kind = UnicodeAttribute()  # charge, refund, transfer, transfer_reversal
    key = UnicodeAttribute()
    amount = NumberAttribute()  # signed, as the gateway's balance sees it
    currency = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
