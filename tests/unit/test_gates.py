"""The gates between submission and the customer's review: lifecycle moves, the workflow's gate, reviewer ranking."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.domain.matching import reviewer_fit, reviewer_order
from chalicelib.domain.milestones import (
    MILESTONE,
    WAITS,
    MilestoneStatus,
    forward_moves,
    gate_for,
    gate_moves,
    gate_of,
    path,
)

S = MilestoneStatus


@pytest.mark.parametrize(
    ("hub", "reviewer", "gate", "lands"),
    [
        (True, True, "hub", S.HUB_REVIEW),
        (True, False, "hub", S.HUB_REVIEW),
        (False, True, "qc", S.QC_REVIEW),
        (False, False, "none", S.UNDER_REVIEW),
    ],
)
def test_a_submission_stops_at_the_first_gate(hub: bool, reviewer: bool, gate: str, lands: MilestoneStatus) -> None:
    assert gate_for(hub, reviewer) == gate
    assert path(S.FUNDED, "submit", *gate_moves(gate))[-1] == (S.SUBMITTED, lands)
    assert gate_of(lands) == gate


@pytest.mark.parametrize(
    ("state", "moves", "expected"),
    [
        (S.HUB_REVIEW, forward_moves(True), S.QC_REVIEW),
        (S.HUB_REVIEW, forward_moves(False), S.UNDER_REVIEW),
        (S.HUB_REVIEW, ("return",), S.REVISION_REQUESTED),
        (S.QC_REVIEW, ("qc_approve",), S.UNDER_REVIEW),
        (S.QC_REVIEW, ("qc_reject",), S.REVISION_REQUESTED),
    ],
)
def test_gate_moves(state: MilestoneStatus, moves: tuple[str, ...], expected: MilestoneStatus) -> None:
    assert path(state, *moves)[-1][1] == expected


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.HUB_REVIEW, "accept"),  # the customer decides only once the work reaches them
        (S.QC_REVIEW, "accept"),
        (S.QC_REVIEW, "request_revision"),
        (S.HUB_REVIEW, "qc_approve"),  # quality control comes after the hub
        (S.QC_REVIEW, "forward"),
        (S.UNDER_REVIEW, "qc_approve"),  # decided once
        (S.UNDER_REVIEW, "return"),
        (S.QC_REVIEW, "dispute"),
        (S.HUB_REVIEW, "refund"),  # a termination waits for the gate's decision
    ],
)
def test_gates_refuse_other_moves(state: MilestoneStatus, action: str) -> None:
    with pytest.raises(Conflict) as refused:
        MILESTONE.next(state, action)
    assert refused.value.status == 409


def test_every_gate_is_a_workflow_wait() -> None:
    assert WAITS["hub_review"] == {S.HUB_REVIEW}
    assert WAITS["qc_review"] == {S.QC_REVIEW}


def test_reviewers_rank_by_shared_skills_then_rating() -> None:
    task = ["Python", "spark", "airflow"]
    two_unrated = reviewer_fit(task, ["python", "SPARK"], None)
    one_top_rated = reviewer_fit(task, ["python"], 500)
    one_low_rated = reviewer_fit(task, ["python", "go"], 200)
    none_top_rated = reviewer_fit(task, ["go"], 500)
    assert two_unrated == (600 * 2 // 3 + 100, ["python", "spark"])  # case-insensitive; no price part for reviewers
    assert one_top_rated == (200 + 300 + 100, ["python"])
    fits = [none_top_rated, one_low_rated, two_unrated, one_top_rated]
    assert sorted(fits, key=lambda fit: reviewer_order(*fit)) == [
        two_unrated,  # more shared skills beat a better rating
        one_top_rated,
        one_low_rated,
        none_top_rated,
    ]


def test_a_late_token_is_answered_wherever_the_milestone_went_since() -> None:
    """A wait's message may arrive after the milestone was decided, sent back and resubmitted to a gate: the
    answer must lead the workflow on (through the next submission) rather than leave it waiting for ever."""
    from chalicelib.services.escrow import _OUTCOMES

    assert _OUTCOMES["decision"][S.QC_REVIEW] == _OUTCOMES["decision"][S.HUB_REVIEW] == "revision"
    assert _OUTCOMES["qc_review"][S.HUB_REVIEW] == _OUTCOMES["qc_review"][S.REVISION_REQUESTED] == "rejected"
    assert _OUTCOMES["qc_review"][S.UNDER_REVIEW] == "approved"
    assert _OUTCOMES["hub_review"][S.QC_REVIEW] == _OUTCOMES["hub_review"][S.UNDER_REVIEW] == "forwarded"
    assert _OUTCOMES["hub_review"][S.REVISION_REQUESTED] == "returned"
    assert _OUTCOMES["submission"][S.HUB_REVIEW] == _OUTCOMES["submission"][S.QC_REVIEW] == "submitted"
    reachable_later = {S.UNDER_REVIEW, S.REVISION_REQUESTED, S.ACCEPTED, S.RELEASED, S.DISPUTED, S.RESOLVED}
    for wait, waiting in (("hub_review", S.HUB_REVIEW), ("qc_review", S.QC_REVIEW)):
        assert reachable_later <= set(_OUTCOMES[wait]), wait
        assert waiting not in _OUTCOMES[wait]
