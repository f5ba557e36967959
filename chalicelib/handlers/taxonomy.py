"""The curated taxonomy (categories, skills, languages) and the tickets that ask for more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, edge_cached, endpoint
from chalicelib.handlers.policy import ADMIN, CUSTOMER, PUBLIC
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import taxonomy as bodies
else:
    bodies = lazy("taxonomy")

bp = Blueprint(__name__)
# How long an anonymous answer may be kept at the edge (infra/components/edge.py): an admin's edit shows
# in the pickers within this many seconds; the back office reads with its token, so it always sees the latest.
TAXONOMY_MAX_AGE = 60


@endpoint(bp, "/taxonomy", "GET", policy=PUBLIC, quota="public")
def get_taxonomy(call: Call) -> Response:
    """Categories (with their kind), skills and languages for the pickers; free-form slugs stay accepted."""
    from chalicelib.services import taxonomy

    return edge_cached(call, views.taxonomy(taxonomy.current()), TAXONOMY_MAX_AGE)


@endpoint(bp, "/admin/taxonomy", "PUT", policy=ADMIN, body=bodies.TaxonomyDocument)
def put_taxonomy(call: Call) -> dict[str, Any]:
    """Replace the whole taxonomy; send the `version` you read to have a stale edit refused (409)."""
    from chalicelib.services import taxonomy

    body = call.body
    return views.taxonomy(taxonomy.replace(call.actor, body.to_domain(), body.version))


@endpoint(bp, "/tickets", "POST", policy=CUSTOMER, body=bodies.NewTicket, status=201)
def file_ticket(call: Call) -> dict[str, Any]:
    """Ask for a category, skill or anything else the lists lack; admins answer it."""
    from chalicelib.services import tickets

    return views.ticket(tickets.file(call.actor, call.body.kind, call.body.text))


@endpoint(bp, "/me/tickets", "GET", policy=CUSTOMER, query=("cursor", "limit"))
def my_tickets(call: Call) -> dict[str, Any]:
    """My tickets, newest first, with the admins' notes once resolved."""
    from chalicelib.services import tickets

    page = tickets.mine(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.ticket(t) for t in page.items], page.next_cursor)


@endpoint(bp, "/admin/tickets", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def ticket_queue(call: Call) -> dict[str, Any]:
    """Tickets by status (default open), oldest first."""
    from chalicelib.services import tickets

    page = tickets.queue(call.actor, call.query("status") or "open", call.limit(), call.query("cursor"))
    return views.page([views.ticket(t, for_admin=True) for t in page.items], page.next_cursor)


@endpoint(bp, "/admin/tickets/{ticket_id}/resolve", "POST", policy=ADMIN, body=bodies.ResolveTicket)
def resolve_ticket(call: Call, ticket_id: str) -> dict[str, Any]:
    """Resolve an open ticket with a note for its author; `addTo` also adds the category or skill asked for."""
    from chalicelib.services import tickets

    body = call.body
    add = body.add_to
    addition = tickets.Addition(add.list, add.slug, add.name, add.kind) if add else None
    return views.ticket(tickets.resolve(call.actor, ticket_id, body.note, addition), for_admin=True)
