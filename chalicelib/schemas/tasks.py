"""Bodies of posting and editing a task."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.tasks import Mode, NewTask, TaskChanges, Visibility
from chalicelib.schemas.common import Body, Id, PositiveMoney, Skill, Slug, Text


class TaskFields(Body):
    title: Annotated[Text, StringConstraints(max_length=140)]
    description: Annotated[Text, StringConstraints(max_length=10000)]
    category: Slug
    skills: list[Skill] = Field(min_length=1, max_length=20)
    budget: PositiveMoney
    mode: Mode = Mode.BIDDING
    visibility: Visibility = Visibility.PUBLIC
    invitees: list[Id] = Field(default_factory=list, max_length=50)
    start_date: date | None = None
    due_date: date | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=20)
    quality_review: bool = False
    hub: bool = Field(default=False, description="hub mode: admins stand between you and the experts")

    def to_command(self) -> NewTask:
        return NewTask(
            title=self.title,
            description=self.description,
            category=self.category,
            skills=tuple(self.skills),
            budget=self.budget.domain(),
            mode=self.mode,
            visibility=self.visibility,
            invitees=tuple(self.invitees),
            start_date=self.start_date,
            due_date=self.due_date,
            attachments=tuple(self.attachments),
            quality_review=self.quality_review,
            hub=self.hub,
        )


class EditTask(Body):
    """PATCH: every field optional; only what is sent changes."""

    title: Annotated[Text, StringConstraints(max_length=140)] | None = None
    description: Annotated[Text, StringConstraints(max_length=10000)] | None = None
    category: Slug | None = None
    skills: list[Skill] | None = Field(default=None, min_length=1, max_length=20)
    budget: PositiveMoney | None = None
    mode: Mode | None = None
    visibility: Visibility | None = None
    invitees: list[Id] | None = Field(default=None, max_length=50)
    start_date: date | None = None
    due_date: date | None = None
    attachments: list[Id] | None = Field(default=None, max_length=20)
    quality_review: bool | None = None
    hub: bool | None = None

    @field_validator(
        "title",
        "description",
        "category",
        "skills",
        "budget",
        "mode",
        "visibility",
        "invitees",
        "attachments",
        "quality_review",
        "hub",
        mode="before",
    )
    @classmethod
    def not_null(cls, value: object) -> object:
        """Only dates may be cleared with null; a task always has the rest (an empty list clears a list)."""
        if value is None:
            raise ValueError("may be left out but not set to null")
        return value

    def to_command(self) -> TaskChanges:
        """Only the fields sent: left out keeps a field, null clears a date."""
        given: dict[str, Any] = {name: getattr(self, name) for name in self.model_fields_set}
        for name in ("skills", "invitees", "attachments"):
            if name in given:
                given[name] = tuple(given[name])
        if "budget" in given:
            given["budget"] = given["budget"].domain()
        return TaskChanges(**given)
