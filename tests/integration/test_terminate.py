"""Terminating a contract (POST /contracts/{id}/terminate): propose and agree, or an admin at once.

Undelivered escrow goes back to the customer's wallet in the same transaction as the state change, unfunded
milestones are cancelled, released money stays, the workflows end in `Terminated`, and nothing moves money
afterwards. Revenue is shared by the session, so money checks use accounts only this test touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters import audit_repo, contracts_repo, ledger_repo, workflow
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, DomainError, NotFound, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.handlers import views
from chalicelib.handlers.consumers import CALLBACKS_QUEUE
from chalicelib.services import contracts, escrow, notifications, termination
from chalicelib.services.identity import Actor
from scripts import pump
from tests.integration.conftest import workflow_waits
from tests.integration.market import (
    ADMIN,
    active_contract,
    books,
    entered_states,
    open_task,
    person,
    place_bid,
    put_file,
    race,
)

EUR = "EUR"


def _eur(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def _statuses(contract_id: str) -> list[str]:
    return [m.status for m in contracts_repo.milestones(contract_id)]


def _states(contract_id: str, milestone_id: str) -> list[str]:
    return entered_states(escrow.execution_arn(contract_id, milestone_id))


def _ended(contract_id: str, milestone_id: str) -> list[str]:
    """Drain the callbacks until the milestone's execution has finished; its states."""
    arn = escrow.execution_arn(contract_id, milestone_id)
    pump.settle(
        lambda: workflow.status(arn), done=lambda s: s != "RUNNING", what=f"{arn} to end", queues=[CALLBACKS_QUEUE]
    )
    assert workflow.status(arn) == "SUCCEEDED"
    return _states(contract_id, milestone_id)


def _queued(contract_id: str) -> list[dict[str, Any]]:
    page, found = termination.proposed(ADMIN, 100, None)
    return [views.termination(t, found.get(t.contract_id)) for t in page.items if t.contract_id == contract_id]


def _inbox(actor: Actor, event_type: str) -> list[Any]:
    return [n for n in notifications.inbox(actor, 50, None).items if n.event_type == event_type]


def test_agreed_termination_refunds_undelivered_escrow_cancels_the_rest_and_keeps_released_money(
    aws: dict[str, str],
) -> None:
    customer, provider, contract, (done, funded, revised, unfunded) = active_contract(
        (10000, 20000, 30000, 40000), deposit=60000
    )
    cid = contract.id
    for milestone in (done, funded, revised):
        escrow.fund_milestone(customer, cid, milestone.id, "wallet")
    escrow.submit(provider, cid, done.id, [put_file(provider, "deliverable")], None)
    escrow.accept(customer, cid, done.id)  # released: 9000 to the provider, 1000 commission
    workflow_waits(cid, revised.id, "submission")
    escrow.submit(provider, cid, revised.id, [put_file(provider, "deliverable")], None)
    workflow_waits(cid, revised.id, "decision")
    escrow.request_revision(customer, cid, revised.id, "not yet")
    workflow_waits(cid, funded.id, "submission")
    workflow_waits(cid, revised.id, "submission")
    before = books(customer, provider, cid)
    assert before == (0, 9000, 50000)

    proposed, _ = termination.terminate(provider, cid, "the client changed course")
    assert proposed.status == "active"
    assert proposed.termination["status"] == "proposed" and proposed.termination["proposedBy"] == "provider"
    (queued,) = _queued(cid)
    assert queued["reason"] == "the client changed course" and queued["escrowHeld"] == {
        "amount": 50000,
        "currency": EUR,
    }
    with pytest.raises(Conflict):  # the same party again
        termination.terminate(provider, cid, "really")
    assert books(customer, provider, cid) == before
    notes = pump.settle(lambda: _inbox(customer, "ContractTerminationProposed"), what="the proposal in the inbox")
    assert notes[0].data["reason"] == "the client changed course"

    ended, milestones = termination.terminate(customer, cid, None)

    assert ended.status == "terminated" and ended.termination["status"] == "terminated"
    assert ended.termination["terminatedBy"] == "customer"
    assert [m.status for m in milestones] == _statuses(cid) == ["released", "refunded", "refunded", "cancelled"]
    assert books(customer, provider, cid) == (50000, 9000, 0)  # exactly the undelivered escrow came back
    found = contracts_repo.partition(cid)
    assert found is not None
    shown = views.contract(found.contract, found.milestones)
    assert shown["escrow"]["refunded"]["amount"] == 50000 and shown["escrow"]["held"]["amount"] == 0
    (entry,) = [e for e in ledger_repo.all_entries(ledger.escrow(cid)) if e.kind == "termination_refund"]
    assert int(entry.amount) == -50000
    trail, at = audit_repo.contract_trail(cid), ended.termination["terminatedAt"]
    moves = sorted((a.action, a.from_status or "", a.to_status or "") for a in trail if a.at == at)
    assert moves == [  # one line per move, in one transaction (ids within a millisecond do not keep order)
        ("cancel", "pending", "cancelled"),
        ("money:termination_refund", "", ""),
        ("refund", "funded", "refunded"),
        ("refund", "revision_requested", "refunded"),
        ("terminate", "active", "terminated"),
    ]
    assert _queued(cid) == []
    for party in (customer, provider):
        told = pump.settle(lambda party=party: _inbox(party, "ContractTerminated"), what="ContractTerminated")
        assert told[0].title == notifications.TITLES["ContractTerminated"]
        assert told[0].data["refunded"] == {"amount": 50000, "currency": EUR}

    assert _ended(cid, funded.id)[-2:] == ["RouteSubmission", "Terminated"]
    assert _ended(cid, revised.id)[-3:] == ["AwaitNextSubmission", "RouteSubmission", "Terminated"]
    assert _ended(cid, done.id)[-1] == "Released"

    # no callback and no command moves money afterwards
    after = books(customer, provider, cid)
    entries = len(ledger_repo.all_entries(ledger.escrow(cid)))
    with pytest.raises(Conflict):
        escrow.submit(provider, cid, funded.id, [put_file(provider, "deliverable")], None)
    with pytest.raises(Conflict):
        escrow.accept(customer, cid, revised.id)
    with pytest.raises(Conflict):
        escrow.fund_milestone(customer, cid, unfunded.id, "wallet")
    assert escrow.auto_accept(cid, funded.id) is None
    assert escrow.mark_overdue(cid, revised.id) is False
    assert escrow.park_token(cid, funded.id, "submission", "a-late-token") == "answered terminated"
    assert escrow.park_token(cid, unfunded.id, "submission", "a-late-token") == "answered terminated"
    with pytest.raises(Conflict):
        termination.terminate(customer, cid, "again")
    assert books(customer, provider, cid) == after
    assert len(ledger_repo.all_entries(ledger.escrow(cid))) == entries
    assert _statuses(cid) == ["released", "refunded", "refunded", "cancelled"]


def test_an_admin_terminates_at_once_with_a_reason_even_a_draft(aws: dict[str, str]) -> None:
    customer, provider = person("customer"), person("provider")
    draft, _ = contracts.award(customer, place_bid(provider, open_task(customer, 30000).id, (10000, 20000)).id)
    with pytest.raises(NotFound):  # a stranger learns nothing
        termination.terminate(person("customer"), draft.id, "mine now")
    with pytest.raises(ValidationFailed):  # an admin says why
        termination.terminate(ADMIN, draft.id, None)

    ended, milestones = termination.terminate(ADMIN, draft.id, "duplicate award")

    assert ended.status == "terminated"
    assert ended.termination["terminatedBy"] == "admin" and ended.termination["reason"] == "duplicate award"
    assert [m.status for m in milestones] == ["cancelled", "cancelled"]
    assert ledger_repo.all_entries(ledger.escrow(draft.id)) == []  # nothing was funded, nothing moved
    with pytest.raises(Conflict):  # signing a terminated deal
        contracts.sign(provider, draft.id)


def test_work_under_review_or_in_dispute_blocks_termination_until_decided(aws: dict[str, str]) -> None:
    customer, provider, contract, (reviewed, funded) = active_contract((10000, 20000), deposit=30000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, reviewed.id, "wallet")
    escrow.fund_milestone(customer, cid, funded.id, "wallet")
    escrow.submit(provider, cid, reviewed.id, [put_file(provider, "deliverable")], None)
    termination.terminate(provider, cid, "moving on")  # a proposal may wait for the decision
    before = books(customer, provider, cid)
    version = contracts_repo.get(cid).version  # type: ignore[union-attr]

    with pytest.raises(Conflict) as under_review:
        termination.terminate(customer, cid, None)
    assert reviewed.id in under_review.value.detail and "under_review" in under_review.value.detail
    escrow.dispute(customer, cid, reviewed.id, "half of it")
    with pytest.raises(Conflict) as disputed:
        termination.terminate(ADMIN, cid, "ending it")
    assert reviewed.id in disputed.value.detail and "disputed" in disputed.value.detail
    assert books(customer, provider, cid) == before
    assert _statuses(cid) == ["disputed", "funded"]
    assert contracts_repo.get(cid).version == version + 1  # type: ignore[union-attr]  # only the dispute wrote

    escrow.resolve(ADMIN, cid, reviewed.id, Money(5000, EUR), Money(5000, EUR), "half")
    ended, _ = termination.terminate(customer, cid, "agreed")

    assert ended.status == "terminated"
    assert _statuses(cid) == ["resolved", "refunded"]
    assert books(customer, provider, cid) == (before[0] + 5000 + 20000, before[1] + 4500, 0)


def test_a_proposal_lapses_when_the_contract_completes(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((10000,), deposit=10000)
    escrow.fund_milestone(customer, contract.id, only.id, "wallet")
    escrow.submit(provider, contract.id, only.id, [put_file(provider, "deliverable")], None)
    termination.terminate(customer, contract.id, "too slow")
    assert len(_queued(contract.id)) == 1

    escrow.accept(customer, contract.id, only.id)

    done = contracts_repo.get(contract.id)
    assert done is not None and done.status == "completed" and done.termination["status"] == "lapsed"
    assert _queued(contract.id) == []
    with pytest.raises(Conflict):
        termination.terminate(provider, contract.id, None)


def test_too_many_milestones_for_one_transaction_is_a_422(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    customer, _, contract, _ = active_contract((10000, 20000))
    monkeypatch.setattr(termination, "MAX_ITEMS_PER_TRANSACTION", termination.FIXED_ITEMS + 3)  # room for one
    with pytest.raises(BusinessRuleViolated):
        termination.terminate(customer, contract.id, "too big")
    assert contracts_repo.get(contract.id).termination is None  # type: ignore[union-attr]


def test_agree_and_submit_at_once_one_wins_and_the_books_balance(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((25000,), deposit=25000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, only.id, "wallet")
    termination.terminate(provider, cid, "let us stop")
    upload = put_file(provider, "deliverable")
    revenue = _eur(ledger.REVENUE)

    results, errors = race(
        lambda: termination.terminate(customer, cid, None),
        lambda: escrow.submit(provider, cid, only.id, [upload], None),
    )

    assert len(results) == 1, errors
    (error,) = errors
    assert isinstance(error, DomainError) and error.status == 409, repr(error)
    (status,) = _statuses(cid)
    if status == "refunded":  # the agreement won: the escrow is back with the customer
        assert books(customer, provider, cid) == (25000, 0, 0)
    else:  # the submission won: the work is under review, the escrow intact; releasing it empties it
        assert status == "under_review" and books(customer, provider, cid) == (0, 0, 25000)
        escrow.accept(customer, cid, only.id)
        assert books(customer, provider, cid) == (0, 22500, 0)
    stored = contracts_repo.get(cid)
    assert stored is not None
    held = int(stored.funded_total) - int(stored.released_total) - int(stored.refunded_total)
    assert held == _eur(ledger.escrow(cid)) == 0
    # conservation: what the customer deposited is now with the customer, the provider or the platform
    assert sum(books(customer, provider, cid)) + _eur(ledger.REVENUE) - revenue == 25000


@pytest.fixture
def stripe(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tests.stripe_fake import stripe_world

    yield from stripe_world(monkeypatch)


def test_a_card_payment_that_lands_after_termination_goes_to_the_wallet(stripe: Any) -> None:
    customer, provider, contract, (only,) = active_contract((20000,))
    funding = escrow.fund_milestone(customer, contract.id, only.id, "card")
    assert funding.pending and funding.payment is not None
    termination.terminate(provider, contract.id, "never mind")
    ended, milestones = termination.terminate(customer, contract.id, None)
    assert ended.status == "terminated" and milestones[0].status == "cancelled"

    assert stripe.ok(stripe.fake.confirm(funding.payment["id"])) == "wallet credited"

    assert _eur(ledger.wallet(customer.profile_id or "")) == 20000
    assert _eur(ledger.escrow(contract.id)) == 0
    assert _statuses(contract.id) == ["cancelled"]
