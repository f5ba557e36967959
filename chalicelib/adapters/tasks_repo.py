"""Tasks and the index items that make browsing a Query.

The status listings (gsi1) are sharded: `TASKS#<status>#<nn>` (`TASKS#open#<visibility>#<nn>` while
open), nn = `status_shard(taskId)`. Every task enters and leaves each listing it passes through, so
without shards one partition would take 2 writes per contract from every user: DynamoDB's ~1,000
writes/s per partition (an item under 1 KB; gsi1 projects ALL, a larger task costs more units) is
~500 contracts/s. STATUS_SHARDS = 4 spreads them: ~2,000 contracts/s. Readers query every shard
(in parallel) and merge by gsi1sk `<moment>#<taskId>` (`paging.collect_merged`).

Public browse by skill and category reads `SKILLCAT#<skill>#<category>` (one item per skill of an
open public task, beside `SKILL#<skill>`): one Query per page, no filter in Python.
"""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import TaskItem, TaskSkillItem
from chalicelib.adapters.transactions import conditional
from chalicelib.adapters.unit_of_work import UnitOfWork, Writes
from chalicelib.domain.tasks import TaskStatus, Visibility

Task = TaskItem


def key(task_id: str) -> str:
    return f"TASK#{task_id}"


def new(task_id: str, owner_id: str, status: str, at: str) -> TaskItem:
    """A task not yet written: the service fills in its fields, `index` it, then `add` it."""
    return TaskItem(
        pk=key(task_id),
        sk="TASK",
        type="Task",
        id=task_id,
        owner_id=owner_id,
        status=status,
        created_at=at,
        updated_at=at,
    )


def add(uow: Writes, task: TaskItem) -> None:
    """Write a new task; an existing id fails the unit of work."""
    uow.save(task, condition=TaskItem.pk.does_not_exist())


def save(uow: Writes, task: TaskItem) -> None:
    """Write the task back; its version makes a concurrent change fail the unit of work."""
    uow.save(task)


def replace(task: TaskItem, conflict: str) -> None:
    """Write the task back on its own (one PutItem); a concurrent change since it was read is a `Conflict`."""
    with conditional(conflict):
        task.save()


def require_open(uow: UnitOfWork, task_id: str) -> None:
    """Commit only while the task is still open (e.g. a bid racing the award)."""
    uow.check(TaskItem, key(task_id), "TASK", condition=TaskItem.status == TaskStatus.OPEN.value)


def get(task_id: str) -> TaskItem | None:
    try:
        return TaskItem.get(key(task_id), "TASK", consistent_read=True)
    except TaskItem.DoesNotExist:
        return None


STATUS_SHARDS = 4  # 2 writes per contract per listing: 4 x ~1,000 writes/s is ~2,000 contracts/s (tasks <= 1 KB)


def status_shard(task_id: str) -> int:
    """Stable across processes and deploys (unlike `hash`): a task stays in one shard of every listing."""
    return int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big") % STATUS_SHARDS


def _status_listing(status: str, visibility: str) -> str:
    return f"TASKS#{status}#{visibility}" if status == TaskStatus.OPEN.value else f"TASKS#{status}"


def _status_shards(status: str, visibility: str) -> list[str]:
    listing = _status_listing(status, visibility)
    return [f"{listing}#{shard:02d}" for shard in range(STATUS_SHARDS)]


def index(task: TaskItem, moment: str) -> None:
    """Point the sparse indexes at the task's current state (call before saving)."""
    task.gsi1pk = f"{_status_listing(task.status, task.visibility)}#{status_shard(task.id):02d}"
    task.gsi1sk = f"{moment}#{task.id}"
    public_open = task.status == TaskStatus.OPEN.value and task.visibility == Visibility.PUBLIC.value
    task.gsi2pk = f"OPENCAT#{task.category}" if public_open else None
    task.gsi2sk = task.gsi1sk if public_open else None
    task.gsi3pk = f"OWNER#{task.owner_id}"
    task.gsi3sk = f"{task.created_at}#{task.id}"


def list_by_skills(uow: Writes, task: TaskItem) -> None:
    """Add the task to the skill filters of public browse (it has just opened)."""
    for item in _skill_items(task):
        uow.save(item)


def unlist_by_skills(uow: Writes, task: TaskItem) -> None:
    """Take the task out of the skill filters (it is no longer open)."""
    for item in _skill_items(task):
        uow.delete(item)


def skill_index_size(task: TaskItem) -> int:
    """Items `list_by_skills` writes and `unlist_by_skills` deletes: two per skill (at most 20 skills)."""
    return len(_skill_items(task))


def _skill_partition(skill: str, category: str | None = None) -> str:
    return f"SKILLCAT#{skill.lower()}#{category}" if category is not None else f"SKILL#{skill.lower()}"


def _skill_items(task: TaskItem) -> list[TaskSkillItem]:
    return [
        TaskSkillItem(
            pk=partition,
            sk=f"{task.opened_at}#{task.id}",
            type="TaskSkill",
            task_id=task.id,
            category=task.category,
        )
        for skill in task.skills
        for partition in (_skill_partition(skill), _skill_partition(skill, task.category))
    ]


def browse(category: str | None, skill: str | None, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Open public tasks, newest first: by skill (and category), by category, or all."""
    if skill:
        if category is not None and "#" in category:
            # Categories are slugs: no "#". One here would reach into another skill's partition
            # (skill "c", category "#web" is `SKILLCAT#c##web`, the partition of skill "c#").
            paging.decode(cursor)  # garbage is still a 400
            return paging.Page([], None)
        partition = _skill_partition(skill, category or None)
        page = paging.collect(
            lambda start: TaskSkillItem.query(
                partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
            ),
            limit,
            cursor,
            ("pk", partition),
        )
        tasks = {t.id: t for t in TaskItem.batch_get([(key(i.task_id), "TASK") for i in page.items])}
        # batch_get has no order; keep the index's, and drop any task that has left `open` since.
        ordered = [tasks[i.task_id] for i in page.items if i.task_id in tasks]
        return paging.Page([t for t in ordered if t.status == TaskStatus.OPEN.value], page.next_cursor)
    if category:
        partition = f"OPENCAT#{category}"
        return paging.collect(
            lambda start: TaskItem.gsi2.query(
                partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
            ),
            limit,
            cursor,
            ("gsi2pk", partition),
        )
    return by_status(TaskStatus.OPEN.value, Visibility.PUBLIC.value, limit, cursor, newest_first=True)


def by_status(status: str, visibility: str, limit: int, cursor: str | None, newest_first: bool) -> paging.Page[Any]:
    """Tasks in a status (open ones of a visibility), merged over the listing's shards: one Query per shard."""
    return paging.collect_merged(
        lambda partition, start: TaskItem.gsi1.query(
            partition, scan_index_forward=not newest_first, last_evaluated_key=start, page_size=limit
        ),
        _status_shards(status, visibility),
        lambda task: str(task.gsi1sk),
        _status_start_key,
        limit,
        cursor,
        newest_first,
    )


def _status_start_key(partition: str, gsi1sk: str) -> dict[str, Any]:
    """The ExclusiveStartKey after the task listed at `gsi1sk` (`<moment>#<taskId>`) in a shard."""
    task_id = gsi1sk.rpartition("#")[2]
    return {
        "pk": {"S": key(task_id)},
        "sk": {"S": "TASK"},
        "gsi1pk": {"S": partition},
        "gsi1sk": {"S": gsi1sk},
    }


def by_owner(owner_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = f"OWNER#{owner_id}"
    return paging.collect(
        lambda start: TaskItem.gsi3.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi3pk", partition),
    )
