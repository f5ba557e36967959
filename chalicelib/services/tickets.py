"""Tickets: a customer asks for a category, skill or anything else the curated lists lack; admins resolve them.

Only the author and admins ever read a ticket, so its text is not masked. Resolving may add the requested
category or skill to the taxonomy in the same transaction as the resolution, so the two cannot part; the
author is told by a `TicketResolved` notification.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.adapters import paging, taxonomy_repo, tickets_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import taxonomy as rules
from chalicelib.domain.accounts import Role
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.taxonomy import TICKET, TicketStatus
from chalicelib.services import taxonomy
from chalicelib.services.identity import Actor


@dataclass(frozen=True)
class Addition:
    """What a resolution adds to the taxonomy: a category (with its kind) or a skill."""

    list: str  # "categories" | "skills"
    slug: str
    name: str
    kind: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"list": self.list, "slug": self.slug, "name": self.name} | ({"kind": self.kind} if self.kind else {})


def file(actor: Actor, kind: str, text: str) -> tickets_repo.Ticket:
    """File a ticket (customers): it waits in the admins' open queue, oldest first."""
    actor.require_writable()
    profile = actor.require_role(Role.CUSTOMER)
    if kind not in rules.TICKET_KINDS:
        raise ValidationFailed(f"unknown ticket kind {kind}", [{"field": "kind", "message": "unknown"}])
    ticket = tickets_repo.new(new_id(), profile.id, kind, text, TicketStatus.OPEN.value, iso())
    with unit_of_work() as uow:
        tickets_repo.add(uow, ticket)
    return ticket


def mine(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """The caller's tickets, newest first."""
    profile = actor.require_role(Role.CUSTOMER)
    return tickets_repo.of(profile.id, limit, cursor)


def queue(actor: Actor, status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Tickets in a status (default open), oldest first (admins)."""
    actor.require_admin()
    try:
        state = TicketStatus(status)
    except ValueError:
        raise ValidationFailed(
            f"unknown status {status}", [{"field": "status", "message": "open or resolved"}]
        ) from None
    return tickets_repo.in_status(state.value, limit, cursor)


def _added(base: rules.Taxonomy, addition: Addition) -> rules.Taxonomy:
    if addition.list == "categories":
        return rules.with_category(base, addition.slug, addition.name, addition.kind or "other")
    return rules.with_skill(base, addition.slug, addition.name)


def resolve(actor: Actor, ticket_id: str, note: str, addition: Addition | None = None) -> tickets_repo.Ticket:
    """Resolve an open ticket with a note for its author; with `addition`, extend the taxonomy at once."""
    actor.require_admin()
    ticket = tickets_repo.get(ticket_id)
    if ticket is None:
        raise NotFound("no such ticket")
    ticket.status = TICKET.next(TicketStatus(ticket.status), "resolve").value
    at = iso()
    staged = None
    if addition is not None:
        if addition.list == "categories" and addition.kind is None:
            addition = replace(addition, kind="other")
        chosen = addition
        staged, _ = taxonomy.stage(actor, lambda lists: _added(lists, chosen))  # one read; a raced save is a 409
        ticket.added = addition.as_json()
    ticket.note = note
    ticket.resolved_by = f"admin:{actor.sub}"
    ticket.resolved_at = at
    with unit_of_work("the ticket or the taxonomy changed meanwhile: reload and retry") as uow:
        tickets_repo.save(uow, ticket)
        if staged is not None:
            taxonomy_repo.save(uow, staged)
        uow.emit(
            "TicketResolved",
            {
                "ticketId": ticket.id,
                "kind": ticket.kind,
                "note": note,
                "added": ticket.added,
                "recipients": [ticket.profile_id],
            },
            at,
        )
    return ticket
