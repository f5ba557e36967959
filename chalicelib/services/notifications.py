"""The in-app inbox, written by the notifications consumer from domain events."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import notifications_repo, paging
from chalicelib.services import hub
from chalicelib.services.identity import Actor

TITLES = {
    "TaskCancelled": "A task you bid on was cancelled: your bid is closed",
    "TaskExpired": "Bidding ended without an award: the task expired and its live bids are closed",
    "BidEdited": "A bidder changed their bid",
    "CounterOffered": "You received a counter-offer on your bid",
    "CounterAccepted": "A bidder accepted your counter-offer",
    "BidForwarded": "The hub forwarded a bid on your task",
    "BidDeclined": "The hub declined your bid",
    "ContractAwarded": "A contract was awarded",
    "ContractActivated": "Both parties signed: the contract is active",
    "MilestoneFunded": "A milestone is funded",
    "MilestoneSubmitted": "Work was submitted for review",
    "MilestoneOverdue": "A milestone is past its due date and not delivered yet",
    "RevisionRequested": "A revision was requested",
    "MilestoneReleased": "Money was released",
    "ReviewerAssigned": "A quality reviewer was assigned to the contract",
    "QcApproved": "Quality control approved the submitted work",
    "QcRejected": "Quality control sent the work back with a reason",
    "QcReviewOverdue": "A quality review is overdue: the admins were alerted",
    "SubmissionForwarded": "The hub forwarded the submitted work",
    "SubmissionReturned": "The hub returned the submitted work with a reason",
    "BonusPaid": "You received a bonus",
    "AmendmentProposed": "The other party proposes an amendment to your contract",
    "AmendmentAccepted": "Your amendment was accepted: the contract has a new version",
    "AmendmentRejected": "Your amendment was rejected",
    "DisputeOpened": "A dispute was opened",
    "EvidenceAdded": "The other party added evidence to a dispute",
    "DisputeResolved": "A dispute was resolved",
    "ContractCompleted": "The contract is completed",
    "ContractTerminationProposed": "The other party proposes to terminate the contract",
    "ContractTerminated": "The contract is terminated: undelivered escrow went back to the customer's wallet",
    "ReviewPosted": "You received a review",
    "DepositSucceeded": "Your deposit arrived",
    "MessagePosted": "You have a new message",
    "MessageFlagged": "Your message was masked: contact details stay hidden in chat; a moderator will review it",
    "ContentFlagged": "Contact details in what you wrote were masked; a moderator will review it",
    "FlagDismissed": "A moderator cleared the flag on your message",
    "StrikeRecorded": "A moderator confirmed a contact-sharing flag: a strike on your account",
    "AccountSuspended": "Your account is suspended: you can read but not write",
    "AccountReinstated": "Your account is reinstated",
    "TicketResolved": "An admin answered your ticket",
}


def deliver(detail_type: str, detail: dict[str, Any]) -> int:
    """One inbox item per recipient, keyed by the event id: a replayed event writes nothing new. The customer of
    a hub contract reads the expert under the task's alias (services/hub.py)."""
    written = 0
    data = {k: v for k, v in detail.items() if k != "recipients"}
    recipients = detail.get("recipients", [])
    masked = hub.event_mask(data) if recipients else None
    for recipient in recipients:
        if notifications_repo.add(
            recipient,
            str(detail["eventId"]),
            detail_type,
            TITLES.get(detail_type, detail_type),
            masked[1](data) if masked is not None and masked[0] == recipient else data,
            str(detail.get("at", "")),
        ):
            written += 1
    return written


def inbox(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    profile = actor.require_profile()
    return notifications_repo.inbox(profile.id, limit, cursor)
