"""The curated taxonomy's rules: the default is valid, a bad document names every wrong field, additions refuse
duplicates, and the ticket lifecycle resolves once."""

from __future__ import annotations

import json
import typing
from dataclasses import replace

import pytest

from chalicelib.domain import taxonomy as rules
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.taxonomy import TICKET, Category, Language, Skill, TicketStatus
from chalicelib.schemas import taxonomy as bodies


def test_the_default_is_valid_and_names_the_categories_seed_004_and_the_tests_use() -> None:
    assert rules.problems(rules.DEFAULT) == []
    kinds = {c.slug: c.kind for c in rules.DEFAULT.categories}
    assert kinds["data-engineering"] == "problem_solving"
    assert {"problem_solving", "training"} <= set(kinds.values())
    assert {"python", "aws", "fea", "cad", "react"} <= {s.slug for s in rules.DEFAULT.skills}
    assert rules.from_json(rules.DEFAULT.as_json()) == rules.DEFAULT  # what is stored reads back the same


def test_a_bad_document_names_every_wrong_field() -> None:
    bad = rules.Taxonomy(
        categories=(Category("cad", "CAD", "problem_solving"), Category("cad", "Again", "juggling")),
        skills=(Skill("Not A Slug", "x"), Skill("ok", " ")),
        languages=(Language("EN", "English"),),
    )
    with pytest.raises(ValidationFailed) as refused:
        rules.check(bad)
    assert refused.value.status == 400
    assert sorted(e["field"] for e in refused.value.errors) == [
        "categories.1",  # listed twice
        "categories.1.kind",
        "languages.0.code",
        "skills.0.slug",
        "skills.1.name",
    ]


def test_the_caps_keep_the_one_item_far_under_400_kb() -> None:
    too_many = replace(rules.DEFAULT, skills=tuple(Skill(f"s-{i}", "x") for i in range(rules.MAX_SKILLS + 1)))
    assert {"field": "skills", "message": f"at most {rules.MAX_SKILLS} entries"} in rules.problems(too_many)
    widest = rules.Taxonomy(
        tuple(Category(f"{i:03d}".ljust(60, "c"), "n" * 80, "other") for i in range(rules.MAX_CATEGORIES)),
        tuple(Skill(f"{i:04d}".ljust(60, "s"), "n" * 80) for i in range(rules.MAX_SKILLS)),
        tuple(
            Language(f"{chr(97 + i // 26 % 26)}{chr(97 + i % 26)}{chr(97 + i // 676)}", "n" * 80) for i in range(200)
        ),
    )
    assert rules.problems(widest) == []
    assert len(json.dumps(widest.as_json()).encode()) < 300_000


def test_an_addition_refuses_a_listed_slug_and_keeps_the_rest() -> None:
    added = rules.with_category(rules.DEFAULT, "polymer-recycling", "Polymer recycling", "consulting")
    assert added.categories[-1] == Category("polymer-recycling", "Polymer recycling", "consulting")
    assert added.skills == rules.DEFAULT.skills
    with pytest.raises(Conflict):
        rules.with_category(added, "polymer-recycling", "Again", "other")
    with pytest.raises(Conflict):
        rules.with_skill(rules.DEFAULT, "python", "Python")
    with pytest.raises(ValidationFailed):
        rules.with_skill(rules.DEFAULT, "Bad Slug", "x")


def test_the_bodies_offer_exactly_the_domains_kinds() -> None:
    assert typing.get_args(bodies.Kind) == rules.KINDS
    assert typing.get_args(bodies.NewTicket.model_fields["kind"].annotation) == rules.TICKET_KINDS


def test_a_ticket_resolves_once() -> None:
    assert TICKET.next(TicketStatus.OPEN, "resolve") == TicketStatus.RESOLVED
    with pytest.raises(Conflict):
        TICKET.next(TicketStatus.RESOLVED, "resolve")
