"""Overdue milestones on moto's Step Functions: the first submission wait times out at the end of the due date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import contracts_repo
from chalicelib.adapters.table import NotificationItem
from chalicelib.domain.milestones import due_end
from chalicelib.handlers import views
from chalicelib.handlers.consumers import CALLBACKS_QUEUE, NOTIFICATIONS_QUEUE
from chalicelib.services import escrow
from chalicelib.services.identity import Actor
from scripts import pump
from tests.integration.conftest import workflow_waits
from tests.integration.market import active_contract, entered_states, put_file

pytestmark = pytest.mark.usefixtures("aws")


def overdue_inbox(actor: Actor) -> list[Any]:
    return [n for n in NotificationItem.query(f"INBOX#{actor.profile_id}") if n.event_type == "MilestoneOverdue"]


def test_a_funded_milestone_past_its_due_date_is_overdue_once_then_still_deliverable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer, provider, contract, (first, second) = active_contract((30000, 20000), deposit=30000)
    late = due_end(first.due_date) + timedelta(hours=1)
    monkeypatch.setattr(escrow, "now", lambda: late)  # funded a day after the due date: the wait times out at once
    monkeypatch.setattr(views, "now", lambda: late)
    escrow.fund_milestone(customer, contract.id, first.id, "wallet")

    token = pump.settle(  # AwaitSubmission times out, NotifyOverdue tells us, AwaitNextSubmission parks a new token
        lambda: (contracts_repo.partition(contract.id), escrow.parked_token(contract.id, first.id)),
        done=lambda got: (
            got[0] is not None
            and any(m.overdue_notified_at for m in got[0].milestones)
            and got[1] is not None
            and "AwaitNextSubmission" in _states(contract.id, first.id)
        ),
        what="the overdue notice and the next submission wait",
        queues=[CALLBACKS_QUEUE],
    )[1]
    for party in (customer, provider):
        notes = pump.settle(
            lambda party=party: overdue_inbox(party),
            what=f"MilestoneOverdue in the inbox of {party.profile_id}",
            queues=[NOTIFICATIONS_QUEUE],
        )
        assert [n.data["milestoneId"] for n in notes] == [first.id]  # one each, for the late milestone only

    found = contracts_repo.partition(contract.id)
    assert found is not None
    shown = {m["id"]: m for m in views.contract(found.contract, found.milestones)["milestones"]}
    assert shown[first.id]["overdue"] is True and shown[first.id]["status"] == "funded"
    assert shown[second.id]["overdue"] is True  # unfunded and past due: shown, but no workflow tells of it
    assert escrow.mark_overdue(contract.id, first.id) is False  # a redelivered message tells no one again

    escrow.submit(provider, contract.id, first.id, [put_file(provider, "deliverable")], None)
    assert token.wait == "submission"
    workflow_waits(contract.id, first.id, "decision")  # late work still goes to review
    found = contracts_repo.partition(contract.id)
    assert found is not None
    after = {m["id"]: m for m in views.contract(found.contract, found.milestones)["milestones"]}
    assert after[first.id]["overdue"] is False and after[first.id]["status"] == "under_review"


def _states(contract_id: str, milestone_id: str) -> list[str]:
    return entered_states(escrow.execution_arn(contract_id, milestone_id))
