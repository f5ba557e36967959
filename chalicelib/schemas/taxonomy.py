"""Bodies of the taxonomy and its tickets: the admins' whole document, a customer's ticket, a resolution."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.domain import taxonomy as rules
from chalicelib.schemas.common import Body, Slug, Text

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.MAX_NAME)]
Kind = Literal["problem_solving", "training", "consulting", "design", "other"]  # = rules.KINDS (tested)


class CategoryEntry(Body):
    slug: Slug
    name: Name
    kind: Kind


class SkillEntry(Body):
    slug: Slug
    name: Name


class LanguageEntry(Body):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
    name: Name


class TaxonomyDocument(Body):
    """The whole taxonomy (PUT replaces it); unique slugs and codes are checked by the domain."""

    categories: list[CategoryEntry] = Field(max_length=rules.MAX_CATEGORIES)
    skills: list[SkillEntry] = Field(max_length=rules.MAX_SKILLS)
    languages: list[LanguageEntry] = Field(max_length=rules.MAX_LANGUAGES)
    version: int | None = Field(
        default=None,
        ge=0,
        le=2**53,
        description="the version GET /taxonomy returned: a stale one is a 409 (leave it out to overwrite)",
    )

    def to_domain(self) -> rules.Taxonomy:
        return rules.Taxonomy(
            tuple(rules.Category(c.slug, c.name, c.kind) for c in self.categories),
            tuple(rules.Skill(s.slug, s.name) for s in self.skills),
            tuple(rules.Language(lang.code, lang.name) for lang in self.languages),
        )


class NewTicket(Body):
    kind: Literal["new_category", "new_skill", "other"]  # = rules.TICKET_KINDS (tested)
    text: Annotated[Text, StringConstraints(max_length=rules.MAX_TICKET_TEXT)]


class AddTo(Body):
    """A category (with its kind, default `other`) or a skill the resolution adds to the taxonomy."""

    list: Literal["categories", "skills"]
    slug: Slug
    name: Name
    kind: Kind | None = None


class ResolveTicket(Body):
    note: Annotated[Text, StringConstraints(max_length=rules.MAX_NOTE)]
    add_to: AddTo | None = None
