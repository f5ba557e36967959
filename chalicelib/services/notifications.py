"""The in-app inbox, written by the notifications consumer from domain events."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.adapters import paging
from chalicelib.adapters.table import NotificationItem
from chalicelib.adapters.transactions import error_code
from chalicelib.services.identity import Actor

TITLES = {
    "ContractAwarded": "A contract was awarded",
    "ContractActivated": "Both parties signed: the contract is active",
    "MilestoneFunded": "A milestone is funded",
    "MilestoneSubmitted": "Work was submitted for review",
    "RevisionRequested": "A revision was requested",
    "MilestoneReleased": "Money was released",
    "DisputeOpened": "A dispute was opened",
    "DisputeResolved": "A dispute was resolved",
    "ContractCompleted": "The contract is completed",
    "ReviewPosted": "You received a review",
    "DepositSucceeded": "Your deposit arrived",
    "MessagePosted": "You have a new message",
    "MessageFlagged": "Your message was masked: contact details stay hidden in chat; a moderator will review it",
    "FlagDismissed": "A moderator cleared the flag on your message",
    "StrikeRecorded": "A moderator confirmed a contact-sharing flag: a strike on your account",
    "AccountSuspended": "Your account is suspended: you can read but not write",
    "AccountReinstated": "Your account is reinstated",
}


def deliver(detail_type: str, detail: dict[str, Any]) -> int:
    """One inbox item per recipient, keyed by the event id: a replayed event writes nothing new."""
    written = 0
    for recipient in detail.get("recipients", []):
        item = NotificationItem(
            pk=f"INBOX#{recipient}",
            sk=str(detail["eventId"]),
            type="Notification",
            event_type=detail_type,
            title=TITLES.get(detail_type, detail_type),
            data={k: v for k, v in detail.items() if k != "recipients"},
            at=str(detail.get("at", "")),
        )
        try:
            item.save(condition=NotificationItem.pk.does_not_exist())
            written += 1
        except PutError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
    return written


def inbox(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    profile = actor.require_profile()
    partition = f"INBOX#{profile.id}"
    return paging.collect(
        lambda start: NotificationItem.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("pk", partition),
    )
