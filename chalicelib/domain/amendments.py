"""Amendments (supplementary agreements): one party proposes to add, change or remove unfunded milestones of
an active contract, the other accepts or rejects.

Pure rules, so that the same check runs when the amendment is proposed and again when it is accepted (the
contract may have moved on in between: a milestone funded, a due date passed):
- at least one change, at most one change per milestone, a change changes something;
- only `pending` milestones change or go (money in escrow is never re-priced or dropped by an amendment);
- amounts are positive and in the contract's currency; a new or changed due date is not before today (UTC);
- the contract keeps at least one milestone still to settle: an amendment never ends a deal (terminate does);
- positions stay two digits (the milestone's sort key is `MILESTONE#<pos:02d>#<id>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import BusinessRuleViolated, Conflict, ValidationFailed
from chalicelib.domain.lifecycle import Lifecycle
from chalicelib.domain.milestones import SETTLED, MilestoneStatus
from chalicelib.domain.money import Money


class AmendmentStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


AMENDMENT = Lifecycle[AmendmentStatus](
    "amendment",
    {AmendmentStatus.PROPOSED: {"accept": AmendmentStatus.ACCEPTED, "reject": AmendmentStatus.REJECTED}},
)

MAX_CHANGES = 20  # keeps the accepting transaction far below DynamoDB's 100 items
MAX_POSITION = 99  # the sort key holds two digits of position
# Milestones that no longer count as work to do (the last two only on a terminated contract).
DONE = SETTLED | {MilestoneStatus.CANCELLED, MilestoneStatus.REFUNDED}


@dataclass(frozen=True)
class AddMilestone:
    title: str
    amount: Money
    due_date: date
    acceptance_criteria: str | None = None


@dataclass(frozen=True)
class ChangeMilestone:
    """Only the fields given change (None: unchanged)."""

    milestone_id: str
    title: str | None = None
    amount: Money | None = None
    due_date: date | None = None
    acceptance_criteria: str | None = None

    @property
    def changes_something(self) -> bool:
        return any(v is not None for v in (self.title, self.amount, self.due_date, self.acceptance_criteria))


@dataclass(frozen=True)
class RemoveMilestone:
    milestone_id: str


Change = AddMilestone | ChangeMilestone | RemoveMilestone


@dataclass(frozen=True)
class NewAmendment:
    reason: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Current:
    """What the rules need to know of an existing milestone."""

    id: str
    status: str
    amount: int
    position: int


@dataclass(frozen=True)
class Plan:
    """What accepting the amendment does: milestones to add (with their positions), to change, to remove,
    and the contract's new total."""

    added: list[tuple[int, AddMilestone]] = field(default_factory=list)
    changed: list[ChangeMilestone] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    total: int = 0


def check(changes: Sequence[Change], milestones: Sequence[Current], currency: str, today: date) -> Plan:
    """Validate the changes against the contract's milestones as they are now, and plan them.

    400: a malformed proposal (no change, two changes on one milestone, a change that changes nothing);
    409: a milestone that is no longer `pending`; 422: anything else the contract does not allow.
    """
    _check_shape(changes)
    by_id = {m.id: m for m in milestones}
    problems: list[dict[str, Any]] = []
    not_pending: list[str] = []
    for index, change in enumerate(changes):
        where = f"changes.{index}"
        if not isinstance(change, AddMilestone):
            current = by_id.get(change.milestone_id)
            if current is None:
                problems.append({"field": f"{where}.milestoneId", "message": "no such milestone in this contract"})
                continue
            if current.status != MilestoneStatus.PENDING.value:
                not_pending.append(f"{current.id} is {current.status}")
                continue
        if isinstance(change, RemoveMilestone):
            continue
        if change.amount is not None and change.amount.currency != currency:
            problems.append({"field": f"{where}.amount.currency", "message": f"must be {currency}"})
        if change.amount is not None and change.amount.amount <= 0:
            problems.append({"field": f"{where}.amount.amount", "message": "must be positive"})
        if change.due_date is not None and change.due_date < today:
            problems.append({"field": f"{where}.dueDate", "message": f"must be {today.isoformat()} or later"})
    if not_pending:
        raise Conflict("only pending milestones can be changed or removed: " + "; ".join(not_pending))
    if problems:
        raise BusinessRuleViolated("the amendment does not fit the contract", problems)
    return _plan(changes, milestones)


def _check_shape(changes: Sequence[Change]) -> None:
    if not changes:
        raise ValidationFailed("an amendment needs at least one change", [{"field": "changes", "message": "empty"}])
    if len(changes) > MAX_CHANGES:
        raise ValidationFailed(
            f"at most {MAX_CHANGES} changes per amendment", [{"field": "changes", "message": f"{MAX_CHANGES} at most"}]
        )
    seen: set[str] = set()
    errors: list[dict[str, Any]] = []
    for index, change in enumerate(changes):
        if isinstance(change, AddMilestone):
            continue
        if change.milestone_id in seen:
            errors.append({"field": f"changes.{index}.milestoneId", "message": "one change per milestone"})
        seen.add(change.milestone_id)
        if isinstance(change, ChangeMilestone) and not change.changes_something:
            errors.append({"field": f"changes.{index}", "message": "name at least one field to change"})
    if errors:
        raise ValidationFailed("the changes are not valid", errors)


def _plan(changes: Sequence[Change], milestones: Sequence[Current]) -> Plan:
    removed = [c.milestone_id for c in changes if isinstance(c, RemoveMilestone)]
    changed = [c for c in changes if isinstance(c, ChangeMilestone)]
    adds = [c for c in changes if isinstance(c, AddMilestone)]
    new_amounts = {c.milestone_id: c.amount.amount for c in changed if c.amount is not None}
    kept = [m for m in milestones if m.id not in removed]
    if not adds and all(MilestoneStatus(m.status) in DONE for m in kept):
        raise BusinessRuleViolated(
            "a contract keeps at least one milestone to work on; to end the deal, terminate it",
            [{"field": "changes", "message": "removes every milestone still to do"}],
        )
    start = max((m.position for m in milestones), default=-1) + 1
    if start + len(adds) - 1 > MAX_POSITION:
        raise BusinessRuleViolated(
            f"a contract holds at most {MAX_POSITION + 1} milestones over its life",
            [{"field": "changes", "message": "too many milestones"}],
        )
    total = sum(new_amounts.get(m.id, m.amount) for m in kept) + sum(a.amount.amount for a in adds)
    return Plan([(start + i, a) for i, a in enumerate(adds)], changed, removed, total)


# --- the stored form: the changes as proposed, in the API's shape ---------------------------------------------


def to_json(change: Change) -> dict[str, Any]:
    """A change as the API shows it and the amendment item stores it (fields not given are left out)."""
    if isinstance(change, RemoveMilestone):
        return {"op": "remove", "milestoneId": change.milestone_id}
    stored: dict[str, Any] = {"op": "add"} if isinstance(change, AddMilestone) else {"op": "change"}
    if isinstance(change, ChangeMilestone):
        stored["milestoneId"] = change.milestone_id
    for name, value in (
        ("title", change.title),
        ("amount", change.amount.to_json() if change.amount is not None else None),
        ("dueDate", change.due_date.isoformat() if change.due_date is not None else None),
        ("acceptanceCriteria", change.acceptance_criteria),
    ):
        if value is not None:
            stored[name] = value
    return stored


def from_json(stored: Mapping[str, Any]) -> Change:
    amount = stored.get("amount")
    money = Money(int(amount["amount"]), str(amount["currency"])) if amount is not None else None
    due = date.fromisoformat(stored["dueDate"]) if stored.get("dueDate") else None
    criteria = stored.get("acceptanceCriteria")
    if stored["op"] == "remove":
        return RemoveMilestone(stored["milestoneId"])
    if stored["op"] == "change":
        return ChangeMilestone(stored["milestoneId"], stored.get("title"), money, due, criteria)
    if money is None or due is None:
        raise ValidationFailed("a new milestone needs an amount and a due date")
    return AddMilestone(stored["title"], money, due, criteria)


def all_from_json(stored: Iterable[Mapping[str, Any]]) -> tuple[Change, ...]:
    return tuple(from_json(c) for c in stored)
