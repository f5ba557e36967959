"""Tickets: pk TICKET#<id>, sk TICKET; gsi1 TICKETS#<status> (admins, oldest first); gsi2 MYTICKETS#<profileId>.

A ticket is written once when filed and once when resolved (which moves it from TICKETS#open to
TICKETS#resolved), so each queue is one partition: people type tickets, far below a partition's write
ceiling (docs/scaling.md).
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import TicketItem
from chalicelib.adapters.unit_of_work import Writes

Ticket = TicketItem
SORT = "TICKET"


def key(ticket_id: str) -> str:
    return f"TICKET#{ticket_id}"


def queue(status: str) -> str:
    return f"TICKETS#{status}"


def _mine(profile_id: str) -> str:
    return f"MYTICKETS#{profile_id}"


def new(ticket_id: str, profile_id: str, kind: str, text: str, status: str, at: str) -> TicketItem:
    """A ticket listed in its status queue and under its author, both in filing order."""
    order = f"{at}#{ticket_id}"
    return TicketItem(
        pk=key(ticket_id),
        sk=SORT,
        type="Ticket",
        gsi1pk=queue(status),
        gsi1sk=order,
        gsi2pk=_mine(profile_id),
        gsi2sk=order,
        id=ticket_id,
        profile_id=profile_id,
        kind=kind,
        text=text,
        status=status,
        created_at=at,
    )


def add(uow: Writes, ticket: TicketItem) -> None:
    uow.save(ticket, condition=TicketItem.pk.does_not_exist())


def get(ticket_id: str) -> TicketItem | None:
    try:
        return TicketItem.get(key(ticket_id), SORT, consistent_read=True)
    except TicketItem.DoesNotExist:
        return None


def save(uow: Writes, ticket: TicketItem) -> None:
    """Saved at the version read, listed in the queue of its (new) status, still in filing order."""
    ticket.gsi1pk = queue(ticket.status)
    uow.save(ticket)


def in_status(status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The tickets in `status`, oldest first (gsi1 TICKETS#<status>)."""
    partition = queue(status)
    return paging.collect(
        lambda start: TicketItem.gsi1.query(
            partition, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", partition),
    )


def of(profile_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """A customer's tickets, newest first (gsi2 MYTICKETS#<profileId>)."""
    partition = _mine(profile_id)
    return paging.collect(
        lambda start: TicketItem.gsi2.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi2pk", partition),
    )
