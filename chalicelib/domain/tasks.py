"""Task lifecycle and the rules for who may see a task."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum, StrEnum
from typing import Final

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.lifecycle import Lifecycle
from chalicelib.domain.money import Money


class TaskStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    OPEN = "open"
    AWARDED = "awarded"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Mode(StrEnum):
    BIDDING = "bidding"
    CONTEST = "contest"


class Visibility(StrEnum):
    PUBLIC = "public"
    INVITE_ONLY = "invite_only"


TASK = Lifecycle[TaskStatus](
    "task",
    {
        TaskStatus.DRAFT: {
            "edit": TaskStatus.DRAFT,
            "submit": TaskStatus.IN_REVIEW,
            "cancel": TaskStatus.CANCELLED,
        },
        TaskStatus.CHANGES_REQUESTED: {
            "edit": TaskStatus.CHANGES_REQUESTED,
            "submit": TaskStatus.IN_REVIEW,
            "cancel": TaskStatus.CANCELLED,
        },
        TaskStatus.IN_REVIEW: {
            "approve": TaskStatus.OPEN,
            "request_changes": TaskStatus.CHANGES_REQUESTED,
            "cancel": TaskStatus.CANCELLED,
        },
        TaskStatus.OPEN: {
            "bid": TaskStatus.OPEN,
            "award": TaskStatus.AWARDED,
            "cancel": TaskStatus.CANCELLED,
            "expire": TaskStatus.EXPIRED,
        },
        TaskStatus.AWARDED: {"start": TaskStatus.IN_PROGRESS},
        TaskStatus.IN_PROGRESS: {"complete": TaskStatus.COMPLETED},
    },
)


def check_dates(start: date | None, due: date | None) -> None:
    if start and due and due < start:
        raise ValidationFailed(
            "dueDate is before startDate",
            [{"field": "dueDate", "message": "must not be before startDate"}],
        )


def bidding_ends(opened_at: datetime, start_date: date | None, bidding_days: int) -> datetime:
    """When an open task's bidding window closes without an award, after which it expires.

    At the start (00:00 UTC) of its `startDate`: the work should have begun, and bids priced for it are stale.
    Without a `startDate`, or with one that had already passed when the task opened (an admin approved it late),
    `bidding_days` after opening, so that no task waits for bids forever and none expires the hour it opened.
    """
    if start_date is not None:
        start = datetime.combine(start_date, time.min, tzinfo=UTC)
        if start > opened_at:
            return start
    return opened_at + timedelta(days=bidding_days)


def bidding_over(opened_at: datetime, start_date: date | None, bidding_days: int, now: datetime) -> bool:
    """The window has closed: the task may `expire` (still `open`, so nobody awarded a bid in time)."""
    return now >= bidding_ends(opened_at, start_date, bidding_days)


def is_publicly_listed(status: TaskStatus, visibility: Visibility) -> bool:
    return status == TaskStatus.OPEN and visibility == Visibility.PUBLIC


class Keep(Enum):
    """The one value of "leave this field as it is" in an edit, where None means "clear it" (the dates)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


@dataclass(frozen=True)
class TaskChanges:
    """An edit of a draft: only the fields given change; the dates may be cleared with None."""

    title: str | Keep = KEEP
    description: str | Keep = KEEP
    category: str | Keep = KEEP
    skills: tuple[str, ...] | Keep = KEEP
    budget: Money | Keep = KEEP
    mode: Mode | Keep = KEEP
    visibility: Visibility | Keep = KEEP
    invitees: tuple[str, ...] | Keep = KEEP
    start_date: date | Keep | None = KEEP
    due_date: date | Keep | None = KEEP
    attachments: tuple[str, ...] | Keep = KEEP
    quality_review: bool | Keep = KEEP
    hub: bool | Keep = KEEP  # hub mode asked for; a hub category forces it (services/hub.py)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is KEEP for f in fields(self))


@dataclass(frozen=True)
class NewTask:
    """A task as its customer posts it (a draft until an admin opens it)."""

    title: str
    description: str
    category: str
    skills: tuple[str, ...]
    budget: Money
    mode: Mode = Mode.BIDDING
    visibility: Visibility = Visibility.PUBLIC
    invitees: tuple[str, ...] = ()
    start_date: date | None = None
    due_date: date | None = None
    attachments: tuple[str, ...] = ()
    quality_review: bool = False
    hub: bool = False

    def as_changes(self) -> TaskChanges:
        """Every field given: a new draft is written by the same code as an edit."""
        return TaskChanges(**{f.name: getattr(self, f.name) for f in fields(self)})
