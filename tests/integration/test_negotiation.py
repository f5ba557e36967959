"""Negotiation before award against moto: edit, counter, accept; refusals change nothing; the award then makes
the contract at the countered terms; every move is in the bid's history and the task's selection record."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.adapters import bids_repo, profiles_repo, tasks_repo
from chalicelib.adapters.table import DecisionItem, NotificationItem
from chalicelib.domain.bids import BidChanges, Counter, PlannedMilestone
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, DomainError, NotFound, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.handlers import views
from chalicelib.handlers.consumers import NOTIFICATIONS_QUEUE
from chalicelib.services import bids, contracts, moderation, negotiation
from chalicelib.services.identity import Actor
from chalicelib.services.notifications import TITLES
from scripts import pump
from tests.integration.market import ADMIN, open_task, person, place_bid, race

pytestmark = pytest.mark.usefixtures("aws")


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def plan(*amounts: int) -> tuple[PlannedMilestone, ...]:
    return tuple(PlannedMilestone(f"Step {i + 1}", eur(a), date(2027, 4, 1)) for i, a in enumerate(amounts))


def stored(bid_id: str) -> Any:
    bid = bids_repo.get(bid_id)
    assert bid is not None
    return bid


def snapshot(bid_id: str) -> dict[str, Any]:
    """What a refusal must leave as it was: the bid as its bidder sees it, and its version."""
    bid = stored(bid_id)
    return views.bid(bid) | {"version": int(bid.version)}


def amounts(bid: Any) -> list[int]:
    return [m["amount"]["amount"] for m in bid.milestones]


def refused(error: type[DomainError], call: Any, bid_id: str) -> DomainError:
    before = snapshot(bid_id)
    with pytest.raises(error) as raised:
        call()
    assert snapshot(bid_id) == before
    return raised.value


def notes(actor: Actor, event_type: str) -> list[Any]:
    return [n for n in NotificationItem.query(f"INBOX#{actor.profile_id}") if n.event_type == event_type]


def arrived(actor: Actor, event_type: str) -> list[Any]:
    return pump.settle(
        lambda: notes(actor, event_type), what=f"{event_type} for {actor.profile_id}", queues=[NOTIFICATIONS_QUEUE]
    )


def test_edit_counter_accept_then_award_at_the_countered_terms() -> None:
    customer, provider = person("customer"), person("provider")
    task = open_task(customer)
    bid = place_bid(provider, task.id, (100000, 150000))
    other_customer, other_provider = person("customer", verified=False), person("provider")

    # the bidder edits; strangers and the owner cannot, a broken edit changes nothing
    for stranger in (other_provider, customer):
        refused(NotFound, lambda s=stranger: negotiation.edit(s, bid.id, BidChanges(duration_days=9)), bid.id)
    refused(ValidationFailed, lambda: negotiation.edit(provider, bid.id, BidChanges(price=eur(240000))), bid.id)
    usd = BidChanges(
        price=Money(240000, "USD"), milestones=(PlannedMilestone("All", Money(240000, "USD"), date(2027, 4, 1)),)
    )
    refused(BusinessRuleViolated, lambda: negotiation.edit(provider, bid.id, usd), bid.id)

    edit = BidChanges(price=eur(240000), milestones=plan(90000, 150000), duration_days=25)
    edited = negotiation.edit(provider, bid.id, edit)
    assert (int(edited.price_amount), amounts(edited), int(edited.duration_days)) == (240000, [90000, 150000], 25)
    (entry,) = views.bid(stored(bid.id))["history"]
    assert (entry["action"], entry["by"], sorted(entry["changes"])) == (
        "edited",
        "provider",
        ["durationDays", "milestones", "price"],
    )
    assert entry["changes"]["price"] == {"from": eur(250000).to_json(), "to": eur(240000).to_json()}
    (told,) = arrived(customer, "BidEdited")
    assert (told.title, told.data["bidId"], told.data["price"]) == (TITLES["BidEdited"], bid.id, eur(240000).to_json())
    assert notes(provider, "BidEdited") == []

    # the owner counters; strangers and the bidder cannot; broken counters change nothing
    offer = Counter(eur(200000), "Can you do 2000?")
    for stranger in (other_customer, provider):
        refused(NotFound, lambda s=stranger: negotiation.counter(s, bid.id, offer), bid.id)
    error = refused(
        BusinessRuleViolated, lambda: negotiation.counter(customer, bid.id, Counter(eur(90000), "x")), bid.id
    )
    assert error.status == 422 and error.errors[0]["field"] == "milestones"  # the last milestone would be 0
    refused(BusinessRuleViolated, lambda: negotiation.counter(customer, bid.id, Counter(Money(1, "USD"), "x")), bid.id)
    refused(ValidationFailed, lambda: negotiation.counter(customer, bid.id, Counter(eur(200000), "x", plan(1))), bid.id)
    refused(Conflict, lambda: negotiation.accept_counter(provider, bid.id), bid.id)  # nothing to accept yet

    negotiation.counter(ADMIN, bid.id, Counter(eur(210000), "The hub suggests 2100"))  # hub mode: admins counter
    assert stored(bid.id).counter_offer["by"] == "admin"
    countered = views.bid(negotiation.counter(customer, bid.id, offer), for_owner=True)  # replaces the open one
    assert countered["price"] == eur(240000).to_json()  # the bid's own terms stay until the bidder accepts
    assert countered["counterOffer"] | {"at": None} == {
        "price": eur(200000).to_json(),
        "milestones": [m.to_json() for m in plan(90000, 110000)],  # the last one took the difference
        "note": "Can you do 2000?",
        "by": "customer",
        "at": None,
        "status": "open",
    }
    assert [e["action"] for e in countered["history"]] == ["edited", "countered", "countered"]
    assert [e["by"] for e in countered["history"]] == ["provider", "admin", "customer"]
    assert countered["history"][-1]["note"] == "Can you do 2000?"
    offered = arrived(provider, "CounterOffered")
    assert {n.data["price"]["amount"] for n in offered} == {210000, 200000}
    assert offered[0].title == TITLES["CounterOffered"]

    # the bidder accepts: the bid takes the countered price and milestones
    for stranger in (other_provider, customer):
        refused(NotFound, lambda s=stranger: negotiation.accept_counter(s, bid.id), bid.id)
    accepted = views.bid(negotiation.accept_counter(provider, bid.id))
    assert (accepted["price"], [m["amount"]["amount"] for m in accepted["milestones"]]) == (
        eur(200000).to_json(),
        [90000, 110000],
    )
    assert accepted["counterOffer"]["status"] == "accepted"
    assert accepted["history"][-1]["action"] == "counter_accepted"
    refused(Conflict, lambda: negotiation.accept_counter(provider, bid.id), bid.id)  # accepted once
    (thanks,) = arrived(customer, "CounterAccepted")
    assert thanks.data["price"] == eur(200000).to_json()

    # every move is in the task's selection record, by whom
    decisions = [
        (d.action, d.actor_id)
        for d in DecisionItem.query(tasks_repo.key(task.id), DecisionItem.sk.startswith("DECISION#"))
    ]
    assert decisions == [
        ("edit", provider.profile_id),
        ("counter", f"admin:{ADMIN.sub}"),
        ("counter", customer.profile_id),
        ("accept_counter", provider.profile_id),
    ]

    # the award makes the contract at the countered terms; the bid negotiates no more
    contract, milestones = contracts.award(customer, bid.id)
    assert int(contract.total_amount) == 200000
    ordered = sorted(milestones, key=lambda m: int(m.position))
    assert [(m.title, int(m.amount)) for m in ordered] == [("Step 1", 90000), ("Step 2", 110000)]
    refused(Conflict, lambda: negotiation.edit(provider, bid.id, BidChanges(duration_days=9)), bid.id)
    refused(Conflict, lambda: negotiation.counter(customer, bid.id, offer), bid.id)


def test_an_edit_supersedes_the_open_counter_and_races_its_acceptance() -> None:
    customer, provider = person("customer"), person("provider")
    task = open_task(customer)
    bid = place_bid(provider, task.id, (100000, 150000))
    negotiation.counter(customer, bid.id, Counter(eur(200000), "Less?"))
    negotiation.edit(provider, bid.id, BidChanges(proposal="I keep my price."))
    assert stored(bid.id).counter_offer["status"] == "superseded"
    refused(Conflict, lambda: negotiation.accept_counter(provider, bid.id), bid.id)
    assert negotiation.edit(provider, bid.id, BidChanges(proposal="I keep my price.")).version == stored(bid.id).version

    # an edit and an acceptance at once: exactly one wins, and the bid is what that one made it
    negotiation.counter(customer, bid.id, Counter(eur(220000), "Meet me halfway?"))
    done, lost = race(
        lambda: negotiation.accept_counter(provider, bid.id),
        lambda: negotiation.edit(provider, bid.id, BidChanges(duration_days=7)),
    )
    assert len(done) == 1 and [type(e) for e in lost] == [Conflict]
    now = stored(bid.id)
    if now.counter_offer["status"] == "accepted":
        assert (int(now.price_amount), amounts(now), int(now.duration_days)) == (220000, [100000, 120000], 20)
    else:
        assert now.counter_offer["status"] == "superseded"
        assert (int(now.price_amount), int(now.duration_days)) == (250000, 7)
    assert sum(amounts(now)) == int(now.price_amount)


def test_negotiation_keeps_an_anonymous_bidder_anonymous_and_ends_with_the_task() -> None:
    customer, provider = person("customer"), person("provider")
    assert provider.profile is not None
    provider.profile.anonymous = True
    provider.profile.save()
    provider = Actor(provider.claims, profiles_repo.get_by_sub(provider.sub))
    task = open_task(customer)
    bid = place_bid(provider, task.id, (100000,))
    negotiation.edit(provider, bid.id, BidChanges(proposal="Still me."))
    shown = views.bid(negotiation.counter(customer, bid.id, Counter(eur(90000), "Less?")), for_owner=True)
    alias = moderation.alias_for(str(provider.profile_id), task.id)
    assert shown["providerId"] == alias.id
    assert str(provider.profile_id) not in str(shown)
    assert views.bid(bids.get_bid(customer, bid.id), for_owner=True)["history"] == shown["history"]

    from chalicelib.services import tasks

    tasks.cancel(customer, task.id)
    assert stored(bid.id).counter_offer["status"] == "closed"  # the open counter closed with the bid
    refused(Conflict, lambda: negotiation.accept_counter(provider, bid.id), bid.id)  # the bid closed with its task
