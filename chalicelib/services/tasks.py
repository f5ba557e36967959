"""Posting, editing, reviewing and browsing tasks."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from chalicelib.adapters import bids_repo, paging, tasks_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import clock
from chalicelib.domain.accounts import Role
from chalicelib.domain.bids import BID, LIVE, BidStatus, CounterStatus
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, NotFound, ValidationFailed
from chalicelib.domain.tasks import (
    KEEP,
    TASK,
    NewTask,
    TaskChanges,
    TaskStatus,
    Visibility,
    bidding_over,
    check_dates,
    is_publicly_listed,
)
from chalicelib.domain.uploads import Purpose
from chalicelib.services import hub, text_safety, uploads
from chalicelib.services.identity import Actor
from chalicelib.settings import get_settings

log = logging.getLogger(__name__)


def _apply(task: tasks_repo.Task, change: TaskChanges, actor: Actor) -> None:
    """Write the given fields onto the item; attachments must be the actor's own uploads, made for tasks."""
    if change.title is not KEEP:
        task.title = change.title
    if change.description is not KEEP:
        task.description = change.description
    if change.category is not KEEP:
        task.category = change.category
    if change.skills is not KEEP:
        task.skills = list(dict.fromkeys(s.lower() for s in change.skills))
    if change.budget is not KEEP:
        task.budget_amount = change.budget.amount
        task.currency = change.budget.currency
    if change.mode is not KEEP:
        task.mode = change.mode.value
    if change.visibility is not KEEP:
        task.visibility = change.visibility.value
    if change.invitees is not KEEP:
        task.invitees = list(dict.fromkeys(change.invitees))
    if change.start_date is not KEEP:
        task.start_date = change.start_date.isoformat() if change.start_date else None
    if change.due_date is not KEEP:
        task.due_date = change.due_date.isoformat() if change.due_date else None
    if change.attachments is not KEEP:
        for upload_id in change.attachments:
            uploads.claim(actor, upload_id, Purpose.ATTACHMENT)
        task.attachments = list(change.attachments)
    if change.quality_review is not KEEP:
        task.quality_review = change.quality_review
    if change.hub is not KEEP:
        task.hub = change.hub
    if change.category is not KEEP or change.hub is not KEEP:
        hub.resolve(task)  # hub mode: asked for or forced by the category, settled now, never on a read
    check_dates(
        date.fromisoformat(task.start_date) if task.start_date else None,
        date.fromisoformat(task.due_date) if task.due_date else None,
    )


def create_task(actor: Actor, new: NewTask) -> tasks_repo.Task:
    actor.require_writable()
    owner = actor.require_role(Role.CUSTOMER)
    moment = iso()
    task = tasks_repo.new(new_id(), owner.id, TaskStatus.DRAFT.value, moment)
    _apply(task, new.as_changes(), actor)
    screened = text_safety.for_task(task, owner)  # bidders and visitors read the masked text
    tasks_repo.index(task, moment)
    with unit_of_work("task id collision") as uow:
        tasks_repo.add(uow, task)
        screened.stage(uow, moment)
        uow.emit(
            "TaskPosted",
            {"taskId": task.id, "category": task.category, "ownerId": owner.id, "recipients": []},
            moment,
        )
    return task


def _owned(actor: Actor, task_id: str) -> tasks_repo.Task:
    task = tasks_repo.get(task_id)
    if task is None or task.owner_id != actor.profile_id:
        raise NotFound("no such task")
    return task


def edit_task(actor: Actor, task_id: str, change: TaskChanges) -> tasks_repo.Task:
    actor.require_writable()
    task = _owned(actor, task_id)
    TASK.next(TaskStatus(task.status), "edit")
    if change.is_empty():
        raise ValidationFailed("nothing to change")
    _apply(task, change, actor)
    screened = text_safety.for_task(task, actor.require_profile())
    task.updated_at = iso()
    tasks_repo.index(task, task.updated_at)
    if not screened.flagged:
        tasks_repo.replace(task, "the task changed meanwhile; reload and retry")
        return task
    with unit_of_work("the task changed meanwhile; reload and retry") as uow:  # the flags with the task
        tasks_repo.save(uow, task)
        screened.stage(uow, task.updated_at)
    return task


def submit_task(actor: Actor, task_id: str) -> tasks_repo.Task:
    actor.require_writable()
    task = _owned(actor, task_id)
    return _move(task, "submit")


# One TransactWriteItems holds at most 100 items. Ending bidding (a cancel, an expiry) writes the task, the
# event, the skill index items of an open public task (two per skill) and two per live bid (the bid, its guard).
MAX_CANCEL_ITEMS = 100


def cancel(actor: Actor, task_id: str) -> tasks_repo.Task:
    """The owner withdraws a task before any award: its live bids close and their bidders are told."""
    actor.require_writable()
    task = _owned(actor, task_id)
    return _end_bidding(task, "cancel", "TaskCancelled", tell_owner=False)


def _end_bidding(task: tasks_repo.Task, action: str, event: str, *, tell_owner: bool) -> tasks_repo.Task:
    """Move an unawarded task out of bidding (`cancel`, `expire`) in one unit of work.

    One unit of work, so a bid is never left competing for a task that is gone: the task at the version
    read (a concurrent award or cancel makes it a `Conflict`), each live bid `closed` (and its one-bid guard
    released), the skill index items of an open public task, and the event naming the bidders (and the owner
    when the owner did not act).
    """
    before = TaskStatus(task.status)
    task.status = TASK.next(before, action).value
    listed = before == TaskStatus.OPEN and task.visibility == Visibility.PUBLIC.value
    live: list[bids_repo.Bid] = []
    if before == TaskStatus.OPEN:  # only an open task has taken bids
        live = [b for b in bids_repo.all_for_task(task.id) if BidStatus(b.status) in LIVE]
    skill_items = tasks_repo.skill_index_size(task) if listed else 0
    if 2 + skill_items + 2 * len(live) > MAX_CANCEL_ITEMS:
        raise BusinessRuleViolated("too many live bids to close at once; reject some first")
    moment = iso()
    task.updated_at = moment
    tasks_repo.index(task, moment)  # leaves the open listing and the category browse for the new status
    bidders = [b.provider_id for b in live]
    with unit_of_work("the task or one of its bids changed meanwhile; reload and retry") as uow:
        tasks_repo.save(uow, task)
        if listed:
            tasks_repo.unlist_by_skills(uow, task)
        for bid in live:
            bid.status = BID.next(BidStatus(bid.status), "close").value
            bids_repo.close_counter(bid, CounterStatus.CLOSED, moment)
            bid.updated_at = moment
            bids_repo.save(uow, bid)
            bids_repo.release_guard(uow, bid)
        uow.emit(
            event,
            {
                "taskId": task.id,
                "title": task.title,
                "from": before.value,
                "bidIds": [b.id for b in live],
                "recipients": list(dict.fromkeys([task.owner_id, *bidders] if tell_owner else bidders)),
            },
            moment,
        )
    return task


# Tasks one expiry run closes at most (one TransactWriteItems each, well inside the function's 30 s); the rest
# are found again by the next hourly run.
EXPIRY_BATCH = 50
_EXPIRY_PAGE = 100  # open tasks read per Query page of the status listing


def expire_due(now: datetime | None = None, limit: int = EXPIRY_BATCH) -> list[str]:
    """The hourly job: `expire` each open task whose bidding window has closed; the ids it expired.

    It reads the open listings (public, then invite-only; every shard, oldest first) and stops after `limit`
    expiries.
    Each expiry is its own unit of work: a task awarded, cancelled or expired meanwhile (its version moved) or
    one with too many live bids is skipped and logged, never failing the run. A second run finds nothing left.
    """
    moment = now or clock.now()
    days = get_settings().bidding_days
    expired: list[str] = []
    for visibility in Visibility:
        cursor: str | None = None
        while len(expired) < limit:
            page = tasks_repo.by_status(TaskStatus.OPEN.value, visibility.value, _EXPIRY_PAGE, cursor, False)
            for task in page.items:
                if len(expired) >= limit:
                    break
                opened = datetime.fromisoformat(task.opened_at or task.created_at)
                start = date.fromisoformat(task.start_date) if task.start_date else None
                if task.status != TaskStatus.OPEN.value or not bidding_over(opened, start, days, moment):
                    continue
                try:
                    _end_bidding(task, "expire", "TaskExpired", tell_owner=True)
                except (Conflict, BusinessRuleViolated) as exc:
                    log.warning("task %s not expired this run: %s", task.id, exc)
                    continue
                expired.append(task.id)
            cursor = page.next_cursor
            if cursor is None:
                break
    return expired


TASK_EVENTS = {"submit": "TaskSubmitted", "approve": "TaskOpened", "request_changes": "TaskChangesRequested"}


def _move(task: tasks_repo.Task, action: str, note: str | None = None) -> tasks_repo.Task:
    task.status = TASK.next(TaskStatus(task.status), action).value
    moment = iso()
    task.updated_at = moment
    if note is not None:
        task.review_note = note
    if task.status == TaskStatus.OPEN.value:
        task.opened_at = moment
    tasks_repo.index(task, moment)
    with unit_of_work("the task changed meanwhile; reload and retry") as uow:
        tasks_repo.save(uow, task)
        if task.status == TaskStatus.OPEN.value and task.visibility == Visibility.PUBLIC.value:
            tasks_repo.list_by_skills(uow, task)
        uow.emit(
            TASK_EVENTS.get(action, "TaskChanged"),
            {
                "taskId": task.id,
                "status": task.status,
                "note": note,
                "category": task.category,
                "recipients": [task.owner_id],
            },
            moment,
        )
    return task


def review_task(actor: Actor, task_id: str, action: str, note: str | None) -> tasks_repo.Task:
    actor.require_admin()
    task = tasks_repo.get(task_id)
    if task is None:
        raise NotFound("no such task")
    if action == "request_changes" and not note:
        raise ValidationFailed("say what should change", [{"field": "note", "message": "required"}])
    return _move(task, action, note)


def can_see(actor: Actor | None, task: tasks_repo.Task) -> bool:
    if is_publicly_listed(TaskStatus(task.status), Visibility(task.visibility)):
        return True
    if actor is None:
        return False
    if actor.is_admin or task.owner_id == actor.profile_id:
        return True
    return task.status == TaskStatus.OPEN.value and actor.profile_id is not None and actor.profile_id in task.invitees


def owner_view(actor: Actor | None, task: tasks_repo.Task) -> bool:
    """The full view (review notes, invitees, attachments): the owner and admins."""
    return actor is not None and (actor.is_admin or task.owner_id == actor.profile_id)


def get_task(actor: Actor | None, task_id: str) -> tasks_repo.Task:
    task = tasks_repo.get(task_id)
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
    return task


def browse(category: str | None, skill: str | None, limit: int, cursor: str | None) -> paging.Page[Any]:
    return tasks_repo.browse(category, skill, limit, cursor)


def my_tasks(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    owner = actor.require_role(Role.CUSTOMER)
    return tasks_repo.by_owner(owner.id, limit, cursor)


def review_queue(actor: Actor, status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    actor.require_admin()
    try:
        state = TaskStatus(status)
    except ValueError:
        raise ValidationFailed(f"unknown status {status}", [{"field": "status", "message": "unknown"}]) from None
    return tasks_repo.by_status(state.value, Visibility.PUBLIC.value, limit, cursor, newest_first=False)
