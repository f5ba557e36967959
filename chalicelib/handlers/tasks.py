"""Tasks: drafts, edits, review submission, browsing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, edge_cached, endpoint
from chalicelib.handlers.policy import CUSTOMER, OPTIONAL, PUBLIC
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import tasks as bodies
else:
    bodies = lazy("tasks")

bp = Blueprint(__name__)
# How long an anonymous answer may be served from CloudFront's cache (infra/components/edge.py): a newly
# opened task shows in the browse pages within BROWSE_MAX_AGE s, a change to one within TASK_MAX_AGE s.
BROWSE_MAX_AGE = 15
TASK_MAX_AGE = 30


@endpoint(bp, "/tasks", "POST", policy=CUSTOMER, body=bodies.TaskFields, status=201)
def create_task(call: Call) -> dict[str, Any]:
    """Post a task as a draft."""
    from chalicelib.services import tasks

    return views.task(tasks.create_task(call.actor, call.body.to_command()), full=True)


@endpoint(bp, "/tasks", "GET", policy=PUBLIC, quota="public", query=("category", "skill", "cursor", "limit"))
def browse(call: Call) -> Response:
    """Open public tasks, newest first."""
    from chalicelib.services import tasks

    page = tasks.browse(call.query("category"), call.query("skill"), call.limit(), call.query("cursor"))
    return edge_cached(call, views.page([views.task(t) for t in page.items], page.next_cursor), BROWSE_MAX_AGE)


@endpoint(bp, "/me/tasks", "GET", policy=CUSTOMER, query=("cursor", "limit"))
def my_tasks(call: Call) -> dict[str, Any]:
    """My tasks in every state, newest first (customers)."""
    from chalicelib.services import tasks

    page = tasks.my_tasks(call.actor, call.limit(), call.query("cursor"))
    return views.page([views.task(t, full=True) for t in page.items], page.next_cursor)


@endpoint(bp, "/tasks/{task_id}", "GET", policy=OPTIONAL, quota="public")
def get_task(call: Call, task_id: str) -> Response:
    """A task: anyone for open public tasks; owner, invitees and admins otherwise."""
    from chalicelib.services import tasks

    task = tasks.get_task(call.actor, task_id)
    return edge_cached(call, views.task(task, full=tasks.owner_view(call.actor, task)), TASK_MAX_AGE)


@endpoint(bp, "/tasks/{task_id}", "PATCH", policy=CUSTOMER, body=bodies.EditTask)
def edit_task(call: Call, task_id: str) -> dict[str, Any]:
    """Edit a draft (or a task sent back with changes requested)."""
    from chalicelib.services import tasks

    return views.task(tasks.edit_task(call.actor, task_id, call.body.to_command()), full=True)


@endpoint(bp, "/tasks/{task_id}/submit", "POST", policy=CUSTOMER)
def submit_task(call: Call, task_id: str) -> dict[str, Any]:
    """Send the task to admin review."""
    from chalicelib.services import tasks

    return views.task(tasks.submit_task(call.actor, task_id), full=True)


@endpoint(bp, "/tasks/{task_id}/cancel", "POST", policy=CUSTOMER)
def cancel_task(call: Call, task_id: str) -> dict[str, Any]:
    """Cancel the task before any award; its live bids close and the bidders are told."""
    from chalicelib.services import tasks

    return views.task(tasks.cancel(call.actor, task_id), full=True)
