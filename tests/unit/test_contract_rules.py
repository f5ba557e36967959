"""Who a caller is in a contract, and when a contract completes: pure rules, no AWS."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chalicelib.domain.contracts import ContractStatus, every_milestone_settled, role_in, status_after_milestone_move
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.milestones import MilestoneStatus as M


@dataclass
class Contract:
    customer_id: str = "cust"
    provider_id: str = "prov"
    reviewer_id: str | None = None


@pytest.mark.parametrize(
    ("profile_id", "is_admin", "reviewer_id", "role"),
    [
        ("cust", False, None, "customer"),
        ("prov", False, None, "provider"),
        ("rev", False, "rev", "reviewer"),
        (None, True, None, "admin"),
        ("other", True, None, "admin"),
        ("cust", True, None, "customer"),  # an admin who is a party acts as the party
    ],
)
def test_role_in_names_the_callers_part(
    profile_id: str | None, is_admin: bool, reviewer_id: str | None, role: str
) -> None:
    assert role_in(Contract(reviewer_id=reviewer_id), profile_id, is_admin) == role


@pytest.mark.parametrize(("profile_id", "reviewer_id"), [("other", None), ("other", "rev"), (None, None), (None, "")])
def test_a_stranger_gets_a_404_as_if_the_contract_did_not_exist(
    profile_id: str | None, reviewer_id: str | None
) -> None:
    with pytest.raises(NotFound):
        role_in(Contract(reviewer_id=reviewer_id), profile_id, False)


def test_a_contract_completes_when_every_milestone_is_released_or_resolved() -> None:
    assert status_after_milestone_move(ContractStatus.ACTIVE, [M.RELEASED, "resolved"]) is ContractStatus.COMPLETED
    assert every_milestone_settled(["released", "released"])


@pytest.mark.parametrize("open_status", sorted(set(M) - {M.RELEASED, M.RESOLVED}))
def test_one_unsettled_milestone_keeps_the_contract_as_it_is(open_status: M) -> None:
    assert status_after_milestone_move(ContractStatus.ACTIVE, [M.RELEASED, open_status]) is ContractStatus.ACTIVE
    assert not every_milestone_settled([open_status.value])


def test_no_milestones_is_nothing_settled() -> None:
    assert not every_milestone_settled([])
    assert status_after_milestone_move(ContractStatus.ACTIVE, []) is ContractStatus.ACTIVE


@pytest.mark.parametrize("status", [ContractStatus.DRAFT, ContractStatus.COMPLETED, ContractStatus.TERMINATED])
def test_only_an_active_contract_can_complete(status: ContractStatus) -> None:
    with pytest.raises(Conflict):
        status_after_milestone_move(status, [M.RELEASED])


def test_an_unknown_milestone_status_is_refused_not_ignored() -> None:
    with pytest.raises(ValueError, match="paid"):
        every_milestone_settled(["released", "paid"])
