"""Messages, threads, moderation and the audit trail (trust & safety)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import ADMIN, PROFILE, PROFILE_OR_ADMIN
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import admin as admin_bodies
    from chalicelib.schemas import threads as bodies
else:
    bodies, admin_bodies = lazy("threads"), lazy("admin")

bp = Blueprint(__name__)


@endpoint(bp, "/tasks/{task_id}/threads", "POST", policy=PROFILE, body=bodies.OpenThread, status=201)
def open_thread(call: Call, task_id: str) -> Any:
    """Open (201) or return (200) the pre-award thread between the task owner and one provider."""
    from chalicelib.services import threads

    thread, created = threads.open_task_thread(call.actor, task_id, call.body.provider_id)
    body = views.thread(thread, threads.viewer(call.actor, thread))
    if created:
        return body
    return Response(body=json.dumps(body), status_code=200, headers={"Content-Type": "application/json"})


@endpoint(bp, "/contracts/{contract_id}/thread", "GET", policy=PROFILE_OR_ADMIN)
def contract_thread(call: Call, contract_id: str) -> dict[str, Any]:
    """The contract's thread (parties, the assigned reviewer, admins), opened at award."""
    from chalicelib.services import threads

    thread = threads.contract_thread(call.actor, contract_id)
    return views.thread(thread, threads.viewer(call.actor, thread))


@endpoint(bp, "/me/threads", "GET", policy=PROFILE_OR_ADMIN, query=("cursor", "limit"))
def my_threads(call: Call) -> dict[str, Any]:
    """My threads, latest activity first, with my unread count in each."""
    from chalicelib.services import threads

    rows, cursor = threads.my_threads(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.thread(t, viewer, member) for t, member, viewer in rows], cursor)


@endpoint(bp, "/threads/{thread_id}/messages", "GET", policy=PROFILE_OR_ADMIN, query=("after", "cursor", "limit"))
def list_messages(call: Call, thread_id: str) -> dict[str, Any]:
    """Messages oldest first (members, admins); `after=<messageId>` for polling. Reading marks them read."""
    from chalicelib.services import threads

    _, items, cursor, viewer = threads.messages(
        call.actor, thread_id, call.query("after"), call.limit(), call.query("cursor")
    )
    return views.page([views.message(m, viewer) for m in items], cursor)


@endpoint(
    bp,
    "/threads/{thread_id}/messages",
    "POST",
    policy=PROFILE_OR_ADMIN,
    body=bodies.PostMessage,
    status=201,
    quota="messages",
)
def post_message(call: Call, thread_id: str) -> dict[str, Any]:
    """Post to a thread (members): screened for contact details, stored masked and flagged if found."""
    from chalicelib.services import threads

    message, viewer = threads.post_message(call.actor, thread_id, call.body.text, list(call.body.attachments))
    return views.message(message, viewer)


@endpoint(bp, "/threads/{thread_id}/messages/{message_id}/attachments/{upload_id}", "GET", policy=PROFILE_OR_ADMIN)
def attachment(call: Call, thread_id: str, message_id: str, upload_id: str) -> dict[str, Any]:
    """A short-lived download link for a message attachment (members, admins)."""
    from chalicelib.services import threads

    return threads.attachment_url(call.actor, thread_id, message_id, upload_id)


@endpoint(bp, "/admin/messages", "GET", policy=ADMIN, query=("status", "cursor", "limit"))
def flagged_messages(call: Call) -> dict[str, Any]:
    """The moderation queue: status=flagged (default; also dismissed, confirmed), oldest first."""
    from chalicelib.services import moderation

    page = moderation.queue(call.actor, call.query("status") or "flagged", call.limit(), call.query("cursor"))
    return views.page([views.flag(f) for f in page.items], page.next_cursor)


def _decided(decision: Any) -> dict[str, Any]:
    view = views.flag(decision.flag)
    if decision.standing is not None:
        view["sender"] = views.standing(decision.standing) | {"suspended": decision.suspended}
    return view


@endpoint(bp, "/admin/messages/{message_id}/dismiss", "POST", policy=ADMIN, body=admin_bodies.Decision)
def dismiss_flag(call: Call, message_id: str) -> dict[str, Any]:
    """A false alarm: close the flag without a strike."""
    from chalicelib.services import moderation

    return _decided(moderation.dismiss(call.actor, message_id, call.body.note or call.body.reason))


@endpoint(bp, "/admin/messages/{message_id}/confirm", "POST", policy=ADMIN, body=admin_bodies.Decision)
def confirm_flag(call: Call, message_id: str) -> dict[str, Any]:
    """Confirm the flag: a strike on the sender; the third suspends the account."""
    from chalicelib.services import moderation

    return _decided(moderation.confirm(call.actor, message_id, call.body.note or call.body.reason))


@endpoint(bp, "/admin/users/{user_id}/suspend", "POST", policy=ADMIN, body=admin_bodies.Decision)
def suspend_user(call: Call, user_id: str) -> dict[str, Any]:
    """Suspend an account (profile id): it can sign in and read, every write is a 403."""
    from chalicelib.services import moderation

    profile, standing = moderation.suspend(call.actor, user_id, call.body.reason or call.body.note)
    return views.profile(profile) | {"standing": views.standing(standing)}


@endpoint(bp, "/admin/users/{user_id}/reinstate", "POST", policy=ADMIN, body=admin_bodies.Decision)
def reinstate_user(call: Call, user_id: str) -> dict[str, Any]:
    """Lift a suspension; the strikes that led to it are cleared."""
    from chalicelib.services import moderation

    profile, standing = moderation.reinstate(call.actor, user_id, call.body.reason or call.body.note)
    return views.profile(profile) | {"standing": views.standing(standing)}


@endpoint(bp, "/contracts/{contract_id}/audit", "GET", policy=PROFILE_OR_ADMIN, query=("format", "cursor", "limit"))
def audit_trail(call: Call, contract_id: str) -> Any:
    """Every state change and money movement of the contract, in order (parties, admins); format=csv downloads it."""
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.services import audit, hub

    fmt = call.query("format") or "json"
    if fmt not in audit.FORMATS:
        raise ValidationFailed("format must be json or csv", [{"field": "format", "message": "json|csv"}])
    if fmt == "csv":
        contract, entries = audit.trail(call.actor, contract_id)
        return Response(
            body=views.masked(views.audit_csv(entries, contract), hub.mask_for(call.actor, contract)),
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="contract-{contract.id}-audit.csv"',
            },
        )
    contract, page = audit.page(call.actor, contract_id, call.limit(100), call.query("cursor"))
    view = views.page([views.audit_entry(a, contract) for a in page.items], page.next_cursor)
    return views.masked(view, hub.mask_for(call.actor, contract))  # hub mode: the expert by alias
