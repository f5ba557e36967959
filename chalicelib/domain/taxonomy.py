"""The curated lists behind the pickers (categories with their kind, skills, languages) and the ticket lifecycle.

The lists guide, they do not gate: tasks and profiles keep accepting free-form slugs, so a category an admin
has not curated yet never blocks a customer (seed 004: "if you did not find ... create a ticket"). The whole
document is one settings item, so it is bounded here: at the caps below it stays far under DynamoDB's
400 KB item limit (about 250 KB at the worst: 1000 skills of 60 + 80 characters and the rest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.lifecycle import Lifecycle

KINDS = ("problem_solving", "training", "consulting", "design", "other")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")  # ISO 639-1 or 639-3
MAX_SLUG = 60
MAX_NAME = 80
MAX_CATEGORIES = 200
MAX_SKILLS = 1000
MAX_LANGUAGES = 200


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    kind: str


@dataclass(frozen=True)
class Skill:
    slug: str
    name: str


@dataclass(frozen=True)
class Language:
    code: str
    name: str


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    skills: tuple[Skill, ...]
    languages: tuple[Language, ...]

    def as_json(self) -> dict[str, Any]:
        """The stored and served shape (also what GET /taxonomy answers, without the version)."""
        return {
            "categories": [{"slug": c.slug, "name": c.name, "kind": c.kind} for c in self.categories],
            "skills": [{"slug": s.slug, "name": s.name} for s in self.skills],
            "languages": [{"code": lang.code, "name": lang.name} for lang in self.languages],
        }


def from_json(document: dict[str, Any]) -> Taxonomy:
    """A stored document back into the domain (it was validated when it was saved)."""
    return Taxonomy(
        tuple(Category(str(c["slug"]), str(c["name"]), str(c["kind"])) for c in document.get("categories", [])),
        tuple(Skill(str(s["slug"]), str(s["name"])) for s in document.get("skills", [])),
        tuple(Language(str(lang["code"]), str(lang["name"])) for lang in document.get("languages", [])),
    )


def _name_problems(field: str, name: str) -> list[dict[str, str]]:
    if not name.strip() or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        return [{"field": field, "message": f"1 to {MAX_NAME} printable characters"}]
    return []


def _unique(field: str, keys: Iterable[str]) -> list[dict[str, str]]:
    seen: set[str] = set()
    problems = []
    for i, key in enumerate(keys):
        if key in seen:
            problems.append({"field": f"{field}.{i}", "message": f"{key!r} is listed twice"})
        seen.add(key)
    return problems


def problems(taxonomy: Taxonomy) -> list[dict[str, str]]:
    """Every reason the document may not be saved, one per field (empty: it may)."""
    found: list[dict[str, str]] = []
    for field, items, cap in (
        ("categories", taxonomy.categories, MAX_CATEGORIES),
        ("skills", taxonomy.skills, MAX_SKILLS),
        ("languages", taxonomy.languages, MAX_LANGUAGES),
    ):
        if len(items) > cap:
            found.append({"field": field, "message": f"at most {cap} entries"})
    for i, category in enumerate(taxonomy.categories):
        if not (SLUG.fullmatch(category.slug) and len(category.slug) <= MAX_SLUG):
            found.append({"field": f"categories.{i}.slug", "message": "lower-case words joined by '-', ≤ 60"})
        if category.kind not in KINDS:
            found.append({"field": f"categories.{i}.kind", "message": f"one of {', '.join(KINDS)}"})
        found += _name_problems(f"categories.{i}.name", category.name)
    for i, skill in enumerate(taxonomy.skills):
        if not (SLUG.fullmatch(skill.slug) and len(skill.slug) <= MAX_SLUG):
            found.append({"field": f"skills.{i}.slug", "message": "lower-case words joined by '-', ≤ 60"})
        found += _name_problems(f"skills.{i}.name", skill.name)
    for i, language in enumerate(taxonomy.languages):
        if not LANGUAGE_CODE.fullmatch(language.code):
            found.append({"field": f"languages.{i}.code", "message": "an ISO 639 code: 2 or 3 lower-case letters"})
        found += _name_problems(f"languages.{i}.name", language.name)
    found += _unique("categories", (c.slug for c in taxonomy.categories))
    found += _unique("skills", (s.slug for s in taxonomy.skills))
    found += _unique("languages", (lang.code for lang in taxonomy.languages))
    return found


def check(taxonomy: Taxonomy) -> Taxonomy:
    """The document, or a 400 naming every field that is wrong."""
    found = problems(taxonomy)
    if found:
        raise ValidationFailed("the taxonomy is not valid", found)
    return taxonomy


def with_category(taxonomy: Taxonomy, slug: str, name: str, kind: str) -> Taxonomy:
    """The taxonomy with one more category (a resolved ticket's request); a slug already listed is a 409."""
    if any(c.slug == slug for c in taxonomy.categories):
        raise Conflict(f"the category {slug!r} is listed already", [{"field": "addTo.slug", "message": "listed"}])
    return check(replace(taxonomy, categories=(*taxonomy.categories, Category(slug, name, kind))))


def with_skill(taxonomy: Taxonomy, slug: str, name: str) -> Taxonomy:
    """The taxonomy with one more skill; a slug already listed is a 409."""
    if any(s.slug == slug for s in taxonomy.skills):
        raise Conflict(f"the skill {slug!r} is listed already", [{"field": "addTo.slug", "message": "listed"}])
    return check(replace(taxonomy, skills=(*taxonomy.skills, Skill(slug, name))))


def _categories(kind: str, *pairs: tuple[str, str]) -> tuple[Category, ...]:
    return tuple(Category(slug, name, kind) for slug, name in pairs)


# What GET /taxonomy answers until an admin first saves the lists: an engineering-experts marketplace
# (seed 004: problem solving and training), plus every category and skill the seed and the tests use.
DEFAULT = Taxonomy(
    categories=(
        *_categories(
            "problem_solving",
            ("data-engineering", "Data engineering"),
            ("web-development", "Web development"),
            ("web", "Web"),
            ("mobile-development", "Mobile development"),
            ("cloud-infrastructure", "Cloud infrastructure"),
            ("observability", "Observability"),
            ("machine-learning", "Machine learning"),
            ("embedded-systems", "Embedded systems"),
            ("mechanical-engineering", "Mechanical engineering"),
            ("electrical-engineering", "Electrical engineering"),
            ("plastics-engineering", "Plastics engineering"),
            ("materials-testing", "Materials testing"),
            ("process-engineering", "Process engineering"),
            ("quality-assurance", "Quality assurance"),
        ),
        *_categories(
            "training",
            ("training-software", "Software training"),
            ("training-engineering", "Engineering training"),
            ("training-cad", "CAD training"),
        ),
        *_categories(
            "consulting",
            ("technical-consulting", "Technical consulting"),
            ("certification-support", "Certification support"),
        ),
        *_categories("design", ("product-design", "Product design"), ("ux-design", "UX design")),
        Category("other", "Other", "other"),
    ),
    skills=tuple(
        Skill(slug, name)
        for slug, name in (
            ("python", "Python"),
            ("aws", "AWS"),
            ("airflow", "Apache Airflow"),
            ("sql", "SQL"),
            ("data-engineering", "Data engineering"),
            ("react", "React"),
            ("typescript", "TypeScript"),
            ("java", "Java"),
            ("go", "Go"),
            ("rust", "Rust"),
            ("c", "C"),
            ("cpp", "C++"),
            ("kubernetes", "Kubernetes"),
            ("terraform", "Terraform"),
            ("machine-learning", "Machine learning"),
            ("cad", "CAD"),
            ("fea", "Finite element analysis"),
            ("cfd", "Computational fluid dynamics"),
            ("mechanical-engineering", "Mechanical engineering"),
            ("injection-molding", "Injection molding"),
            ("mold-design", "Mold design"),
            ("polymer-science", "Polymer science"),
            ("plc", "PLC programming"),
            ("technical-writing", "Technical writing"),
        )
    ),
    languages=tuple(
        Language(code, name)
        for code, name in (
            ("en", "English"),
            ("de", "German"),
            ("fr", "French"),
            ("es", "Spanish"),
            ("it", "Italian"),
            ("pl", "Polish"),
            ("ar", "Arabic"),
            ("tr", "Turkish"),
            ("zh", "Chinese"),
        )
    ),
)


# --- tickets: requests for what the lists lack --------------------------------------------------------

TICKET_KINDS = ("new_category", "new_skill", "other")
MAX_TICKET_TEXT = 2000
MAX_NOTE = 2000


class TicketStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


TICKET = Lifecycle[TicketStatus]("ticket", {TicketStatus.OPEN: {"resolve": TicketStatus.RESOLVED}})
