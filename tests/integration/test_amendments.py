"""Amendments on moto: proposed by one party, decided by the other, applied at once or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters import amendments_repo, audit_repo, ledger_repo
from chalicelib.domain import ledger
from chalicelib.domain.amendments import AddMilestone, ChangeMilestone, NewAmendment, RemoveMilestone
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.handlers import views
from chalicelib.services import amendments, contracts, escrow, notifications
from chalicelib.services.identity import Actor
from tests.integration.conftest import workflow_waits
from tests.integration.market import ADMIN, active_contract, open_task, person, place_bid, put_file, race

EUR = "EUR"
LATER = "2027-06-30"


def _eur(amount: int) -> Money:
    return Money(amount, EUR)


def _add(title: str, amount: int) -> AddMilestone:
    from datetime import date

    return AddMilestone(title, _eur(amount), date.fromisoformat(LATER), "Signed off by the customer")


def _state(actor: Actor, contract_id: str) -> dict[str, Any]:
    """What a party sees: the contract's view and the amendments' views."""
    contract, milestones, _ = contracts.load(actor, contract_id)
    return {
        "contract": views.contract(contract, milestones),
        "amendments": [views.amendment(a) for a in amendments.for_contract(actor, contract_id)],
    }


def test_an_added_milestone_is_funded_submitted_and_released(aws: dict[str, str]) -> None:
    from scripts import pump

    customer, provider, contract, (first,) = active_contract((100000,), deposit=60000)
    proposed = amendments.propose(provider, contract.id, NewAmendment("Extra scope", (_add("Reporting", 50000),)))
    assert (proposed.status, proposed.proposed_by, proposed.terms_version) == ("proposed", "provider", None)
    inbox = pump.settle(
        lambda: [n for n in notifications.inbox(customer, 20, None).items if n.event_type == "AmendmentProposed"],
        what="the customer's AmendmentProposed notification",
    )
    assert inbox[0].data["amendmentId"] == proposed.id

    accepted = amendments.accept(customer, contract.id, proposed.id)

    seen = _state(customer, contract.id)
    assert views.amendment(accepted) == seen["amendments"][0]
    assert (accepted.status, accepted.terms_version, accepted.decided_by) == ("accepted", 2, customer.profile_id)
    assert (seen["contract"]["status"], seen["contract"]["version"]) == ("active", 2)
    from chalicelib.adapters import files
    from chalicelib.services import documents

    issued = files.get_bytes(documents.key_for(contract.id, 2))  # the new version's document, issued at once
    assert issued is not None and issued.body.startswith(b"%PDF")
    assert seen["contract"]["total"] == {"amount": 150000, "currency": EUR}
    old, new = seen["contract"]["milestones"]
    assert old["id"] == first.id and old["status"] == "pending"
    assert (new["title"], new["amount"]["amount"], new["dueDate"], new["status"], new["position"]) == (
        "Reporting",
        50000,
        LATER,
        "pending",
        1,
    )
    assert new["acceptanceCriteria"] == "Signed off by the customer"
    trail = [(a.action, a.subject) for a in audit_repo.contract_trail(contract.id)]
    assert ("amend:add", f"milestone {new['id']}") in trail and (
        "amendment:accept",
        f"amendment {proposed.id}: version 2",
    ) in trail

    # the new milestone goes through escrow like any other
    escrow.fund_milestone(customer, contract.id, new["id"], "wallet")
    workflow_waits(contract.id, new["id"], "submission")
    escrow.submit(provider, contract.id, new["id"], [put_file(provider, "deliverable")], "the report")
    workflow_waits(contract.id, new["id"], "decision")
    released = escrow.accept(customer, contract.id, new["id"])
    assert released.status == "released"
    assert ledger_repo.balance(ledger.wallet(provider.profile_id or ""), EUR) == 45000  # 50000 less 10 %
    assert ledger_repo.balance(ledger.wallet(customer.profile_id or ""), EUR) == 10000
    assert ledger_repo.balance(ledger.escrow(contract.id), EUR) == 0
    news = pump.settle(
        lambda: [n for n in notifications.inbox(provider, 20, None).items if n.event_type == "AmendmentAccepted"],
        what="the provider's AmendmentAccepted notification",
    )
    assert news[0].title == notifications.TITLES["AmendmentAccepted"] and news[0].data["version"] == 2


def test_change_and_remove_apply_together_and_a_rejection_changes_nothing(aws: dict[str, str]) -> None:
    customer, provider, contract, (a, b, c) = active_contract((100000, 150000, 50000))
    change = NewAmendment(
        "Rescope", (ChangeMilestone(b.id, title="Build, smaller", amount=_eur(120000)), RemoveMilestone(c.id))
    )
    first = amendments.propose(customer, contract.id, change)
    with pytest.raises(Conflict, match="still open"):  # one open amendment per contract
        amendments.propose(provider, contract.id, NewAmendment("Mine", (_add("Other", 1000),)))
    before = _state(customer, contract.id)

    rejected = amendments.reject(provider, contract.id, first.id)

    assert rejected.status == "rejected" and rejected.terms_version is None
    after = _state(customer, contract.id)
    assert after["contract"] == before["contract"]
    with pytest.raises(Conflict):  # decided once
        amendments.accept(provider, contract.id, first.id)

    second = amendments.propose(customer, contract.id, change)  # the guard was released with the rejection
    with pytest.raises(Forbidden):  # the proposer does not decide
        amendments.accept(customer, contract.id, second.id)
    for stranger in (person("customer"), person("provider")):
        with pytest.raises(NotFound):
            amendments.accept(stranger, contract.id, second.id)
        with pytest.raises(NotFound):
            amendments.for_contract(stranger, contract.id)
    amendments.accept(provider, contract.id, second.id)

    now = _state(customer, contract.id)
    assert now["contract"]["version"] == 2 and now["contract"]["total"]["amount"] == 220000
    assert [(m["id"], m["title"], m["amount"]["amount"]) for m in now["contract"]["milestones"]] == [
        (a.id, a.title, 100000),
        (b.id, "Build, smaller", 120000),
    ]
    assert [(x["id"], x["status"]) for x in now["amendments"]] == [(first.id, "rejected"), (second.id, "accepted")]
    assert [x["id"] for x in _state(provider, contract.id)["amendments"]] == [first.id, second.id]
    assert [x.id for x in amendments.for_contract(ADMIN, contract.id)] == [first.id, second.id]
    assert amendments_repo.open_id(contract.id) is None


def test_refusals_change_nothing(aws: dict[str, str]) -> None:
    customer, provider, contract, (funded, pending) = active_contract((100000, 50000), deposit=100000)
    escrow.fund_milestone(customer, contract.id, funded.id, "wallet")
    before = _state(customer, contract.id)
    refusals: list[tuple[Actor, tuple[Any, ...], type[DomainError]]] = [
        (customer, (ChangeMilestone(funded.id, amount=_eur(1)),), Conflict),  # money in escrow is not re-priced
        (customer, (RemoveMilestone(funded.id),), Conflict),
        (provider, (RemoveMilestone(pending.id), ChangeMilestone(pending.id, title="x")), ValidationFailed),
        (provider, (AddMilestone("USD", Money(100, "USD"), _add("x", 1).due_date),), BusinessRuleViolated),
        (person("customer"), (_add("x", 1),), NotFound),
    ]
    for actor, changes, error in refusals:
        with pytest.raises(error):
            amendments.propose(actor, contract.id, NewAmendment("no", changes))
    assert _state(customer, contract.id) == before
    assert amendments_repo.open_id(contract.id) is None

    draft_customer, draft_provider = person("customer"), person("provider")
    draft, _ = contracts.award(
        draft_customer, place_bid(draft_provider, open_task(draft_customer, 100000).id, (100000,)).id
    )
    with pytest.raises(Conflict, match="active"):  # not signed yet: nothing to amend
        amendments.propose(draft_customer, draft.id, NewAmendment("early", (_add("x", 1),)))
    assert amendments.for_contract(draft_customer, draft.id) == []


def test_two_proposals_at_once_open_one(aws: dict[str, str]) -> None:
    customer, provider, contract, _ = active_contract((100000,))
    results, errors = race(
        lambda: amendments.propose(customer, contract.id, NewAmendment("one", (_add("A", 100),))),
        lambda: amendments.propose(provider, contract.id, NewAmendment("two", (_add("B", 200),))),
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], Conflict)
    assert [a.id for a in amendments.for_contract(customer, contract.id)] == [results[0].id]
    assert amendments_repo.open_id(contract.id) == results[0].id


def test_accepting_while_the_customer_funds_the_changed_milestone_applies_one_or_the_other(aws: dict[str, str]) -> None:
    customer, provider, contract, (_, second) = active_contract((100000, 150000), deposit=400000)
    wallet, held = ledger.wallet(customer.profile_id or ""), ledger.escrow(contract.id)
    proposal = amendments.propose(
        customer, contract.id, NewAmendment("Cheaper", (ChangeMilestone(second.id, amount=_eur(120000)),))
    )

    results, errors = race(
        lambda: amendments.accept(provider, contract.id, proposal.id),
        lambda: escrow.fund_milestone(customer, contract.id, second.id, "wallet"),
    )

    assert all(isinstance(e, Conflict) for e in errors), errors
    assert len(results) >= 1  # both only when the acceptance commits before the funding reads
    seen = _state(customer, contract.id)
    milestone = next(m for m in seen["contract"]["milestones"] if m["id"] == second.id)
    amendment = seen["amendments"][0]
    if amendment["status"] == "accepted":  # applied whole: amount, total and version
        assert milestone["amount"]["amount"] == 120000
        assert (seen["contract"]["version"], seen["contract"]["total"]["amount"]) == (2, 220000)
    else:  # not applied at all: the funding won
        assert amendment["status"] == "proposed" and milestone["status"] == "funded"
        assert milestone["amount"]["amount"] == 150000
        assert (seen["contract"]["version"], seen["contract"]["total"]["amount"]) == (1, 250000)
        with pytest.raises(Conflict, match="only pending"):  # and it cannot apply any more: the milestone is funded
            amendments.accept(provider, contract.id, proposal.id)
    escrowed = milestone["amount"]["amount"] if milestone["status"] == "funded" else 0
    assert ledger_repo.balance(held, EUR) == escrowed == seen["contract"]["escrow"]["held"]["amount"]
    assert ledger_repo.balance(wallet, EUR) + ledger_repo.balance(held, EUR) == 400000  # nothing made or lost
