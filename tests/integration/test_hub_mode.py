"""Hub mode against moto (issue 17): bids wait for an admin, negotiation and pre-award threads go through the hub,
and the customer never reads the expert's id, name or email in any response about the contract."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters import bids_repo, profiles_repo
from chalicelib.adapters.table import NotificationItem
from chalicelib.adapters.tokens import Claims
from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask, TaskChanges
from chalicelib.handlers.consumers import NOTIFICATIONS_QUEUE
from chalicelib.services import bids, contracts, hub, moderation, negotiation, profiles, settings, tasks, threads
from chalicelib.services.identity import Actor
from scripts import pump
from tests.integration.market import ADMIN, open_task, person, place_bid, put_file

pytestmark = pytest.mark.usefixtures("aws")

_serial = itertools.count(1)


def hub_task(customer: Actor, budget: int = 250000) -> Any:
    new = NewTask("Hub work", "Through the hub.", "mechanical-engineering", ("python",), Money(budget, "EUR"), hub=True)
    task = tasks.create_task(customer, new)
    tasks.submit_task(customer, task.id)
    return tasks.review_task(ADMIN, task.id, "approve", None)


def expert() -> Actor:
    """A verified provider with a name and email that cannot appear in a response by chance."""
    n = next(_serial)
    actor = Actor(Claims(f"sub-hubexpert-{n}", f"heidi.hubexpert{n}@expert.example", frozenset()), None)
    new = NewProfile(Role.PROVIDER, f"Heidi Hubexpert-{n}", Kind.INDIVIDUAL, ("python",))
    actor.profile = profiles.create_profile(actor, new)
    document = put_file(actor, "verification")
    profiles.submit_verification(actor, VerificationRequest("Heidi H", (document,)))
    actor.profile = profiles.decide_verification(ADMIN, actor.profile.id, "approve", None)
    return actor


def inbox(actor: Actor, event_type: str) -> list[Any]:
    return [n for n in NotificationItem.query(f"INBOX#{actor.profile_id}") if n.event_type == event_type]


def arrived(actor: Actor, event_type: str) -> list[Any]:
    return pump.settle(
        lambda: inbox(actor, event_type), what=f"{event_type} for {actor.profile_id}", queues=[NOTIFICATIONS_QUEUE]
    )


# --- the flag ------------------------------------------------------------------------------------------


def test_the_hub_flag_is_asked_for_or_forced_by_the_category() -> None:
    customer = person("customer")
    category = f"hub-cat-{next(_serial)}"
    current = settings.hub_categories()
    saved = settings.set_hub_categories(ADMIN, current.version, [*current.categories, category])
    assert category in saved.categories and saved.version == current.version + 1
    with pytest.raises(Conflict):  # a stale version changes nothing
        settings.set_hub_categories(ADMIN, current.version, [])
    assert category in settings.hub_categories().categories

    plain = NewTask("Plain", "No hub.", "web", ("python",), Money(1000, "EUR"))
    assert not tasks.create_task(customer, plain).hub
    assert tasks.create_task(customer, NewTask("Asked", "Hub.", "web", ("python",), Money(1000, "EUR"), hub=True)).hub
    forced = tasks.create_task(customer, NewTask("Forced", "By category.", category, ("python",), Money(1000, "EUR")))
    assert forced.hub
    assert tasks.edit_task(customer, forced.id, TaskChanges(hub=False)).hub  # the category still forces it
    draft = tasks.create_task(customer, plain)
    assert tasks.edit_task(customer, draft.id, TaskChanges(category=category)).hub  # moved into a hub category
    assert tasks.edit_task(customer, draft.id, TaskChanges(title="Still hub")).hub


# --- bids ----------------------------------------------------------------------------------------------


def test_hub_bids_wait_for_an_admin_who_forwards_or_declines_them() -> None:
    customer, first, second = person("customer"), person("provider"), person("provider")
    task = hub_task(customer)
    waiting = place_bid(first, task.id)
    declined = place_bid(second, task.id)

    queued = [b.id for b in hub.queue(ADMIN, 100, None).page.items]
    assert {waiting.id, declined.id} <= set(queued)
    assert queued.index(waiting.id) < queued.index(declined.id)  # oldest first
    _, rows, _ = bids.list_bids(customer, task.id, None, 50, None)
    assert rows == []  # nothing reached the owner yet
    for move in (
        lambda: bids.get_bid(customer, waiting.id),
        lambda: bids.workbench_move(customer, waiting.id, "shortlist"),
        lambda: contracts.award(customer, waiting.id),
    ):
        with pytest.raises(NotFound):
            move()
    assert bids_repo.get(waiting.id).status == "submitted"  # type: ignore[union-attr]
    assert bids.get_bid(first, waiting.id).status == "submitted"  # the bidder sees it waiting

    with pytest.raises(Forbidden):
        hub.forward(customer, waiting.id)  # services check too, not only the route's policy
    forwarded = hub.forward(ADMIN, waiting.id)
    assert forwarded.status == "forwarded" and forwarded.forwarded_at
    refused = hub.decline(ADMIN, declined.id, "Pricing far above the market")
    assert refused.status == "declined"
    with pytest.raises(Conflict):  # decided once
        hub.forward(ADMIN, declined.id)
    queued = {b.id for b in hub.queue(ADMIN, 100, None).page.items}
    assert waiting.id not in queued and declined.id not in queued

    # the owner sees only the forwarded bid, under the task's alias; the declined bidder reads why
    _, rows, _ = bids.list_bids(customer, task.id, None, 50, None)
    assert [bid.id for bid, _, _ in rows] == [waiting.id]
    alias = moderation.alias_for(first.profile_id or "", task.id)
    assert rows[0][0].concealed_as == alias
    with pytest.raises(NotFound):
        bids.get_bid(customer, declined.id)
    assert bids.get_bid(second, declined.id).decline_reason == "Pricing far above the market"
    assert arrived(customer, "BidForwarded")[0].data["bidId"] == waiting.id
    assert arrived(second, "BidDeclined")[0].data["reason"] == "Pricing far above the market"

    # a bid on an ordinary task is not the hub's
    plain_task = open_task(customer)
    plain = place_bid(first, plain_task.id)
    with pytest.raises(Conflict):
        hub.forward(ADMIN, plain.id)

    # negotiation goes through the hub: the owner's counter is refused, the admin's and the bidder's edit are fine
    from chalicelib.domain.bids import BidChanges, Counter

    with pytest.raises(Forbidden) as error:
        negotiation.counter(customer, waiting.id, Counter(Money(200000, "EUR"), "Less?"))
    assert "hub" in error.value.detail
    assert negotiation.counter(ADMIN, waiting.id, Counter(Money(200000, "EUR"), "The hub asks 2000")).counter_offer
    assert negotiation.edit(first, waiting.id, BidChanges(duration_days=15)).duration_days == 15

    # award takes the forwarded bid; the waiting bids of the others leave the queue as lost
    third = place_bid(person("provider"), task.id)
    assert third.id in {b.id for b in hub.queue(ADMIN, 100, None).page.items}
    contract, _ = contracts.award(customer, waiting.id)
    assert contract.hub and bids_repo.get(third.id).status == "lost"  # type: ignore[union-attr]
    assert third.id not in {b.id for b in hub.queue(ADMIN, 100, None).page.items}


def test_a_hub_bid_forwarded_twice_at_once_is_forwarded_once() -> None:
    from tests.integration.market import race

    task = hub_task(person("customer"))
    bid = place_bid(person("provider"), task.id)
    results, errors = race(lambda: hub.forward(ADMIN, bid.id), lambda: hub.decline(ADMIN, bid.id, "no"))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert bids_repo.get(bid.id).status == results[0].status  # type: ignore[union-attr]


# --- threads -------------------------------------------------------------------------------------------


def test_pre_award_threads_run_with_the_hub_not_between_company_and_expert() -> None:
    customer, provider = person("customer"), person("provider")
    task = hub_task(customer)
    place_bid(provider, task.id)

    with pytest.raises(ValidationFailed):  # the owner cannot pick an expert to talk to
        threads.open_task_thread(customer, task.id, provider.profile_id)
    owners, created = threads.open_task_thread(customer, task.id, None)
    assert created and owners.member_ids == [customer.profile_id]
    assert threads.open_task_thread(customer, task.id, None)[0].id == owners.id  # one per owner and task
    experts, _ = threads.open_task_thread(provider, task.id, None)
    assert experts.member_ids == [provider.profile_id] and experts.id != owners.id
    with pytest.raises(NotFound):  # neither reads the other's thread
        threads.messages(customer, experts.id, None, 50, None)
    with pytest.raises(NotFound):
        threads.messages(provider, owners.id, None, 50, None)

    listed = [t.id for t in threads.hub_threads(ADMIN, 100, None).items]  # where admins find them
    assert listed.index(experts.id) < listed.index(owners.id)  # newest first
    with pytest.raises(Forbidden):
        threads.hub_threads(customer, 10, None)

    threads.post_message(customer, owners.id, "Can the expert start in May?", [])
    threads.post_message(ADMIN, owners.id, "Yes, the hub confirms May.", [])  # admins post in hub threads
    threads.post_message(ADMIN, experts.id, "The company asks for May.", [])
    told = arrived(customer, "MessagePosted")
    assert told[0].data["senderId"] == "admin" and told[0].data["threadId"] == owners.id
    assert arrived(provider, "MessagePosted")[0].data["threadId"] == experts.id
    _, items, _, _ = threads.messages(customer, owners.id, None, 50, None)
    assert [m.sender_role for m in items] == ["customer", "admin"]


# --- the expert stays anonymous to the company -------------------------------------------------------


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, dict[str, Actor]]]:
    """The app in-process; `Authorization: Bearer <name>` signs in as the named test actor (a fresh read of the
    profile on every request, as authenticate does)."""
    from chalice.test import Client

    import app
    from chalicelib.services import identity

    people: dict[str, Actor] = {}

    def authenticate(header: str | None) -> Actor:
        actor = people[str(header).removeprefix("Bearer ")]
        return Actor(
            actor.claims, None if actor.is_admin and actor.profile is None else profiles_repo.get_by_sub(actor.sub)
        )

    monkeypatch.setattr(identity, "authenticate", authenticate)
    with Client(app.app, stage_name="local") as client:
        yield client.http, people


def test_the_company_never_reads_the_experts_id_name_or_email(http: tuple[Any, dict[str, Actor]]) -> None:
    client, people = http
    customer, provider = person("customer"), expert()
    people.update(customer=customer, provider=provider, admin=ADMIN)
    secrets = [
        provider.profile_id,
        provider.sub,
        provider.claims.email,
        provider.profile.display_name,  # type: ignore[union-attr]
    ]
    seen: list[str] = []

    def call(who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {who}", "Content-Type": "application/json"}
        response = getattr(client, method.lower())(path, headers=headers, body=json.dumps(body) if body else None)
        assert response.status_code == status, (path, response.body)
        text = response.body.decode()
        if who == "customer":
            seen.append(f"{method} {path}: {text}")
        return json.loads(text) if response.headers.get("Content-Type", "").startswith("application/json") else text

    task = hub_task(customer)
    alias = moderation.alias_for(str(provider.profile_id), task.id)
    bid = place_bid(provider, task.id)
    call("admin", "POST", f"/admin/bids/{bid.id}/forward")
    listed = call("customer", "GET", f"/tasks/{task.id}/bids")
    assert listed["items"][0]["providerId"] == alias.id
    assert listed["items"][0]["provider"]["displayName"] == alias.name

    contract = call("customer", "POST", f"/bids/{bid.id}/award", status=201)
    assert contract["providerId"] == alias.id and contract["hub"] is True
    contract_id = contract["id"]
    call("provider", "POST", f"/contracts/{contract_id}/sign")
    signed = call("customer", "POST", f"/contracts/{contract_id}/sign")
    assert signed["status"] == "active" and signed["signatures"]["provider"]["by"] == alias.id
    call("customer", "GET", f"/bids/{bid.id}")  # awarded: still the alias

    # the contract thread: the expert writes, the company reads them as the alias
    thread = call("customer", "GET", f"/contracts/{contract_id}/thread")
    assert {m["role"]: m["id"] for m in thread["members"]}["provider"] == alias.id
    call("provider", "POST", f"/threads/{thread['id']}/messages", {"text": "Starting today."}, status=201)
    call("customer", "POST", f"/threads/{thread['id']}/messages", {"text": "Great."}, status=201)
    messages = call("customer", "GET", f"/threads/{thread['id']}/messages")
    assert [m["senderId"] for m in messages["items"]] == [alias.id, customer.profile_id]
    call("customer", "GET", "/me/threads")

    # an amendment the expert proposes, the audit trail (json and csv), my contracts, the notifications
    change = {"op": "add", "title": "Extra", "amount": {"amount": 100, "currency": "EUR"}, "dueDate": "2027-06-30"}
    call("provider", "POST", f"/contracts/{contract_id}/amendments", {"reason": "scope", "changes": [change]}, 201)
    amendments = call("customer", "GET", f"/contracts/{contract_id}/amendments")
    assert amendments["items"][0]["proposerId"] == alias.id
    audit = call("customer", "GET", f"/contracts/{contract_id}/audit")
    assert alias.id in {e["actor"] for e in audit["items"]}
    call("customer", "GET", f"/contracts/{contract_id}/audit?format=csv")
    mine = call("customer", "GET", "/me/contracts")
    assert {c["providerId"] for c in mine["items"]} == {alias.id}
    call("customer", "GET", f"/contracts/{contract_id}")
    posted = arrived(customer, "MessagePosted")
    assert posted[0].data["senderId"] == alias.id and posted[0].data["from"] == alias.name
    arrived(customer, "ContractActivated")
    call("customer", "GET", "/me/notifications")

    leaks = [(secret, response[:160]) for response in seen for secret in secrets if secret and secret in response]
    assert leaks == []
    assert len(seen) >= 14

    # the expert and the admins still see who it is
    assert call("provider", "GET", f"/contracts/{contract_id}")["providerId"] == provider.profile_id
    assert call("admin", "GET", f"/contracts/{contract_id}")["providerId"] == provider.profile_id


def test_an_ordinary_contract_is_not_masked() -> None:
    customer, provider = person("customer"), person("provider")
    task = open_task(customer)
    bid = place_bid(provider, task.id)
    contract, _ = contracts.award(customer, bid.id)
    assert not contract.hub and hub.mask_for(customer, contract) is None
    assert hub.masks(contract, customer.profile_id) is False


def test_a_mask_swaps_every_string_and_keeps_the_shape() -> None:
    mask = hub.Mask((("Heidi Hubexpert", "Expert #ABC"), ("p-1", "anon-ABC")))
    view = {"providerId": "p-1", "items": [{"by": "p-1", "text": "Hi from Heidi Hubexpert"}, 3, None], "p-1": True}
    assert mask(view) == {
        "providerId": "anon-ABC",
        "items": [{"by": "anon-ABC", "text": "Hi from Expert #ABC"}, 3, None],
        "anon-ABC": True,
    }
