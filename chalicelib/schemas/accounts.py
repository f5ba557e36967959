"""Bodies of the profile and verification routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
from chalicelib.schemas.common import Body, Id, PositiveMoney, Skill, Text


class CreateProfile(Body):
    role: Role
    display_name: Annotated[Text, StringConstraints(max_length=80)]
    kind: Kind
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]] = Field(
        default_factory=list, max_length=10
    )
    hourly_rate: PositiveMoney | None = None
    bio: Annotated[str, StringConstraints(max_length=2000)] | None = None
    anonymous: bool = False

    def to_command(self) -> NewProfile:
        return NewProfile(
            role=self.role,
            display_name=self.display_name,
            kind=self.kind,
            skills=tuple(self.skills),
            languages=tuple(self.languages),
            hourly_rate=self.hourly_rate.domain() if self.hourly_rate else None,
            bio=self.bio,
            anonymous=self.anonymous,
        )


class SubmitVerification(Body):
    legal_name: Annotated[Text, StringConstraints(max_length=200)]
    documents: list[Id] = Field(min_length=1, max_length=10)

    def to_command(self) -> VerificationRequest:
        return VerificationRequest(legal_name=self.legal_name, documents=tuple(self.documents))
