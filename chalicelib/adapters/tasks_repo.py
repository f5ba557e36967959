"""Tasks and the index items that make browsing a Query."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.table import TaskItem, TaskSkillItem
from chalicelib.domain.tasks import TaskStatus, Visibility


def key(task_id: str) -> str:
    return f"TASK#{task_id}"


def get(task_id: str) -> TaskItem | None:
    try:
        return TaskItem.get(key(task_id), "TASK", consistent_read=True)
    except TaskItem.DoesNotExist:
        return None


def status_partition(status: str, visibility: str) -> str:
    return f"TASKS#{status}#{visibility}" if status == TaskStatus.OPEN.value else f"TASKS#{status}"


def index(task: TaskItem, moment: str) -> None:
    """Point the sparse indexes at the task's current state (call before saving)."""
    task.gsi1pk = status_partition(task.status, task.visibility)
    task.gsi1sk = f"{moment}#{task.id}"
    public_open = task.status == TaskStatus.OPEN.value and task.visibility == Visibility.PUBLIC.value
    task.gsi2pk = f"OPENCAT#{task.category}" if public_open else None
    task.gsi2sk = task.gsi1sk if public_open else None
    task.gsi3pk = f"OWNER#{task.owner_id}"
    task.gsi3sk = f"{task.created_at}#{task.id}"


def skill_items(task: TaskItem) -> list[TaskSkillItem]:
    return [
        TaskSkillItem(
            pk=f"SKILL#{skill.lower()}",
            sk=f"{task.opened_at}#{task.id}",
            type="TaskSkill",
            task_id=task.id,
            category=task.category,
        )
        for skill in task.skills
    ]


def browse(category: str | None, skill: str | None, limit: int, cursor: str | None) -> paging.Page[Any]:
    if skill:
        partition = f"SKILL#{skill.lower()}"
        page = paging.collect(
            lambda start: TaskSkillItem.query(
                partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
            ),
            limit,
            cursor,
            ("pk", partition),
            keep=(lambda item: item.category == category) if category else None,
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
    partition = status_partition(TaskStatus.OPEN.value, Visibility.PUBLIC.value)
    return by_status_partition(partition, limit, cursor, newest_first=True)


def by_status_partition(partition: str, limit: int, cursor: str | None, newest_first: bool) -> paging.Page[Any]:
    return paging.collect(
        lambda start: TaskItem.gsi1.query(
            partition, scan_index_forward=not newest_first, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", partition),
    )


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
