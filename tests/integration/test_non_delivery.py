"""Non-delivery disputes and evidence: the customer disputes work that never came, both sides bring evidence,
the admin's split returns the escrow, and the milestone's workflow ends through its resolution wait.

Revenue is shared by the session: only the parties' wallets and the contract's escrow are compared exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from chalicelib.adapters import audit_repo, contracts_repo, ledger_repo, workflow
from chalicelib.domain import ledger
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound
from chalicelib.domain.money import Money
from chalicelib.handlers import views
from chalicelib.handlers.consumers import CALLBACKS_QUEUE, NOTIFICATIONS_QUEUE
from chalicelib.services import disputes, escrow, notifications
from scripts import pump
from tests.integration.conftest import workflow_waits
from tests.integration.market import ADMIN, active_contract, books, person, put_file, race

pytestmark = pytest.mark.usefixtures("aws")
EUR = "EUR"


def _eur(account: str) -> int:
    return ledger_repo.balance(account, EUR)


def _milestone(contract_id: str, milestone_id: str) -> Any:
    found = contracts_repo.partition(contract_id)
    assert found is not None
    return next(m for m in found.milestones if m.id == milestone_id)


def _ends_resolved(contract_id: str, milestone_id: str) -> list[str]:
    """Drain the workflow's callbacks until the execution succeeds; the states it went through."""
    arn = escrow.execution_arn(contract_id, milestone_id)
    pump.settle(lambda: workflow.status(arn), done=lambda s: s == "SUCCEEDED", what=arn, queues=[CALLBACKS_QUEUE])
    return [e["stateEnteredEventDetails"]["name"] for e in workflow.history(arn) if e["type"].endswith("StateEntered")]


def _queued(contract_id: str, milestone_id: str) -> dict[str, Any] | None:
    page = escrow.open_disputes(ADMIN, 100, None)
    while True:
        for item in page.items:
            if (item.contract_id, item.id) == (contract_id, milestone_id):
                return views.dispute(item)
        if page.next_cursor is None:
            return None
        page = escrow.open_disputes(ADMIN, 100, page.next_cursor)


def test_a_funded_milestone_never_delivered_comes_back_to_the_customer_through_a_dispute() -> None:
    customer, provider, contract, (first, second) = active_contract((40000, 25000), deposit=65000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, first.id, "wallet")
    workflow_waits(cid, first.id, "submission")  # the dispute answers the parked submission token
    before = books(customer, provider, cid)
    assert before == (25000, 0, 40000)

    proof = put_file(customer, "evidence", b"mail: no delivery by the due date", "text/plain")
    disputed = escrow.dispute(customer, cid, first.id, "Nothing was delivered.", [proof])
    assert disputed.status == "disputed"
    assert (disputed.dispute["kind"], disputed.dispute["openedBy"]) == ("non_delivery", "customer")

    # both sides add evidence at once: neither is refused for the other's write
    notes = {"customer": "Chased twice, no answer.", "provider": "The spec never arrived."}
    files = {"customer": put_file(customer, "evidence"), "provider": put_file(provider, "evidence")}
    _, errors = race(
        lambda: disputes.add_evidence(customer, cid, first.id, notes["customer"], [files["customer"]]),
        lambda: disputes.add_evidence(provider, cid, first.id, notes["provider"], [files["provider"]]),
    )
    assert errors == []

    item = _queued(cid, first.id)
    assert item is not None and item["kind"] == "non_delivery" and item["amount"]["amount"] == 40000
    customer_side, provider_side = item["customerSide"], item["providerSide"]
    assert customer_side["reason"] == "Nothing was delivered."
    assert [e["note"] for e in customer_side["evidence"]] == [None, notes["customer"]]
    assert [f["uploadId"] for e in customer_side["evidence"] for f in e["files"]] == [proof, files["customer"]]
    assert provider_side["reason"] is None
    assert [e["note"] for e in provider_side["evidence"]] == [notes["provider"]]
    assert all("key" not in f for e in customer_side["evidence"] + provider_side["evidence"] for f in e["files"])

    # the parties and admins download either side's files; a stranger learns nothing
    for who in (ADMIN, provider, customer):
        link = disputes.evidence_url(who, cid, first.id, proof)
        assert (link["by"], link["size"]) == ("customer", len(b"mail: no delivery by the due date"))
        assert requests.get(link["url"], timeout=10).content == b"mail: no delivery by the due date"
    with pytest.raises(NotFound):
        disputes.evidence_url(person("customer", verified=False), cid, first.id, proof)

    told = pump.settle(
        lambda: [n for n in notifications.inbox(customer, 20, None).items if n.event_type == "EvidenceAdded"],
        what="the customer's EvidenceAdded notification",
        queues=[NOTIFICATIONS_QUEUE],
    )
    assert [n.data["by"] for n in told] == ["provider"]  # the other side's evidence only
    assert [a.action for a in audit_repo.contract_trail(cid)].count("evidence") == 2

    escrow.resolve(ADMIN, cid, first.id, Money(0, EUR), Money(40000, EUR), "Never delivered")
    assert books(customer, provider, cid) == (65000, 0, 0)  # exactly the escrow back, the provider nothing
    entries = ledger_repo.all_entries(ledger.wallet(customer.profile_id or ""))
    assert [int(e.amount) for e in entries if e.kind == "dispute_split"] == [40000]
    assert _queued(cid, first.id) is None
    with pytest.raises(Conflict):  # resolved: too late for evidence
        disputes.add_evidence(provider, cid, first.id, "late", [])

    assert _ends_resolved(cid, first.id) == [
        "AwaitSubmission",
        "RouteSubmission",
        "AwaitResolution",
        "Resolved",
    ]
    assert _milestone(cid, second.id).status == "pending"


def test_a_milestone_sent_back_and_disputed_before_the_workflow_waits_still_ends_resolved() -> None:
    """The dispute and the split both commit before the next submission token arrives: it is answered late."""
    customer, provider, contract, (only,) = active_contract((30000,), deposit=30000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, only.id, "wallet")
    workflow_waits(cid, only.id, "submission")
    escrow.submit(provider, cid, only.id, [put_file(provider, "deliverable")], "v1")
    workflow_waits(cid, only.id, "decision")
    escrow.request_revision(customer, cid, only.id, "Half of it is missing")

    disputed = escrow.dispute(customer, cid, only.id, "The revision never came.")
    assert disputed.dispute["kind"] == "non_delivery" and disputed.evidence == []
    escrow.resolve(ADMIN, cid, only.id, Money(10000, EUR), Money(20000, EUR), None)

    provider_gets = 10000 - (10000 * int(contract.commission_bps) + 5000) // 10000
    assert books(customer, provider, cid) == (20000, provider_gets, 0)
    assert _ends_resolved(cid, only.id)[-4:] == [
        "AwaitNextSubmission",
        "RouteSubmission",
        "AwaitResolution",
        "Resolved",
    ]


def test_refusals_change_nothing() -> None:
    customer, provider, contract, (first, second) = active_contract((20000, 20000), deposit=20000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, first.id, "wallet")
    kept = books(customer, provider, cid)
    stored = _milestone(cid, first.id)

    with pytest.raises(Conflict):  # the provider has nothing delivered to dispute yet
        escrow.dispute(provider, cid, first.id, "The customer is slow.")
    with pytest.raises(Conflict):  # not funded: nothing to dispute
        escrow.dispute(customer, cid, second.id, "Nothing yet.")
    with pytest.raises(Conflict):  # not disputed: no evidence
        disputes.add_evidence(customer, cid, first.id, "Early proof", [put_file(customer, "evidence")])
    with pytest.raises(NotFound):  # a stranger
        disputes.add_evidence(person("customer", verified=False), cid, first.id, "Me too", [])
    with pytest.raises(BusinessRuleViolated):  # another purpose
        escrow.dispute(customer, cid, first.id, "Late.", [put_file(customer, "deliverable")])
    with pytest.raises(BusinessRuleViolated):  # someone else's upload
        escrow.dispute(customer, cid, first.id, "Late.", [put_file(provider, "evidence")])

    after = _milestone(cid, first.id)
    assert (after.status, after.dispute, after.evidence, after.version) == ("funded", None, [], stored.version)
    assert books(customer, provider, cid) == kept
    assert _queued(cid, first.id) is None

    escrow.dispute(customer, cid, first.id, "Late.")
    mine = put_file(customer, "evidence")
    disputes.add_evidence(customer, cid, first.id, "Proof", [mine])
    with pytest.raises(BusinessRuleViolated):  # the same file twice
        disputes.add_evidence(customer, cid, first.id, "Again", [mine])
    with pytest.raises(BusinessRuleViolated):  # the customer's file is not the provider's evidence
        disputes.add_evidence(provider, cid, first.id, "Theirs", [put_file(customer, "evidence")])
    assert [e["note"] for e in _milestone(cid, first.id).evidence] == ["Proof"]
    assert books(customer, provider, cid) == kept
