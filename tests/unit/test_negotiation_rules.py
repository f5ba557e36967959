"""Negotiation before award, the pure rules: which bids negotiate, an edit keeps a new bid's rules, what a
counter-offer's milestones are when it names none, and what a history entry records."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.bids import (
    BID,
    MAX_MOVES,
    BidChanges,
    BidStatus,
    Counter,
    Move,
    PlannedMilestone,
    Terms,
    changes_between,
    check_room,
    countered_milestones,
    edited,
    history_entry,
)
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.schemas import bids as bodies

MOVES = ("edit", "counter", "accept_counter")


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def plan(*amounts: int) -> tuple[PlannedMilestone, ...]:
    return tuple(PlannedMilestone(f"Part {i + 1}", eur(a), date(2027, 3, 1)) for i, a in enumerate(amounts))


TERMS = Terms(eur(100_000), "Happy to.", 20, plan(40_000, 60_000))


@pytest.mark.parametrize("state", [BidStatus.SUBMITTED, BidStatus.SHORTLISTED])
@pytest.mark.parametrize("move", MOVES)
def test_a_live_bid_negotiates_and_keeps_its_status(state: BidStatus, move: str) -> None:
    assert BID.next(state, move) == state


@pytest.mark.parametrize(
    "state", [BidStatus.REJECTED, BidStatus.WITHDRAWN, BidStatus.LOST, BidStatus.AWARDED, BidStatus.CLOSED]
)
@pytest.mark.parametrize("move", MOVES)
def test_a_decided_bid_negotiates_no_more(state: BidStatus, move: str) -> None:
    with pytest.raises(Conflict) as raised:
        BID.next(state, move)
    assert raised.value.status == 409 and state.value in raised.value.detail


def test_an_edit_of_the_proposal_keeps_the_rest() -> None:
    after = edited(TERMS, BidChanges(proposal="Even happier."))
    assert after == Terms(eur(100_000), "Even happier.", 20, TERMS.milestones)


def test_a_new_price_needs_milestones_that_add_up_to_it() -> None:
    with pytest.raises(ValidationFailed) as raised:
        edited(TERMS, BidChanges(price=eur(90_000)))  # the old milestones add up to 100000
    assert raised.value.status == 400 and [e["field"] for e in raised.value.errors] == ["milestones"]
    after = edited(TERMS, BidChanges(price=eur(90_000), milestones=plan(30_000, 60_000)))
    assert (after.price, [m.amount.amount for m in after.milestones]) == (eur(90_000), [30_000, 60_000])


def test_new_milestones_must_add_up_to_the_kept_price() -> None:
    with pytest.raises(ValidationFailed):
        edited(TERMS, BidChanges(milestones=plan(50_000, 50_001)))


def test_an_empty_edit_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="nothing to change"):
        edited(TERMS, BidChanges())


def test_sent_counter_milestones_must_add_up_to_the_countered_price() -> None:
    assert countered_milestones(eur(80_000), TERMS.milestones, plan(80_000)) == plan(80_000)
    with pytest.raises(ValidationFailed):
        countered_milestones(eur(80_000), TERMS.milestones, plan(40_000, 39_999))


@pytest.mark.parametrize(("price", "last"), [(90_000, 50_000), (110_000, 70_000), (40_001, 1)])
def test_without_milestones_the_last_one_takes_the_difference(price: int, last: int) -> None:
    milestones = countered_milestones(eur(price), TERMS.milestones, None)
    assert [m.amount.amount for m in milestones] == [40_000, last]
    assert milestones[0] == TERMS.milestones[0]
    assert (milestones[1].title, milestones[1].due_date) == (TERMS.milestones[1].title, TERMS.milestones[1].due_date)


@pytest.mark.parametrize("price", [40_000, 39_999, 1])
def test_a_last_milestone_of_zero_or_less_is_a_422(price: int) -> None:
    with pytest.raises(BusinessRuleViolated) as raised:
        countered_milestones(eur(price), TERMS.milestones, None)
    assert raised.value.status == 422 and raised.value.errors[0]["field"] == "milestones"


def test_changes_name_only_what_differs_and_stay_small() -> None:
    after = Terms(eur(90_000), "Other words.", 20, plan(40_000, 50_000))
    assert changes_between(TERMS, after) == {
        "price": {"from": {"amount": 100_000, "currency": "EUR"}, "to": {"amount": 90_000, "currency": "EUR"}},
        "proposal": {"changed": True},
        "milestones": {
            "from": [{"amount": 40_000, "currency": "EUR"}, {"amount": 60_000, "currency": "EUR"}],
            "to": [{"amount": 40_000, "currency": "EUR"}, {"amount": 50_000, "currency": "EUR"}],
        },
    }
    assert changes_between(TERMS, TERMS) == {}


def test_a_history_entry_names_a_role_not_a_person() -> None:
    entry = history_entry(Move.COUNTERED, "customer", "2026-12-02T06:00:00Z", {}, "Can you do 90k?")
    assert entry == {
        "at": "2026-12-02T06:00:00Z",
        "by": "customer",
        "action": "countered",
        "changes": {},
        "note": "Can you do 90k?",
    }
    assert "note" not in history_entry(Move.EDITED, "provider", "t", {})


def test_a_bid_takes_a_bounded_number_of_moves() -> None:
    check_room([{}] * (MAX_MOVES - 1))
    with pytest.raises(BusinessRuleViolated):
        check_room([{}] * MAX_MOVES)


def test_a_milestone_round_trips_through_its_stored_shape() -> None:
    milestone = PlannedMilestone("Design", eur(1), date(2027, 1, 2), "Reviewed")
    assert PlannedMilestone.from_json(json.loads(json.dumps(milestone.to_json()))) == milestone


# --- the bodies -----------------------------------------------------------------------------------------


def parse(model: Any, payload: dict[str, Any]) -> Any:
    return model.model_validate_json(json.dumps(payload))


def test_an_edit_body_sends_only_what_changes() -> None:
    assert parse(bodies.EditBid, {"durationDays": 9}).to_command() == BidChanges(duration_days=9)
    milestone = {"title": "All", "amount": {"amount": 500, "currency": "EUR"}, "dueDate": "2027-01-02"}
    command = parse(bodies.EditBid, {"price": {"amount": 500, "currency": "EUR"}, "milestones": [milestone]})
    assert command.to_command() == BidChanges(
        price=eur(500), milestones=(PlannedMilestone("All", eur(500), date(2027, 1, 2)),)
    )


@pytest.mark.parametrize(
    "payload",
    [{}, {"price": None}, {"durationDays": 0}, {"milestones": []}, {"proposal": "  "}, {"status": "awarded"}],
)
def test_an_edit_body_refuses_nothing_nulls_and_what_a_bid_refuses(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse(bodies.EditBid, payload)


def test_a_counter_body_needs_a_price_and_a_note_and_may_name_milestones() -> None:
    body = {"price": {"amount": 900, "currency": "EUR"}, "note": "Less, please"}
    assert parse(bodies.CounterOffer, body).to_command() == Counter(eur(900), "Less, please")
    for missing in ("price", "note"):
        with pytest.raises(ValidationError):
            parse(bodies.CounterOffer, {k: v for k, v in body.items() if k != missing})
