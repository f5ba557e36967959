"""Task lifecycle and the rules for who may see a task."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.lifecycle import Lifecycle


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


def is_publicly_listed(status: TaskStatus, visibility: Visibility) -> bool:
    return status == TaskStatus.OPEN and visibility == Visibility.PUBLIC
