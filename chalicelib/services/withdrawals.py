"""Withdrawals: a provider asks, an admin approves, the payout job pays through the gateway.

requested (wallet → payouts in flight) → approved (admin; `WithdrawalApproved` goes through
EventBridge to the `tasklane-payouts` queue) → the payout job transfers to the provider's payout
account and pays it out → paid (`payout.paid`, or at once in the sandbox) | failed (`payout.failed`,
a refused transfer or payout: the money is back in the wallet, once). requested → rejected (admin)
also gives the money back. Each move is version-checked in one transaction with its posting.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.adapters import ledger_repo, paging, payout_accounts_repo, withdrawals_repo
from chalicelib.adapters.gateways import gateway
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.payment_port import PaymentRefused
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.accounts import Role
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.domain.withdrawals import (
    FINAL,
    QUEUES,
    RETURNS_MONEY,
    WITHDRAWAL,
    WithdrawalStatus,
    check_withdrawal,
)
from chalicelib.services.identity import Actor
from chalicelib.services.payments import Write, clearing_ref

log = logging.getLogger(__name__)
RECENT = 10  # deposits and incoming payments shown beside each queued withdrawal
INCOMING = frozenset({"release", "dispute_split"})
RecentMoney = dict[str, list[ledger_repo.Entry]]  # "deposits" and "incoming", newest first


def get(withdrawal_id: str) -> withdrawals_repo.Withdrawal | None:
    return withdrawals_repo.get(withdrawal_id)


def payout_account(profile_id: str) -> payout_accounts_repo.PayoutAccount | None:
    return payout_accounts_repo.get(profile_id)


def _event(kind: str, withdrawal: withdrawals_repo.Withdrawal, **extra: Any) -> tuple[str, dict[str, Any]]:
    """An event about the withdrawal (type, detail), for `uow.emit` in its commit."""
    data = {
        "withdrawalId": withdrawal.id,
        "profileId": withdrawal.profile_id,
        "status": withdrawal.status,
        "amount": {"amount": int(withdrawal.amount), "currency": withdrawal.currency},
        "recipients": [withdrawal.profile_id],
    }
    return kind, data | extra


# --- commands -----------------------------------------------------------------------------------


def request(actor: Actor, money: Money) -> withdrawals_repo.Withdrawal:
    """POST /me/withdrawals: the provider's money goes from the wallet to payouts in flight, for an admin to approve."""
    actor.require_writable()
    profile = actor.require_verified(Role.PROVIDER)
    account = payout_account(profile.id)
    if account is None or not account.payouts_enabled:
        raise BusinessRuleViolated(
            "set up your payout account first (POST /me/payouts/onboarding) and finish the bank details there",
            [{"field": "amount", "message": "no payout account that can receive payouts"}],
        )
    check_withdrawal(money, ledger_repo.balance(ledger.wallet(profile.id), money.currency))
    at = iso()
    withdrawal_id = new_id()
    withdrawal = withdrawals_repo.new(
        withdrawal_id,
        profile.id,
        profile.display_name,
        profile.email,
        money,
        account.gateway,
        account.account_id,
        [{"from": None, "to": "requested", "by": profile.id, "at": at}],
        at,
    )
    event = _event("WithdrawalRequested", withdrawal)
    with unit_of_work("your wallet changed meanwhile; reload and retry") as uow:
        withdrawals_repo.save(uow, withdrawal)
        ledger_repo.add_posting(uow, ledger.payout_request(profile.id, money), at)
        uow.emit(*event, at)
    return withdrawal


def approve(actor: Actor, withdrawal_id: str) -> withdrawals_repo.Withdrawal:
    """Admin: approve; the `WithdrawalApproved` event queues the payout job."""
    actor.require_admin()
    withdrawal = _load(withdrawal_id)
    target = WITHDRAWAL.next(WithdrawalStatus(withdrawal.status), "approve")
    at = iso()
    _move(withdrawal, target, f"admin:{actor.sub}", at)
    withdrawal.decided_at = at
    withdrawal.decided_by = actor.sub
    event = _event("WithdrawalApproved", withdrawal, gateway=withdrawal.gateway)
    with unit_of_work("the withdrawal changed meanwhile; reload and retry") as uow:
        withdrawals_repo.save(uow, withdrawal)
        uow.emit(*event, at)
    return withdrawal


def reject(actor: Actor, withdrawal_id: str, reason: str) -> withdrawals_repo.Withdrawal:
    """Admin: reject with a reason; the money goes back to the wallet."""
    actor.require_admin()
    withdrawal = _load(withdrawal_id)
    withdrawal.reason = reason
    withdrawal.decided_by = actor.sub
    return settle(withdrawal, "reject", f"admin:{actor.sub}", None, [])


def settle(
    withdrawal: withdrawals_repo.Withdrawal,
    action: str,
    actor: str,
    failure: dict[str, Any] | None,
    writes: list[Write],
) -> withdrawals_repo.Withdrawal:
    """pay, fail or reject: the final move with its posting, in one transaction with `writes`."""
    target = WITHDRAWAL.next(WithdrawalStatus(withdrawal.status), action)
    money = Money(int(withdrawal.amount), withdrawal.currency)
    at = iso()
    _move(withdrawal, target, actor, at)
    withdrawal.settled_at = at
    if action == "reject":
        withdrawal.decided_at = at
    if failure is not None:
        withdrawal.failure = failure
    if action in RETURNS_MONEY:
        kind = "withdrawal_rejected" if action == "reject" else "payout_failed"
        posting = ledger.payout_returned(withdrawal.profile_id, money, kind)
    else:
        posting = ledger.payout_paid(withdrawal.profile_id, money, withdrawal.gateway)
    kinds = {"pay": "WithdrawalPaid", "fail": "WithdrawalFailed", "reject": "WithdrawalRejected"}
    event = _event(kinds[action], withdrawal, reason=withdrawal.reason, failure=withdrawal.failure)
    with unit_of_work("the withdrawal changed meanwhile") as uow:
        withdrawals_repo.save(uow, withdrawal)
        posting_id = ledger_repo.add_posting(uow, posting, at)
        if action == "pay":
            clearing_ref(withdrawal.gateway, str(withdrawal.transfer_id or withdrawal.payout_id), "payout")(
                uow, posting_id
            )
        for write in writes:
            write(uow, posting_id)
        uow.emit(*event, at)
    return withdrawal


def _move(withdrawal: withdrawals_repo.Withdrawal, target: WithdrawalStatus, actor: str, at: str) -> None:
    withdrawal.history = [
        *(withdrawal.history or []),
        {"from": withdrawal.status, "to": target.value, "by": actor, "at": at},
    ]
    withdrawal.status = target.value
    withdrawal.updated_at = at
    withdrawals_repo.index(withdrawal)


def _load(withdrawal_id: str) -> withdrawals_repo.Withdrawal:
    withdrawal = get(withdrawal_id)
    if withdrawal is None:
        raise NotFound("no such withdrawal")
    return withdrawal


# --- the payout job -------------------------------------------------------------------------------


def run_payout(withdrawal_id: str) -> str:
    """The consumer of `tasklane-payouts`: transfer to the payout account, then pay out, idempotently.

    Safe to run again for the same withdrawal (SQS delivers at least once): the transfer and the payout
    carry idempotency keys from the withdrawal id and their ids are stored before the next step. A refusal
    fails the withdrawal (money back in the wallet, once); an outage raises, so SQS delivers it again.
    """
    withdrawal = get(withdrawal_id)
    if withdrawal is None:
        return "unknown withdrawal"
    if withdrawal.status != WithdrawalStatus.APPROVED.value:
        return f"nothing to do: the withdrawal is {withdrawal.status}"
    account = payout_account(withdrawal.profile_id)
    if account is None or not account.payouts_enabled:
        failure = {"code": "payouts_disabled", "message": "the payout account cannot receive payouts"}
        return _fail(withdrawal, failure)
    port = gateway(withdrawal.gateway)
    money = Money(int(withdrawal.amount), withdrawal.currency)
    metadata = {"withdrawalId": withdrawal.id, "profileId": withdrawal.profile_id}
    try:
        if not withdrawal.transfer_id:
            transfer = port.transfer(
                account.account_id,
                money,
                f"transfer-{withdrawal.id}",
                metadata=metadata,
                transfer_group=f"withdrawal-{withdrawal.id}",
            )
            withdrawal = _remember(withdrawal, transfer_id=transfer.id, account_id=account.account_id)
        if withdrawal.status == WithdrawalStatus.APPROVED.value and not withdrawal.payout_id:
            payout = port.payout(account.account_id, money, f"payout-{withdrawal.id}", metadata=metadata)
            withdrawal = _remember(withdrawal, payout_id=payout.id)
            if payout.status == "paid" and withdrawal.status == WithdrawalStatus.APPROVED.value:
                settle(withdrawal, "pay", "system:payout-job", None, [])
                return "paid"
    except PaymentRefused as exc:
        return _fail(withdrawal, {"code": "refused", "message": exc.detail, "errors": exc.errors})
    if withdrawal.status != WithdrawalStatus.APPROVED.value:
        return f"settled meanwhile: {withdrawal.status}"
    return "payout sent; waiting for payout.paid"


def _fail(withdrawal: withdrawals_repo.Withdrawal, failure: dict[str, Any]) -> str:
    for _ in range(5):
        if WithdrawalStatus(withdrawal.status) in FINAL:
            return f"settled meanwhile: {withdrawal.status}"
        reverse_transfer(withdrawal)
        try:
            settle(withdrawal, "fail", "system:payout-job", failure, [])
            return "failed: money back in the wallet"
        except Conflict:
            withdrawal = _load(withdrawal.id)
    raise Conflict("the withdrawal kept changing; the job will run again")


def reverse_transfer(withdrawal: withdrawals_repo.Withdrawal) -> None:
    """Bring a transfer back from the payout account (after a failed payout), once; sets `reversal_id` in memory."""
    if not withdrawal.transfer_id or withdrawal.reversal_id:
        return
    port = gateway(withdrawal.gateway)
    money = Money(int(withdrawal.amount), withdrawal.currency)
    try:
        withdrawal.reversal_id = port.reverse_transfer(
            withdrawal.transfer_id, money, f"reverse-{withdrawal.id}", metadata={"withdrawalId": withdrawal.id}
        )
    except PaymentRefused as exc:  # already reversed (e.g. from the dashboard): nothing left to bring back
        log.warning("reversing %s refused: %s", withdrawal.transfer_id, exc.detail)


def _remember(withdrawal: withdrawals_repo.Withdrawal, **values: str) -> withdrawals_repo.Withdrawal:
    """Store gateway ids on the withdrawal (version-checked); if it moved meanwhile, continue from the stored one."""
    for _ in range(5):
        for name, value in values.items():
            if getattr(withdrawal, name) in (None, ""):
                setattr(withdrawal, name, value)
        withdrawal.updated_at = iso()
        try:
            withdrawals_repo.save_progress(withdrawal)  # an outage here is GatewayUnavailable: the job runs again
            return withdrawal
        except Conflict:
            withdrawal = _load(withdrawal.id)
    raise Conflict("the withdrawal kept changing; the job will run again")


# --- reads ----------------------------------------------------------------------------------------


def mine(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    profile = actor.require_profile()
    return withdrawals_repo.for_payee(profile.id, limit, cursor)


def queue(
    actor: Actor, status: str | None, limit: int, cursor: str | None
) -> tuple[paging.Page[Any], dict[str, RecentMoney]]:
    """Admin: withdrawals in a queue (`requested` by default), oldest first, and beside them, per payee,
    where the wallet's money came from lately (`recent_money`).

    Costs one Query for the page and one per distinct payee on it (not one per withdrawal): the entries
    live in each wallet's own partition, so no single read spans them."""
    actor.require_admin()
    status = status or WithdrawalStatus.REQUESTED.value
    if status not in {s.value for s in QUEUES}:
        raise ValidationFailed(
            "status must be requested or approved", [{"field": "status", "message": "requested|approved"}]
        )
    page = withdrawals_repo.in_queue(status, limit, cursor)
    payees = dict.fromkeys(str(w.profile_id) for w in page.items)  # distinct, in order
    return page, {profile_id: recent_money(profile_id) for profile_id in payees}


def recent_money(profile_id: str) -> RecentMoney:
    """Where the wallet's money came from lately: card deposits and payments received, newest first."""
    deposits: list[ledger_repo.Entry] = []
    incoming: list[ledger_repo.Entry] = []
    for entry in ledger_repo.recent_entries(ledger.wallet(profile_id), 100):
        if int(entry.amount) <= 0:
            continue
        if entry.kind == "deposit" and len(deposits) < RECENT:
            deposits.append(entry)
        elif entry.kind in INCOMING and len(incoming) < RECENT:
            incoming.append(entry)
        if len(deposits) >= RECENT and len(incoming) >= RECENT:
            break
    return {"deposits": deposits, "incoming": incoming}


# --- payout accounts --------------------------------------------------------------------------------


def onboarding(actor: Actor) -> dict[str, Any]:
    """POST /me/payouts/onboarding: the provider's payout account (created once) and a fresh onboarding link."""
    actor.require_writable()
    profile = actor.require_role(Role.PROVIDER)
    account = payout_account(profile.id)
    if account is None:
        port = gateway()
        created = port.create_account(profile.id, profile.email, f"connect-{profile.id}")
        account = payout_accounts_repo.new(profile.id, created, port.name, iso())
        try:
            payout_accounts_repo.add(account)
        except Conflict:
            account = payout_account(profile.id) or account  # a concurrent call created it (same key, same account)
    link = gateway(account.gateway).onboarding_link(account.account_id)
    return {
        "accountId": account.account_id,
        "gateway": account.gateway,
        "payoutsEnabled": bool(account.payouts_enabled),
        "detailsSubmitted": bool(account.details_submitted),
        "url": link.url,
        "expiresAt": link.expires_at,
    }
