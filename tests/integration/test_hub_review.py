"""Hub mode's submission gate on moto with the real workflow: submissions wait in `hub_review` until an admin
returns them to the provider or forwards them (to quality control when a reviewer is assigned, else to the
customer, whose review window starts then)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import workflow
from chalicelib.adapters.table import ContractItem
from chalicelib.domain.errors import Conflict, Forbidden, NotFound
from chalicelib.handlers import views
from chalicelib.handlers.consumers import CALLBACKS_QUEUE
from chalicelib.services import contracts, escrow, gates, hub, notifications
from scripts import pump
from tests.integration.conftest import workflow_waits
from tests.integration.market import ADMIN, active_contract, entered_states, person, put_file


def _hub(contract: Any) -> None:
    """The contract of a hub task (the award copies `hub` from the task; the task side is hub mode's own work)."""
    contract.update(actions=[ContractItem.hub.set(True)])


def _queued() -> list[str]:
    return [m.id for m in gates.hub_submissions(ADMIN, 100, None).items]


def _company_sees(customer: Any, contract_id: str, milestone_id: str) -> dict[str, Any]:
    """The milestone in the company's view of its hub contract (GET /contracts/{id})."""
    loaded, milestones, _ = contracts.load(customer, contract_id)
    view = views.masked(views.contract(loaded, milestones), hub.mask_for(customer, loaded))
    return next(m for m in view["milestones"] if m["id"] == milestone_id)


def test_the_hub_returns_then_forwards_to_the_reviewer_who_approves(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((60000,), deposit=60000)
    cid, mid = contract.id, only.id
    _hub(contract)
    reviewer = person("provider")
    gates.assign_reviewer(ADMIN, cid, str(reviewer.profile_id))
    escrow.fund_milestone(customer, cid, mid, "wallet")
    workflow_waits(cid, mid, "submission")

    first = put_file(provider, "deliverable")
    held = escrow.submit(provider, cid, mid, [first], "v1")
    assert (held.status, held.review_deadline) == ("hub_review", None)
    with pytest.raises(NotFound):
        escrow.deliverable_url(customer, cid, mid, first)  # not the company's before the hub forwards it
    assert escrow.deliverable_url(ADMIN, cid, mid, first)["url"]
    assert mid in _queued()
    workflow_waits(cid, mid, "hub_review")
    with pytest.raises(Forbidden):
        gates.forward(customer, cid, mid)  # admins only
    with pytest.raises(Conflict):
        gates.qc_approve(reviewer, cid, mid)  # not at quality control yet

    assert _company_sees(customer, cid, mid)["submissions"] == []  # the hub has it, the company does not

    returned = gates.return_submission(ADMIN, cid, mid, "Drawings are unreadable")
    assert returned.status == "revision_requested"
    assert returned.revisions[-1] == {
        "reason": "Drawings are unreadable",
        "at": returned.revisions[-1]["at"],
        "by": "hub",
    }
    assert mid not in _queued()
    told = pump.settle(
        lambda: [n.event_type for n in notifications.inbox(provider, 20, None).items],
        done=lambda types: "SubmissionReturned" in types,
        what="the provider's SubmissionReturned notification",
    )
    assert "SubmissionReturned" in told
    company = [n.event_type for n in notifications.inbox(customer, 20, None).items]
    assert "SubmissionReturned" not in company and "MilestoneSubmitted" not in company  # the hub checks first

    workflow_waits(cid, mid, "submission")
    escrow.submit(provider, cid, mid, [put_file(provider, "deliverable")], "v2")
    workflow_waits(cid, mid, "hub_review")
    forwarded = gates.forward(ADMIN, cid, mid)
    assert (forwarded.status, forwarded.review_deadline) == ("qc_review", None)
    seen = _company_sees(customer, cid, mid)  # the forwarded work only: not v1, nor why the hub returned it
    assert [s["note"] for s in seen["submissions"]] == ["v2"] and seen["revisions"] == []
    assert [s["note"] for s in views.milestone(forwarded)["submissions"]] == ["v1", "v2"]  # the hub sees both
    workflow_waits(cid, mid, "qc_review")
    assert gates.qc_approve(reviewer, cid, mid).status == "under_review"
    workflow_waits(cid, mid, "decision")
    escrow.accept(customer, cid, mid)
    arn = escrow.execution_arn(cid, mid)
    pump.settle(lambda: workflow.status(arn), done=lambda s: s == "SUCCEEDED", queues=[CALLBACKS_QUEUE])
    assert entered_states(arn) == [
        "AwaitSubmission",
        "RouteSubmission",
        "AwaitHubReview",
        "RouteHub",
        "AwaitNextSubmission",
        "RouteSubmission",
        "AwaitHubReview",
        "RouteHub",
        "AwaitQcReview",
        "RouteQc",
        "AwaitDecision",
        "RouteDecision",
        "Released",
    ]


def test_forwarded_without_a_reviewer_the_customer_review_window_starts_then(aws: dict[str, str]) -> None:
    customer, provider, contract, (only,) = active_contract((40000,), deposit=40000)
    cid, mid = contract.id, only.id
    _hub(contract)
    escrow.fund_milestone(customer, cid, mid, "wallet")
    escrow.submit(provider, cid, mid, [put_file(provider, "deliverable")], None)  # before the workflow parks
    workflow_waits(cid, mid, "hub_review")  # the late submission answer named the hub gate

    at = datetime.now().astimezone()
    forwarded = gates.forward(ADMIN, cid, mid)
    assert forwarded.status == "under_review"
    deadline = datetime.fromisoformat(str(forwarded.review_deadline).replace("Z", "+00:00"))
    window = timedelta(seconds=escrow.get_settings().review_window_seconds)
    assert abs(deadline - (at + window)) < timedelta(seconds=5)
    with pytest.raises(Conflict):
        gates.forward(ADMIN, cid, mid)  # forwarded once
    workflow_waits(cid, mid, "decision")
    assert entered_states(escrow.execution_arn(cid, mid))[-3:] == ["AwaitHubReview", "RouteHub", "AwaitDecision"]
    assert contracts.load(customer, cid)[1][0].status == "under_review"
