"""A bonus: the customer pays the provider extra from the wallet, less the contract's commission.

One transaction: the `bonus` posting (its wallet debit is conditional on the balance), a check that
the contract is still active or completed (a condition, not a write: a bonus does not change the
contract, so it does not race the milestone commands), an audit line and the `BonusPaid` event.
Nothing is read before the commit to decide whether the wallet covers it; only a failed commit is
explained by reading (as `escrow.fund_milestone` does).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters import audit_repo, contracts_repo, ledger_repo
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso
from chalicelib.domain.contracts import ContractStatus
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden
from chalicelib.domain.money import Money
from chalicelib.services.contracts import load
from chalicelib.services.identity import Actor

# A bonus rewards work under way or done; not before both signed, not on a terminated deal.
STATUSES = (ContractStatus.ACTIVE.value, ContractStatus.COMPLETED.value)


@dataclass(frozen=True)
class Bonus:
    """What was paid: the gross amount, the commission the platform kept, what the provider got."""

    posting_id: str
    contract_id: str
    amount: Money
    commission: Money
    net: Money
    note: str | None
    at: str


def pay_bonus(actor: Actor, contract_id: str, money: Money, note: str | None) -> Bonus:
    actor.require_writable()
    contract, _, role = load(actor, contract_id)
    if role != "customer":
        raise Forbidden("only the customer pays a bonus")
    if contract.status not in STATUSES:
        raise Conflict(f"a bonus is paid on an active or completed contract (this one is {contract.status})")
    if money.currency != contract.currency:
        raise BusinessRuleViolated(
            f"the contract is in {contract.currency}", [{"field": "amount.currency", "message": contract.currency}]
        )
    posting = ledger.bonus(contract.customer_id, contract.provider_id, money, int(contract.commission_bps))
    fee = Money(sum(leg.amount for leg in posting.legs if leg.account == ledger.REVENUE), money.currency)
    net = money - fee
    at = iso()
    legs = [{"account": leg.account, "amount": leg.amount, "currency": leg.currency} for leg in posting.legs]
    try:
        with unit_of_work("the contract changed meanwhile; reload and retry") as uow:
            contracts_repo.require_contract_status(uow, contract, STATUSES)
            posting_id = ledger_repo.add_posting(uow, posting, at, contract.id)
            subject = f"bonus: {note}" if note else "bonus"
            line = audit_repo.Line(str(actor.profile_id), "money:bonus", subject, at, amounts=legs)
            audit_repo.add_for_contract(uow, contract.id, line)
            uow.emit(
                "BonusPaid",
                {
                    "contractId": contract.id,
                    "postingId": posting_id,
                    "amount": money.to_json(),
                    "commission": fee.to_json(),
                    "net": net.to_json(),
                    "note": note,
                    "actor": actor.profile_id,
                    "recipients": [contract.provider_id],
                    "category": contract.category,
                },
                at,
            )
    except Conflict as lost:
        raise _refusal(contract, money, lost) from None
    return Bonus(posting_id, contract.id, money, fee, net, note, at)


def _refusal(contract: contracts_repo.Contract, money: Money, lost: Conflict) -> Conflict | BusinessRuleViolated:
    """Why the commit failed, read only then: the contract left active/completed meanwhile (409), the wallet
    does not cover the bonus (422, with what it holds), or someone else's write (`lost`, 409)."""
    now = contracts_repo.get(contract.id)
    if now is None or now.status not in STATUSES:
        status = now.status if now is not None else "gone"
        return Conflict(f"a bonus is paid on an active or completed contract (this one is now {status})")
    available = ledger_repo.balance(ledger.wallet(contract.customer_id), money.currency)
    if available >= money.amount:
        return lost
    return BusinessRuleViolated(
        f"your wallet holds {available} {money.currency} minor units; the bonus is {money.amount}",
        [{"field": "amount", "message": "insufficient funds"}],
    )
