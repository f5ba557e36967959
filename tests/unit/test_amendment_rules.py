"""The amendment rules (domain/amendments.py): what may change, what a plan applies, the lifecycle."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.amendments import (
    AMENDMENT,
    AddMilestone,
    AmendmentStatus,
    ChangeMilestone,
    Current,
    RemoveMilestone,
    all_from_json,
    check,
    to_json,
)
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, ValidationFailed
from chalicelib.domain.money import Money

TODAY = date(2026, 12, 2)
LATER = date(2027, 3, 1)
EUR = "EUR"
# Released, funded, pending, pending: positions 0..3, total 10000.
MILESTONES = [
    Current("M0", "released", 1000, 0),
    Current("M1", "funded", 2000, 1),
    Current("M2", "pending", 3000, 2),
    Current("M3", "pending", 4000, 3),
]


def eur(amount: int) -> Money:
    return Money(amount, EUR)


def test_a_plan_adds_after_the_last_position_changes_and_removes_and_recomputes_the_total() -> None:
    plan = check(
        [
            AddMilestone("Extra", eur(500), LATER, "It works"),
            ChangeMilestone("M2", amount=eur(3500)),
            RemoveMilestone("M3"),
            AddMilestone("More", eur(100), TODAY),
        ],
        MILESTONES,
        EUR,
        TODAY,
    )
    assert [(position, add.title) for position, add in plan.added] == [(4, "Extra"), (5, "More")]
    assert [c.milestone_id for c in plan.changed] == ["M2"]
    assert plan.removed == ["M3"]
    assert plan.total == 1000 + 2000 + 3500 + 500 + 100


def test_a_change_of_title_or_date_only_keeps_the_total() -> None:
    plan = check([ChangeMilestone("M3", title="Renamed", due_date=LATER)], MILESTONES, EUR, TODAY)
    assert plan.total == 10000 and plan.added == [] and plan.removed == []


@pytest.mark.parametrize("milestone_id", ["M0", "M1"])
def test_only_pending_milestones_change_or_go(milestone_id: str) -> None:
    for change in (ChangeMilestone(milestone_id, title="x"), RemoveMilestone(milestone_id)):
        with pytest.raises(Conflict) as refused:
            check([change], MILESTONES, EUR, TODAY)
        assert refused.value.status == 409 and milestone_id in refused.value.detail


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ([], "changes"),
        ([RemoveMilestone("M2"), ChangeMilestone("M2", title="again")], "changes.1.milestoneId"),
        ([ChangeMilestone("M2")], "changes.0"),
        ([AddMilestone("x", eur(1), LATER)] * 21, "changes"),
    ],
    ids=["no change", "two changes on one milestone", "a change that changes nothing", "too many"],
)
def test_malformed_proposals_are_400(changes: list[object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check(changes, MILESTONES, EUR, TODAY)  # type: ignore[arg-type]
    assert refused.value.status == 400
    assert field in [e["field"] for e in refused.value.errors]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (AddMilestone("x", Money(100, "USD"), LATER), "changes.0.amount.currency"),
        (ChangeMilestone("M2", amount=Money(100, "USD")), "changes.0.amount.currency"),
        (AddMilestone("x", eur(0), LATER), "changes.0.amount.amount"),
        (ChangeMilestone("M2", amount=eur(-5)), "changes.0.amount.amount"),
        (AddMilestone("x", eur(100), date(2026, 12, 1)), "changes.0.dueDate"),
        (ChangeMilestone("M3", due_date=date(2026, 1, 1)), "changes.0.dueDate"),
        (RemoveMilestone("NOPE"), "changes.0.milestoneId"),
        (ChangeMilestone("NOPE", title="x"), "changes.0.milestoneId"),
    ],
)
def test_what_the_contract_does_not_allow_is_422_naming_the_field(change: object, field: str) -> None:
    with pytest.raises(BusinessRuleViolated) as refused:
        check([change], MILESTONES, EUR, TODAY)  # type: ignore[list-item]
    assert refused.value.status == 422
    assert [e["field"] for e in refused.value.errors] == [field]


def test_a_contract_keeps_a_milestone_to_work_on() -> None:
    only_pending = [Current("A", "pending", 100, 0)]
    with pytest.raises(BusinessRuleViolated, match="terminate"):
        check([RemoveMilestone("A")], only_pending, EUR, TODAY)
    settled_and_pending = [
        Current("A", "released", 100, 0),
        Current("B", "resolved", 100, 1),
        Current("C", "pending", 100, 2),
    ]
    with pytest.raises(BusinessRuleViolated):  # what is left is all settled: nothing to do any more
        check([RemoveMilestone("C")], settled_and_pending, EUR, TODAY)
    # ... unless the same amendment adds work, or work in progress remains
    assert check([RemoveMilestone("A"), AddMilestone("B", eur(5), LATER)], only_pending, EUR, TODAY).total == 5
    assert check([RemoveMilestone("M2"), RemoveMilestone("M3")], MILESTONES, EUR, TODAY).total == 3000


def test_positions_stay_two_digits() -> None:
    near_the_end = [Current("A", "pending", 100, 98)]
    assert check([AddMilestone("x", eur(1), LATER)], near_the_end, EUR, TODAY).added[0][0] == 99
    with pytest.raises(BusinessRuleViolated):
        check([AddMilestone("x", eur(1), LATER)] * 2, near_the_end, EUR, TODAY)


def test_the_stored_form_round_trips_and_leaves_out_what_was_not_given() -> None:
    changes = (
        AddMilestone("Extra", eur(500), LATER, "It works"),
        AddMilestone("Bare", eur(1), LATER),
        ChangeMilestone("M2", due_date=LATER),
        RemoveMilestone("M3"),
    )
    stored = [to_json(c) for c in changes]
    assert stored[1] == {
        "op": "add",
        "title": "Bare",
        "amount": {"amount": 1, "currency": EUR},
        "dueDate": "2027-03-01",
    }
    assert stored[2] == {"op": "change", "milestoneId": "M2", "dueDate": "2027-03-01"}
    assert stored[3] == {"op": "remove", "milestoneId": "M3"}
    assert all_from_json(stored) == changes


def test_the_amendment_lifecycle() -> None:
    assert AMENDMENT.next(AmendmentStatus.PROPOSED, "accept") == AmendmentStatus.ACCEPTED
    assert AMENDMENT.next(AmendmentStatus.PROPOSED, "reject") == AmendmentStatus.REJECTED
    for decided in (AmendmentStatus.ACCEPTED, AmendmentStatus.REJECTED):
        for action in ("accept", "reject"):
            with pytest.raises(Conflict):
                AMENDMENT.next(decided, action)
