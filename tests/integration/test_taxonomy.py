"""Taxonomy and tickets on moto: admins replace the lists under a version, customers file tickets, a resolution
can add what was asked for in the same transaction, and the author is told.

The taxonomy is one item for the whole session, so each test starts from the version it reads.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.domain import taxonomy as rules
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.services import notifications, taxonomy, tickets
from chalicelib.services.identity import authenticate
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, person, race


def test_admins_replace_the_lists_and_a_stale_or_raced_save_is_a_409(aws: dict[str, str]) -> None:
    before = taxonomy.current()
    assert {c.slug for c in before.taxonomy.categories} >= {"data-engineering"}  # the default or a saved one
    edited = replace(
        before.taxonomy,
        categories=(
            *before.taxonomy.categories,
            rules.Category(f"hub-audit-{before.version}", "Hub audit", "training"),
        ),
    )

    saved = taxonomy.replace(ADMIN, edited, before.version)

    assert saved.version == before.version + 1
    assert taxonomy.current().taxonomy == edited and taxonomy.current().version == saved.version
    with pytest.raises(Conflict) as stale:
        taxonomy.replace(ADMIN, before.taxonomy, before.version)  # the version read before the save
    assert stale.value.errors == [{"field": "version", "message": f"current version is {saved.version}"}]
    with pytest.raises(Forbidden):
        taxonomy.replace(person("customer", verified=False), edited, None)
    with pytest.raises(ValidationFailed):
        taxonomy.replace(ADMIN, replace(edited, skills=(*edited.skills, edited.skills[0])), None)
    assert taxonomy.current().version == saved.version  # refusals wrote nothing

    # two admins save at once from the same read: one wins, the other is told to reload
    done, lost = race(
        lambda: taxonomy.replace(ADMIN, before.taxonomy, saved.version),
        lambda: taxonomy.replace(ADMIN, edited, saved.version),
    )
    assert len(done) == 1 and len(lost) == 1 and isinstance(lost[0], Conflict)
    assert taxonomy.current().version == saved.version + 1
    assert taxonomy.current().taxonomy == done[0].taxonomy


def test_a_ticket_is_filed_queued_and_resolved_with_the_skill_it_asked_for(aws: dict[str, str]) -> None:
    from scripts import pump

    customer = person("customer", verified=False)  # seed 004: a ticket comes before the job is posted
    first = tickets.file(customer, "new_skill", "Please add Moldflow simulation as a skill.")
    second = tickets.file(customer, "other", "Can a training be split over two weeks?")
    assert (first.status, first.kind, first.note) == ("open", "new_skill", None)

    queued = [t.id for t in tickets.queue(ADMIN, "open", 100, None).items]
    assert queued.index(first.id) < queued.index(second.id)  # oldest first
    assert [t.id for t in tickets.mine(customer, 10, None).items] == [second.id, first.id]  # newest first
    slug = f"moldflow-{first.id.lower()}"
    assert slug not in {s.slug for s in taxonomy.current().taxonomy.skills}

    addition = tickets.Addition("skills", slug, "Moldflow simulation")
    resolved = tickets.resolve(ADMIN, first.id, "Added to the skills.", addition)

    assert (resolved.status, resolved.note, resolved.added) == (
        "resolved",
        "Added to the skills.",
        {"list": "skills", "slug": slug, "name": "Moldflow simulation"},
    )
    assert rules.Skill(slug, "Moldflow simulation") in taxonomy.current().taxonomy.skills
    assert first.id not in [t.id for t in tickets.queue(ADMIN, "open", 100, None).items]
    assert first.id in [t.id for t in tickets.queue(ADMIN, "resolved", 100, None).items]
    with pytest.raises(Conflict):
        tickets.resolve(ADMIN, first.id, "again", None)
    inbox = pump.settle(
        lambda: [n for n in notifications.inbox(customer, 20, None).items if n.event_type == "TicketResolved"],
        what="the customer's TicketResolved notification",
    )
    assert inbox[0].title == notifications.TITLES["TicketResolved"]
    assert (inbox[0].data["ticketId"], inbox[0].data["note"]) == (first.id, "Added to the skills.")


def test_a_resolution_that_cannot_add_writes_nothing(aws: dict[str, str]) -> None:
    customer = person("customer", verified=False)
    ticket = tickets.file(customer, "new_category", "We need data-engineering.")
    version = taxonomy.current().version
    with pytest.raises(Conflict):  # listed already: neither the ticket nor the lists change
        tickets.resolve(ADMIN, ticket.id, "x", tickets.Addition("categories", "data-engineering", "Data engineering"))
    assert ticket.id in [t.id for t in tickets.queue(ADMIN, "open", 100, None).items]
    assert taxonomy.current().version == version
    added = tickets.resolve(
        ADMIN, ticket.id, "New category.", tickets.Addition("categories", f"c-{ticket.id.lower()}", "C")
    )
    assert added.added == {"list": "categories", "slug": f"c-{ticket.id.lower()}", "name": "C", "kind": "other"}
    assert rules.Category(f"c-{ticket.id.lower()}", "C", "other") in taxonomy.current().taxonomy.categories
    assert taxonomy.current().version == version + 1


def test_only_customers_file_and_only_admins_read_the_queue(aws: dict[str, str]) -> None:
    provider = person("provider", verified=False)
    customer = person("customer", verified=False)
    with pytest.raises(Forbidden):
        tickets.file(provider, "new_skill", "x")
    with pytest.raises(Forbidden):
        tickets.queue(customer, "open", 10, None)
    with pytest.raises(Forbidden):
        tickets.resolve(customer, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "x")
    with pytest.raises(ValidationFailed):
        tickets.queue(ADMIN, "closed", 10, None)
    with pytest.raises(NotFound):
        tickets.resolve(ADMIN, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "x")


# --- over HTTP: the bodies, the edge cache header, the views ------------------------------------------------


def test_the_routes_over_http(aws: dict[str, str], users: Users) -> None:
    from chalice.test import Client

    import app
    from chalicelib.domain.accounts import Kind, NewProfile, Role
    from chalicelib.services import profiles

    _, token = users.create()
    customer = authenticate(f"Bearer {token}")
    profiles.create_profile(customer, NewProfile(Role.CUSTOMER, "Ticket Customer", Kind.COMPANY))
    _, admin_token = users.create(admin=True)

    with Client(app.app, stage_name="local") as client:

        def call(method: str, path: str, body: Any = None, bearer: str | None = None) -> tuple[int, Any, Any]:
            headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {bearer}"} if bearer else {})
            sent = json.dumps(body).encode() if body is not None else None
            response = client.http.request(method, path, headers=headers, body=sent)
            return response.status_code, json.loads(response.body), response.headers

        status, lists, headers = call("GET", "/taxonomy")
        assert status == 200 and headers["Cache-Control"] == "public, max-age=60"
        assert "data-engineering" in [c["slug"] for c in lists["categories"]]
        assert isinstance(lists["version"], int) and lists["languages"]
        assert call("GET", "/taxonomy", bearer=token)[2]["Cache-Control"] != "public, max-age=60"  # never shared

        document = {k: lists[k] for k in ("categories", "skills", "languages")}
        twice = document | {"skills": [*document["skills"], document["skills"][0]], "version": lists["version"]}
        status, problem, _ = call("PUT", "/admin/taxonomy", twice, admin_token)
        assert status == 400 and problem["errors"][0]["message"].endswith("is listed twice")
        status, problem, _ = call("PUT", "/admin/taxonomy", document | {"version": lists["version"]}, token)
        assert status == 403

        status, ticket, _ = call("POST", "/tickets", {"kind": "new_category", "text": "Mold repair"}, token)
        assert status == 201
        assert ticket | {"id": "x", "createdAt": "t"} == {
            "id": "x",
            "kind": "new_category",
            "text": "Mold repair",
            "status": "open",
            "note": None,
            "added": None,
            "createdAt": "t",
            "resolvedAt": None,
        }
        assert call("POST", "/tickets", {"kind": "new_category", "text": "x" * 2001}, token)[0] == 400
        assert call("POST", "/tickets", {"kind": "wish", "text": "x"}, token)[0] == 400
        slug = f"mold-repair-{ticket['id'].lower()}"
        resolution = {"note": "Added.", "addTo": {"list": "categories", "slug": slug, "name": "Mold repair"}}
        status, resolved, _ = call("POST", f"/admin/tickets/{ticket['id']}/resolve", resolution, admin_token)
        assert status == 200 and resolved["status"] == "resolved" and resolved["customerId"]
        assert resolved["added"] == {"list": "categories", "slug": slug, "name": "Mold repair", "kind": "other"}
        status, mine, _ = call("GET", "/me/tickets", bearer=token)
        assert status == 200 and [(t["id"], t["note"]) for t in mine["items"]] == [(ticket["id"], "Added.")]
        assert "customerId" not in mine["items"][0]
        assert {"slug": slug, "name": "Mold repair", "kind": "other"} in call("GET", "/taxonomy")[1]["categories"]
