"""Every text one user writes and another reads is screened like chat: stored masked, flagged with its field.

One test per field family (bids, tasks, profiles, contract texts and reviews, file names), then the alias
oracle: a customer who names an anonymous bidder by their real id gets the stranger's answer, byte for byte.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest

from chalicelib.adapters import profiles_repo, uploads_repo
from chalicelib.adapters.tokens import Claims
from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
from chalicelib.domain.bids import NewBid, PlannedMilestone
from chalicelib.domain.errors import BusinessRuleViolated
from chalicelib.domain.money import Money
from chalicelib.domain.tasks import NewTask, TaskChanges
from chalicelib.domain.uploads import NewUpload, Purpose
from chalicelib.handlers import views
from chalicelib.handlers.consumers import NOTIFICATIONS_QUEUE
from chalicelib.services import (
    bids,
    contracts,
    escrow,
    moderation,
    notifications,
    profiles,
    tasks,
    threads,
    uploads,
)
from chalicelib.services.identity import Actor, authenticate
from scripts import pump
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, active_contract, open_task, person, place_bid, put_file

pytestmark = pytest.mark.usefixtures("aws")

PROPOSAL = "call me +49 151 2345 6789 or hanna@hannasoft.io"
BIO = "Embedded C and PLC work since 2009. Write to hanna@hannasoft.io or t.me/hannasoft_dev"


def flags_about(ref_id: str, status: str = "flagged") -> list[dict[str, Any]]:
    """The admin's queue entries (as the API renders them) about one item, oldest first."""
    found, cursor = [], None
    while True:
        page = moderation.queue(ADMIN, status, 100, cursor)
        found += [views.flag(f) for f in page.items if f.ref and ref_id in (f.ref.get("id"), f.ref.get("contractId"))]
        cursor = page.next_cursor
        if cursor is None:
            return found


def hidden(text: str, *secrets: str) -> bool:
    return "hidden]" in text and not any(secret in text for secret in secrets)


def test_a_bid_reaches_the_customer_masked_and_the_admin_gets_the_original() -> None:
    customer, provider = person("customer"), person("provider")
    task = open_task(customer)
    milestones = (
        PlannedMilestone("Design, questions to hanna@hannasoft.io", Money(100000, "EUR"), date(2027, 2, 1)),
        PlannedMilestone("Build", Money(150000, "EUR"), date(2027, 3, 1), "Tolerances per ISO 2768-m, rev 2.1"),
    )
    bid = bids.place_bid(provider, task.id, NewBid(Money(250000, "EUR"), PROPOSAL, 20, milestones))

    seen = views.bid(bids.get_bid(customer, bid.id), for_owner=True)
    assert hidden(seen["proposal"], "2345", "hanna@")
    assert hidden(seen["milestones"][0]["title"], "hanna@") and seen["milestones"][0]["title"].startswith("Design")
    assert seen["milestones"][1]["title"] == "Build"  # technical text is stored as written
    assert seen["milestones"][1]["acceptanceCriteria"] == "Tolerances per ISO 2768-m, rev 2.1"
    assert views.bid(bids.get_bid(provider, bid.id))["proposal"] == seen["proposal"]  # as chat: masked for the writer

    queue = {f["field"]: f for f in flags_about(bid.id)}
    assert set(queue) == {"bid.proposal", "bid.milestones.title"}
    entry = queue["bid.proposal"]
    assert entry["originalText"] == PROPOSAL and entry["maskedText"] == seen["proposal"]
    assert {f["kind"] for f in entry["findings"]} == {"phone", "email"}
    assert entry["ref"] == {"kind": "bid", "id": bid.id, "taskId": task.id}
    assert entry["senderId"] == provider.profile_id and entry["messageId"] is None and entry["threadId"] is None
    assert queue["bid.milestones.title"]["ref"]["position"] == 0

    decision = moderation.confirm(ADMIN, entry["id"], "phone and email")  # a strike, as for a chat message
    assert decision.flag.status == "confirmed" and int(decision.standing.strikes) == 1  # type: ignore[union-attr]
    assert [f["field"] for f in flags_about(bid.id, "confirmed")] == ["bid.proposal"]

    told = pump.settle(
        lambda: [n for n in notifications.inbox(provider, 20, None).items if n.event_type == "ContentFlagged"],
        done=lambda found: len(found) >= 2,
        what="the provider's ContentFlagged notifications",
        queues=[NOTIFICATIONS_QUEUE],
    )
    assert sorted(n.data["field"] for n in told) == ["bid.milestones.title", "bid.proposal"]

    clean = place_bid(person("provider"), task.id)  # texts without contacts: unchanged, nothing queued
    assert (clean.proposal, clean.milestones[0]["title"]) == ("Happy to.", "Part 1") and not flags_about(clean.id)


def test_task_texts_are_masked_for_bidders_and_an_edit_flags_only_new_contacts() -> None:
    customer = person("customer")
    new = NewTask("Pump controller", "Details on WhatsApp +49 151 2345 6789", "embedded", ("c",), Money(90000, "EUR"))
    task = tasks.create_task(customer, new)
    assert hidden(task.description, "2345") and task.title == "Pump controller"
    tasks.submit_task(customer, task.id)
    tasks.review_task(ADMIN, task.id, "approve", None)
    shown = views.task(tasks.get_task(person("provider"), task.id))
    assert shown["description"] == task.description
    assert [f["field"] for f in flags_about(task.id)] == ["task.description"]

    draft = tasks.create_task(customer, NewTask("Draft", "Plain text.", "embedded", ("c",), Money(90000, "EUR")))
    edited = tasks.edit_task(customer, draft.id, TaskChanges(title="PLC retrofit, mail hanna@hannasoft.io"))
    assert hidden(edited.title, "hanna@")
    tasks.edit_task(customer, draft.id, TaskChanges(description="Siemens S7-1500, 24 V DC"))  # title kept masked
    assert [f["field"] for f in flags_about(draft.id)] == ["task.title"]
    assert tasks.get_task(customer, draft.id).description == "Siemens S7-1500, 24 V DC"


def test_a_bio_is_masked_on_the_public_card_and_a_dismissed_flag_gives_no_strike() -> None:
    writer = Actor(Claims(f"sub-bio-{uuid.uuid4()}", "bio@example.com", frozenset()), None)
    profile = profiles.create_profile(writer, NewProfile(Role.PROVIDER, "Hanna S.", Kind.INDIVIDUAL, ("c",), bio=BIO))
    writer.profile = profile
    document = put_file(writer, "verification")
    profiles.submit_verification(writer, VerificationRequest("Hanna S", (document,)))
    profiles.decide_verification(ADMIN, profile.id, "approve", None)

    card = views.provider_card(profiles.provider_card(profile.id))  # GET /providers/{id}, anyone
    assert hidden(card["bio"], "hanna@", "t.me") and card["bio"].startswith("Embedded C and PLC work since 2009.")
    assert card["displayName"] == "Hanna S."
    (entry,) = flags_about(profile.id)
    assert (entry["field"], entry["originalText"], entry["maskedText"]) == ("profile.bio", BIO, card["bio"])

    moderation.dismiss(ADMIN, entry["id"], "looks fine")
    assert [f["field"] for f in flags_about(profile.id, "dismissed")] == ["profile.bio"]
    stored = profiles_repo.get_by_id(profile.id)
    assert stored is not None and stored.bio == card["bio"] and not stored.suspended  # still masked, no strike


def test_contract_texts_and_the_review_are_masked_for_the_other_party() -> None:
    customer, provider, contract, (first, second) = active_contract((100000, 150000), deposit=250000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, first.id, "wallet")
    escrow.fund_milestone(customer, cid, second.id, "wallet")
    escrow.submit(provider, cid, first.id, [put_file(provider, "deliverable")], "v1; questions: hanna@hannasoft.io")
    escrow.request_revision(customer, cid, first.id, "Ring me on +49 151 2345 6789 instead")
    escrow.submit(provider, cid, first.id, [put_file(provider, "deliverable")], "v2 with the fixes")
    escrow.accept(customer, cid, first.id)
    escrow.submit(provider, cid, second.id, [put_file(provider, "deliverable")], None)
    escrow.dispute(customer, cid, second.id, "Half missing. Settle by PayPal to hanna@hannasoft.io")
    escrow.resolve(ADMIN, cid, second.id, Money(100000, "EUR"), Money(50000, "EUR"), "split")
    review = contracts.review(customer, cid, 4, "Good, but next time mail me at boss@acme-gmbh.de")

    done, milestones = contracts.load(provider, cid)[:2]
    shown = views.contract(done, milestones)["milestones"]
    assert hidden(shown[0]["submissions"][0]["note"], "hanna@")
    assert shown[0]["submissions"][1]["note"] == "v2 with the fixes"
    assert hidden(shown[0]["revisions"][0]["reason"], "2345")
    assert hidden(shown[1]["dispute"]["reason"], "hanna@") and shown[1]["dispute"]["reason"].startswith("Half missing")
    assert hidden(review.text, "boss@")
    fields = [f["field"] for f in flags_about(cid)]
    assert sorted(fields) == [
        "milestone.dispute.reason",
        "milestone.revision.reason",
        "milestone.submission.note",
        "review.text",
    ]


def test_a_file_name_is_masked_and_the_flag_keeps_the_original() -> None:
    provider = person("provider")
    grant = uploads.create_upload(
        provider, NewUpload(Purpose.DELIVERABLE, "cv hanna@hannasoft.io.pdf", "application/pdf", 10)
    )
    upload = uploads_repo.get(grant["uploadId"])
    assert upload is not None and "hanna" not in upload.filename and upload.filename.endswith(".pdf")
    assert "hanna" not in grant["fields"]["key"]
    (entry,) = flags_about(upload.id)
    assert (entry["field"], entry["originalText"]) == ("upload.filename", "cv hanna@hannasoft.io.pdf")
    plain = uploads.create_upload(
        provider, NewUpload(Purpose.DELIVERABLE, "drawing_DIN-912-M6x20.pdf", "application/pdf", 10)
    )
    assert uploads_repo.get(plain["uploadId"]).filename == "drawing_DIN-912-M6x20.pdf"  # type: ignore[union-attr]


# --- the alias oracle ---------------------------------------------------------------------


def _customer_with_token(users: Users) -> tuple[str, Actor]:
    _, token = users.create()
    actor = authenticate(f"Bearer {token}")
    actor.profile = profiles.create_profile(actor, NewProfile(Role.CUSTOMER, "Oracle Customer", Kind.COMPANY))
    return token, actor


def test_a_real_id_of_an_anonymous_bidder_is_answered_as_a_stranger(users: Users) -> None:
    from chalice.test import Client

    import app

    token, customer = _customer_with_token(users)
    task = open_task(customer)
    anonymous = person("provider")
    assert anonymous.profile is not None
    anonymous.profile.anonymous = True
    anonymous.profile.save()
    place_bid(anonymous, task.id)
    stranger = person("provider")  # verified, never bid
    path = f"/tasks/{task.id}/threads"

    with Client(app.app, stage_name="local") as client:

        def open_with(provider_id: str) -> tuple[int, str, bytes]:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            response = client.http.request("POST", path, headers=headers, body=json.dumps({"providerId": provider_id}))
            return response.status_code, response.headers["Content-Type"], response.body

        as_bidder = open_with(str(anonymous.profile_id))
        as_stranger = open_with(str(stranger.profile_id))
        alias = moderation.alias_for(str(anonymous.profile_id), task.id)
        by_alias = open_with(alias.id)

    assert as_bidder == as_stranger  # status, content type and body, byte for byte
    assert as_bidder[0] == 422 and as_bidder[1].startswith("application/problem+json")
    assert by_alias[0] == 201 and json.loads(by_alias[2])["members"][1]["id"] == alias.id
    with pytest.raises(BusinessRuleViolated):  # the service too, once the thread exists
        threads.open_task_thread(customer, task.id, str(anonymous.profile_id))
