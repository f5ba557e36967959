"""Trust & safety over HTTP on the real local stack: threads, masking, moderation, anonymity, audit."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from scripts.demo import run as run_demo
from scripts.local_stack import LocalStack
from scripts.seed import PASSWORD
from tests.e2e.conftest import User, World, bid_body, eventually

ACCEPTANCE = "mail me at anna [at] proton [dot] me"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return dict(response.json())


def _notifications(user: User, kind: str) -> list[dict[str, Any]]:
    return [n for n in user.ok("GET", "/me/notifications?limit=100")["items"] if n["type"] == kind]


def _notified(user: User, kind: str) -> list[dict[str, Any]]:
    """The pump writes the inbox from the event queue a moment after the request: wait for this one."""
    return eventually(lambda: _notifications(user, kind), f"a {kind} notification for {user.email}")


@pytest.fixture(scope="module")
def deal(world: World) -> dict[str, Any]:
    customer = world.profile("customer")
    provider = world.profile("provider")
    task = world.open_task(customer)
    provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(), status=201)
    thread = provider.ok("POST", f"/tasks/{task['id']}/threads", {}, status=201)
    return {"customer": customer, "provider": provider, "task": task, "thread": thread}


def test_one_thread_per_owner_and_provider_and_the_no_paths(deal: dict[str, Any], world: World) -> None:
    customer, provider, task, thread = deal["customer"], deal["provider"], deal["task"], deal["thread"]
    assert thread["kind"] == "task" and thread["taskId"] == task["id"]
    assert [m["role"] for m in thread["members"]] == ["customer", "provider"]
    me = provider.ok("GET", "/me")
    again = customer.call("POST", f"/tasks/{task['id']}/threads", {"providerId": me["id"]})
    assert again.status_code == 200 and again.json()["id"] == thread["id"]

    messages = f"/threads/{thread['id']}/messages"
    provider.ok("POST", messages, {"text": "Is the data in S3 already?"}, status=201)
    for stranger in (world.profile("provider"), world.profile("customer")):  # a non-member provider, a stranger
        _problem(stranger.get(messages), 404)
        _problem(stranger.post(messages, {"text": "hello"}), 404)
        assert thread["id"] not in {t["id"] for t in stranger.ok("GET", "/me/threads")["items"]}
    _problem(world.anonymous().get(messages), 401)
    _problem(world.anonymous().post(messages, {"text": "hello"}), 401)
    _problem(world.anonymous().get("/me/threads"), 401)
    _problem(customer.post(messages, {"text": ""}), 400)
    _problem(customer.post(messages, {"text": "hi", "extra": 1}), 400)
    _problem(customer.get(f"{messages}?after=nope"), 400)
    _problem(customer.get("/threads/01J0000000000000000000000Z/messages"), 404)

    admin = world.admin()
    assert [m["text"] for m in admin.ok("GET", messages)["items"]] == ["Is the data in S3 already?"]
    _problem(admin.post(messages, {"text": "moderator"}), 403)

    listed = customer.ok("GET", "/me/threads")["items"]
    mine = next(t for t in listed if t["id"] == thread["id"])
    assert mine["unread"] == 1
    customer.ok("GET", messages)
    assert next(t for t in customer.ok("GET", "/me/threads")["items"] if t["id"] == thread["id"])["unread"] == 0


def test_the_acceptance_message_is_masked_flagged_and_confirmed(deal: dict[str, Any], world: World) -> None:
    customer, provider, thread = deal["customer"], deal["provider"], deal["thread"]
    messages = f"/threads/{thread['id']}/messages"
    posted = customer.ok("POST", messages, {"text": ACCEPTANCE}, status=201)
    assert set(posted) >= {"id", "senderId", "text", "flagged", "findings"}
    assert posted["flagged"] is True
    assert posted["findings"] and all(set(f) == {"kind", "start", "end"} for f in posted["findings"])
    assert "anna" not in posted["text"] and "proton" not in posted["text"]
    assert posted["senderId"] == customer.ok("GET", "/me")["id"]

    seen = next(m for m in provider.ok("GET", f"{messages}?limit=100")["items"] if m["id"] == posted["id"])
    assert seen["text"] == posted["text"] and "maskedText" not in seen

    admin = world.admin()
    queue = admin.ok("GET", "/admin/messages?status=flagged&limit=100")["items"]
    entry = next(f for f in queue if f["messageId"] == posted["id"])
    assert entry["originalText"] == ACCEPTANCE
    assert entry["maskedText"] == posted["text"]
    assert entry["threadId"] == thread["id"] and entry["senderId"] == posted["senderId"]
    as_admin = next(m for m in admin.ok("GET", f"{messages}?limit=100")["items"] if m["id"] == posted["id"])
    assert as_admin["text"] == ACCEPTANCE and as_admin["maskedText"] == posted["text"]

    _problem(customer.get("/admin/messages?status=flagged"), 403)
    _problem(customer.post(f"/admin/messages/{posted['id']}/confirm", {}), 403)
    confirmed = admin.ok("POST", f"/admin/messages/{posted['id']}/confirm", {"note": "email address"})
    assert confirmed["status"] == "confirmed"
    assert confirmed["sender"]["strikes"] == 1 and confirmed["sender"]["suspended"] is False
    _problem(admin.post(f"/admin/messages/{posted['id']}/dismiss", {}), 409)
    remaining = admin.ok("GET", "/admin/messages?status=flagged&limit=100")["items"]
    assert posted["id"] not in {f["messageId"] for f in remaining}
    history = admin.ok("GET", "/admin/messages?status=confirmed&limit=100")["items"]
    assert posted["id"] in {f["messageId"] for f in history}
    _notified(customer, "StrikeRecorded")
    _notified(customer, "MessageFlagged")


def test_three_strikes_suspend_every_write_until_reinstated(world: World) -> None:
    customer = world.profile("customer")
    provider = world.profile("provider")
    task = world.open_task(customer)
    provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(), status=201)
    provider_id = provider.ok("GET", "/me")["id"]
    thread = customer.ok("POST", f"/tasks/{task['id']}/threads", {"providerId": provider_id}, status=201)
    messages = f"/threads/{thread['id']}/messages"
    offences = [
        ACCEPTANCE,
        "call me on +49 151 2345 6789, easier than this chat",
        "add me on telegram @anna_builds and we skip the fees",
    ]
    posted = [customer.ok("POST", messages, {"text": text}, status=201) for text in offences]
    assert all(p["flagged"] for p in posted)

    admin = world.admin()
    decisions = [admin.ok("POST", f"/admin/messages/{p['id']}/confirm", {}) for p in posted]
    assert [d["sender"]["strikes"] for d in decisions] == [1, 2, 3]
    assert [d["sender"]["suspended"] for d in decisions] == [False, False, True]

    me = customer.ok("GET", "/me")  # reads still work
    assert me["suspended"] is True
    assert len(customer.ok("GET", messages)["items"]) == 3
    customer.ok("GET", f"/tasks/{task['id']}/bids")
    writes: list[tuple[str, str, Any]] = [
        ("POST", "/tasks", _task_body()),
        ("POST", messages, {"text": "sorry"}),
        ("POST", "/uploads", {"purpose": "message", "filename": "a.txt", "contentType": "text/plain", "size": 3}),
        ("POST", "/me/deposits", {"amount": {"amount": 100, "currency": "EUR"}}),
        ("POST", f"/tasks/{task['id']}/threads", {"providerId": provider_id}),
        ("POST", f"/tasks/{task['id']}/submit", None),
    ]
    for method, path, body in writes:
        problem = _problem(customer.call(method, path, body), 403)
        assert "suspended" in problem["detail"], (path, problem)
    _notified(customer, "AccountSuspended")

    _problem(customer.post(f"/admin/users/{me['id']}/reinstate", {}), 403)
    _problem(admin.post(f"/admin/users/{me['id']}/suspend", {}), 409)
    reinstated = admin.ok("POST", f"/admin/users/{me['id']}/reinstate", {"reason": "appeal accepted"})
    assert reinstated["suspended"] is False and reinstated["standing"]["activeStrikes"] == 0
    customer.ok("POST", "/tasks", _task_body(), status=201)
    customer.ok("POST", messages, {"text": "Back, sorry about that."}, status=201)
    _problem(admin.post(f"/admin/users/{me['id']}/reinstate", {}), 409)
    _problem(admin.post("/admin/users/01J0000000000000000000000Z/suspend", {}), 404)

    # by hand, too
    admin.ok("POST", f"/admin/users/{provider_id}/suspend", {"reason": "payment fraud"})
    _problem(provider.post(messages, {"text": "hello?"}), 403)
    assert provider.ok("GET", "/me")["suspended"] is True
    admin.ok("POST", f"/admin/users/{provider_id}/reinstate", {})
    provider.ok("POST", messages, {"text": "Thanks."}, status=201)


def _task_body() -> dict[str, Any]:
    return {
        "title": "Another task",
        "description": "After the suspension.",
        "category": "data-engineering",
        "skills": ["python"],
        "budget": {"amount": 100000, "currency": "EUR"},
    }


def test_anonymous_provider_is_an_alias_until_award(world: World) -> None:
    customer = world.profile("customer")
    provider = world.profile("provider", anonymous=True)
    me = provider.ok("GET", "/me")
    assert me["anonymous"] is True
    task = world.open_task(customer)
    bid = provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(), status=201)

    listed = customer.ok("GET", f"/tasks/{task['id']}/bids")["items"]
    shown = next(b for b in listed if b["id"] == bid["id"])
    alias_id = shown["providerId"]
    assert re.fullmatch(r"anon-[0-9A-Z]{6}", alias_id)
    assert shown["provider"]["id"] == alias_id
    assert re.fullmatch(r"Expert #[0-9A-Z]{6}", shown["provider"]["displayName"])
    assert me["id"] not in str(listed) and me["displayName"] not in str(listed)
    single = customer.ok("GET", f"/bids/{bid['id']}")
    assert single["providerId"] == alias_id and me["id"] not in str(single)
    _problem(customer.get(f"/providers/{alias_id}"), 404)  # no card behind the alias
    assert provider.ok("GET", f"/bids/{bid['id']}")["providerId"] == me["id"]  # the provider sees themself

    by_real_id = customer.post(f"/tasks/{task['id']}/threads", {"providerId": me["id"]})
    stranger_id = world.profile("provider").ok("GET", "/me")["id"]
    by_stranger = customer.post(f"/tasks/{task['id']}/threads", {"providerId": stranger_id})
    assert (by_real_id.status_code, by_real_id.content) == (by_stranger.status_code, by_stranger.content)
    _problem(by_real_id, 422)  # the real id gets a stranger's answer: it confirms no bid
    thread = customer.ok("POST", f"/tasks/{task['id']}/threads", {"providerId": alias_id}, status=201)
    member = next(m for m in thread["members"] if m["role"] == "provider")
    assert member == {
        "id": alias_id,
        "role": "provider",
        "displayName": shown["provider"]["displayName"],
        "anonymous": True,
    }
    provider.ok("POST", f"/threads/{thread['id']}/messages", {"text": "Happy to start next week."}, status=201)
    message = customer.ok("GET", f"/threads/{thread['id']}/messages")["items"][0]
    assert message["senderId"] == alias_id
    mine = next(t for t in customer.ok("GET", "/me/threads")["items"] if t["id"] == thread["id"])
    assert me["displayName"] not in str(mine)
    notes = _notified(customer, "MessagePosted")
    assert notes[0]["data"]["from"] == shown["provider"]["displayName"]
    assert me["id"] not in str(notes) and me["displayName"] not in str(notes)

    contract = customer.ok("POST", f"/bids/{bid['id']}/award", status=201)
    assert contract["providerId"] == me["id"]
    assert contract["customerId"] == customer.ok("GET", "/me")["id"]
    assert customer.ok("GET", f"/bids/{bid['id']}")["providerId"] == me["id"]
    contract_thread = customer.ok("GET", f"/contracts/{contract['id']}/thread")
    assert contract_thread["kind"] == "contract" and contract_thread["contractId"] == contract["id"]
    names = {m["role"]: m for m in contract_thread["members"]}
    assert names["provider"]["id"] == me["id"] and names["provider"]["displayName"] == me["displayName"]
    assert provider.ok("GET", f"/contracts/{contract['id']}/thread")["id"] == contract_thread["id"]
    revealed = next(t for t in customer.ok("GET", "/me/threads")["items"] if t["id"] == thread["id"])
    assert next(m for m in revealed["members"] if m["role"] == "provider")["id"] == me["id"]
    _problem(world.profile("provider").get(f"/contracts/{contract['id']}/thread"), 404)


PROPOSAL = "call me +49 151 2345 6789 or hanna@hannasoft.io"
BIO = "PLC and embedded C since 2009. Mail hanna@hannasoft.io or t.me/hannasoft_dev"


def _flagged(admin: User, field: str, original: str) -> dict[str, Any]:
    """The open queue entry of one screened field, paging through the queue (oldest first)."""
    path = "/admin/messages?status=flagged&limit=100"
    while True:
        page = admin.ok("GET", path)
        for entry in page["items"]:
            if entry["field"] == field and entry["originalText"] == original:
                return dict(entry)
        assert page["nextCursor"], f"no {field} flag with {original!r}"
        path = f"/admin/messages?status=flagged&limit=100&cursor={page['nextCursor']}"


def test_contacts_in_a_proposal_and_a_bio_are_masked_for_readers_and_flagged_for_admins(world: World) -> None:
    customer = world.profile("customer")
    provider = world.profile("provider", bio=BIO)
    task = world.open_task(customer)
    bid = provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body() | {"proposal": PROPOSAL}, status=201)
    proposal = customer.ok("GET", f"/bids/{bid['id']}")["proposal"]
    assert proposal.startswith("call me ") and "hidden]" in proposal
    assert "2345" not in proposal and "hanna" not in proposal
    listed = customer.ok("GET", f"/tasks/{task['id']}/bids")["items"]
    assert next(b for b in listed if b["id"] == bid["id"])["proposal"] == proposal

    provider_id = provider.ok("GET", "/me")["id"]
    for reader in (world.anonymous(), customer):
        bio = reader.ok("GET", f"/providers/{provider_id}")["bio"]
        assert bio.startswith("PLC and embedded C since 2009.") and "hidden]" in bio
        assert "hanna" not in bio and "t.me" not in bio

    admin = world.admin()
    for field, original, masked in (("bid.proposal", PROPOSAL, proposal), ("profile.bio", BIO, bio)):
        entry = _flagged(admin, field, original)
        assert entry["maskedText"] == masked and entry["senderId"] == provider_id
        assert entry["ref"]["id"] == (bid["id"] if field == "bid.proposal" else provider_id)


def test_audit_csv_of_a_finished_contract_with_a_dispute(stack: LocalStack, world: World) -> None:
    lines: list[str] = []
    figures = run_demo(stack.api_url, out=lambda *a, **k: lines.append(" ".join(str(x) for x in a)))
    assert figures["contractStatus"] == "completed"
    cid = figures["contractId"]
    emails = re.findall(r"demo-(?:customer|provider)-[\w-]+@example\.com", "\n".join(lines))
    customer, provider = (world.sign_in(email, PASSWORD) for email in dict.fromkeys(emails))

    response = customer.get(f"/contracts/{cid}/audit?format=csv")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="contract-{cid}-audit.csv"'
    table = list(csv.DictReader(io.StringIO(response.text)))
    actions = [r["action"] for r in table]
    for action in ("award", "sign", "activate", "fund", "submit", "request_revision", "accept", "dispute", "resolve"):
        assert action in actions, action
    changes = [a for a in actions if not a.startswith("money:")]
    assert changes[0] == "award" and changes[-1] == "complete"
    assert [r["at"] for r in table] == sorted(r["at"] for r in table)
    split = [r for r in table if r["action"] == "money:dispute_split"]
    assert sum(int(r["amount_minor"]) for r in split) == 0 and len(split) >= 3
    assert {"customer", "provider", "admin", "system"} <= {r["actor_role"] for r in table}
    moves = [(r["from"], r["to"]) for r in table if r["action"] == "dispute"]
    assert moves == [("under_review", "disputed")]

    as_json = provider.ok("GET", f"/contracts/{cid}/audit?limit=100")
    assert as_json["items"][0]["action"] == "award"
    assert as_json["nextCursor"] is None
    assert len(as_json["items"]) == len({r["entry"] for r in table})
    assert world.admin().get(f"/contracts/{cid}/audit?format=csv").status_code == 200
    _problem(world.profile("customer").get(f"/contracts/{cid}/audit"), 404)
    _problem(world.anonymous().get(f"/contracts/{cid}/audit?format=csv"), 401)
    _problem(customer.get(f"/contracts/{cid}/audit?format=xml"), 400)

    thread = customer.ok("GET", f"/contracts/{cid}/thread")
    assert thread["kind"] == "contract"
