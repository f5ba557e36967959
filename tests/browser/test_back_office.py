"""The back office in Chromium: an admin works every queue; a non-admin sees nothing.

Each test prepares its data through the public API (as the customers and providers would),
then acts only through the page, found by role and name. Screenshots of each section go to
docs/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from scripts.demo import run as run_demo
from scripts.local_stack import LocalStack
from scripts.seed import PASSWORD
from tests.browser.conftest import (
    dialog,
    funded_contract,
    item,
    metrics_totals,
    pending_verification,
    section,
    settled_totals,
    shoot,
    sign_in,
    signed_in_admin,
    submit,
    task_in_review,
    wait_for_api,
)
from tests.e2e.conftest import User, World, bid_body

pytestmark = pytest.mark.browser

SECTIONS = (
    "Verifications",
    "Task reviews",
    "Disputes",
    "Terminations",
    "Hub submissions",
    "QC assignments",
    "Overdue QC reviews",
    "Withdrawals",
    "Hub bids",
    "Flagged messages",
    "Users",
    "Settings",
    "Tickets",
    "Taxonomy",
    "Figures",
)


def expect_gone(page: Any, section_name: str, text: str) -> None:
    item(page, section_name, text).first.wait_for(state="detached")


def status(page: Any, section_name: str) -> str:
    return str(section(page, section_name).get_by_role("status").inner_text())


# --- who may see what -----------------------------------------------------------------------------


def test_a_non_admin_is_told_so_and_sees_no_data(page: Any) -> None:
    calls: list[str] = []
    page.on("request", lambda request: calls.append(f"{request.method} {request.url}"))
    page.goto("/admin/")
    shoot(page, "sign-in")
    sign_in(page, "anna@acme.example", PASSWORD)
    page.get_by_role("alert").filter(has_text="This account is not an admin").wait_for()
    for name in SECTIONS:
        assert section(page, name).count() == 0  # hidden: no landmark, no data
    assert page.get_by_role("button", name="Approve").count() == 0
    data_calls = [c for c in calls if re.search(r"/admin/[\w-]+(\?|$)", c)]  # the API, not the page's files
    assert data_calls == [f"GET {page.url.removesuffix('/')}/settings"]  # the probe that answered 403
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    assert "Bearer" not in page.url and "token" not in page.url.lower()


def test_a_wrong_password_is_explained(page: Any) -> None:
    sign_in(page, "admin@tasklane.local", "not-the-password")
    alert = page.locator("#sign-in-message")
    alert.filter(has_text=re.compile("incorrect|password", re.IGNORECASE)).wait_for()
    assert section(page, "Verifications").count() == 0


def test_every_section_is_a_landmark_and_the_token_stays_in_memory(page: Any, stack: LocalStack) -> None:
    signed_in_admin(page)
    for name in SECTIONS:
        region = section(page, name)
        assert region.count() == 1, name
        assert region.get_by_role("heading", name=name, exact=True).count() == 1
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Figures").wait_for()
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    response = page.request.get(f"{stack.api_url}/admin/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and f"connect-src 'self' {stack.moto_url}" in policy
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").wait_for()
    assert section(page, "Verifications").count() == 0


# --- the queues -----------------------------------------------------------------------------------


def test_approve_a_verification(page: Any, world: World, admin_api: User) -> None:
    user, profile_id = pending_verification(world, "provider", "Vera Verifiable")
    _, raced_id = pending_verification(world, "customer", "Rita Raced")
    signed_in_admin(page)
    pending = item(page, "Verifications", "Vera Verifiable")
    pending.get_by_role("link", name="doc.pdf").wait_for()
    shoot(section(page, "Verifications"), "verifications")

    pending.get_by_role("button", name="Reject").click()
    dialog(page).get_by_role("button", name="Reject").click()
    dialog(page).get_by_role("alert").filter(has_text="Fill in: Reason").wait_for()  # nothing sent yet
    dialog(page).get_by_role("button", name="Cancel").click()

    pending.get_by_role("button", name="Approve").click()
    dialog(page).get_by_label("Note (optional)").fill("Registration matches.")
    dialog(page).get_by_role("button", name="Approve").click()
    section(page, "Verifications").get_by_role("status").filter(has_text="Approved Vera Verifiable").wait_for()
    expect_gone(page, "Verifications", "Vera Verifiable")
    assert user.ok("GET", "/me")["verification"] == "verified"

    # someone else decides first: the API's 409 problem is shown in words and the queue refreshed
    raced = item(page, "Verifications", "Rita Raced")
    raced.get_by_role("button", name="Approve").click()
    admin_api.ok("POST", f"/admin/verifications/{raced_id}/approve", {})
    dialog(page).get_by_role("button", name="Approve").click()
    dialog(page).get_by_role("alert").filter(has_text=re.compile(r"\(409\)")).wait_for()
    dialog(page).get_by_role("button", name="Cancel").click()
    section(page, "Verifications").get_by_role("button", name="Refresh").click()
    expect_gone(page, "Verifications", "Rita Raced")
    assert profile_id != raced_id


def test_request_changes_on_a_task_then_approve_it(page: Any, world: World) -> None:
    customer = world.profile("customer")
    task = task_in_review(world, customer, "Glue migration for the browser test")
    signed_in_admin(page)
    queued = item(page, "Task reviews", "Glue migration for the browser test")
    queued.wait_for()
    shoot(section(page, "Task reviews"), "task-reviews")

    queued.get_by_role("button", name="Request changes").click()
    dialog(page).get_by_label("Note", exact=True).fill("Say which Redshift cluster and how big the loads are.")
    dialog(page).get_by_role("button", name="Request changes").click()
    section(page, "Task reviews").get_by_role("status").filter(has_text="Changes requested").wait_for()
    expect_gone(page, "Task reviews", "Glue migration for the browser test")
    mine = customer.ok("GET", f"/tasks/{task['id']}")
    assert mine["status"] == "changes_requested"
    assert mine["reviewNote"] == "Say which Redshift cluster and how big the loads are."

    customer.ok("PATCH", f"/tasks/{task['id']}", {"description": "Cluster ra3.xlplus, 40 GB a night."})
    customer.ok("POST", f"/tasks/{task['id']}/submit")
    section(page, "Task reviews").get_by_role("button", name="Refresh").click()
    again = item(page, "Task reviews", "Glue migration for the browser test")
    again.get_by_text("Say which Redshift cluster").wait_for()  # the earlier note travels with it
    again.get_by_role("button", name="Approve").click()
    dialog(page).get_by_role("button", name="Approve").click()
    expect_gone(page, "Task reviews", "Glue migration for the browser test")
    assert customer.ok("GET", f"/tasks/{task['id']}")["status"] == "open"


def test_resolve_a_dispute_with_a_split(page: Any, world: World) -> None:
    customer, provider, contract = funded_contract(world, 250000)
    cid = contract["id"]
    second = contract["milestones"][1]
    submit(world, provider, cid, second["id"])
    customer.ok("POST", f"/contracts/{cid}/milestones/{second['id']}/dispute", {"reason": "Half of it is missing."})
    evidence = {"note": "The rest is in the shared folder.", "uploads": [world.upload(provider, "evidence")]}
    provider.ok("POST", f"/contracts/{cid}/milestones/{second['id']}/evidence", evidence)
    signed_in_admin(page)
    disputed = item(page, "Disputes", cid)
    disputed.get_by_text("Half of it is missing.").wait_for()
    disputed.get_by_text("1,250.00 EUR").first.wait_for()
    provider_side = disputed.get_by_role("list", name="Provider's evidence")
    provider_side.get_by_text("The rest is in the shared folder.").wait_for()
    provider_side.get_by_role("button", name="Get a link to doc.pdf").click()
    provider_side.get_by_role("link", name="doc.pdf").wait_for()  # a short-lived link through the evidence route
    shoot(section(page, "Disputes"), "disputes")

    disputed.get_by_role("button", name="Resolve").click()
    split = dialog(page)
    assert split.get_by_label(re.compile("Release to the provider")).input_value() == "1250.00"
    split.get_by_label(re.compile("Release to the provider")).fill("1000.00")
    split.get_by_label(re.compile("Refund to the customer")).fill("200.00")
    split.get_by_role("button", name="Resolve").click()
    split.get_by_role("alert").filter(has_text="must equal the escrowed").wait_for()  # the API's 422, in words
    split.get_by_label(re.compile("Refund to the customer")).fill("250.00")
    split.get_by_label("Note (optional)").fill("Both sides agreed on a 1,000/250 split.")
    split.get_by_role("button", name="Resolve").click()
    section(page, "Disputes").get_by_role("status").filter(has_text="Resolved").wait_for()
    expect_gone(page, "Disputes", cid)

    after = customer.ok("GET", f"/contracts/{cid}")
    resolved = next(m for m in after["milestones"] if m["id"] == second["id"])
    assert resolved["status"] == "resolved"
    assert resolved["resolution"]["release"] == {"amount": 100000, "currency": "EUR"}
    assert resolved["resolution"]["refund"] == {"amount": 25000, "currency": "EUR"}


def test_terminate_a_proposed_termination(page: Any, world: World) -> None:
    customer, provider, contract = funded_contract(world, 250000)
    cid = contract["id"]
    provider.ok("POST", f"/contracts/{cid}/terminate", {"reason": "The customer stopped answering."})
    signed_in_admin(page)
    proposed = item(page, "Terminations", cid)
    proposed.get_by_text("The customer stopped answering.").wait_for()
    proposed.get_by_text("2,500.00 EUR").wait_for()  # the escrow the termination gives back

    proposed.get_by_role("button", name="Terminate").click()
    ending = dialog(page)
    ending.get_by_label("Reason").fill("Both parties confirmed by mail.")
    ending.get_by_role("button", name="Terminate").click()
    section(page, "Terminations").get_by_role("status").filter(has_text="Terminated").wait_for()
    expect_gone(page, "Terminations", cid)

    after = customer.ok("GET", f"/contracts/{cid}")
    assert after["status"] == "terminated" and after["termination"]["terminatedBy"] == "admin"
    assert [m["status"] for m in after["milestones"]] == ["refunded", "refunded"]
    assert after["escrow"]["refunded"] == {"amount": 250000, "currency": "EUR"}


def _make_hub(stack: LocalStack, contract_id: str) -> None:
    """The award copies `hub` from a hub task; posting one is hub mode's pre-award side, so set it on the contract."""
    import boto3

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.moto_url,
        region_name=stack.env["AWS_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    dynamodb.update_item(
        TableName=stack.env.get("TABLE_NAME", "tasklane"),
        Key={"pk": {"S": f"CONTRACT#{contract_id}"}, "sk": {"S": "CONTRACT"}},
        UpdateExpression="SET hub = :yes",
        ExpressionAttributeValues={":yes": {"BOOL": True}},
    )


def test_return_then_forward_a_hub_submission(page: Any, world: World, stack: LocalStack) -> None:
    customer, provider, contract = funded_contract(world, 100000)
    cid, first = contract["id"], contract["milestones"][0]["id"]
    _make_hub(stack, cid)
    submit(world, provider, cid, first)
    signed_in_admin(page)
    held = item(page, "Hub submissions", cid)
    held.get_by_role("button", name="Return").click()
    returning = dialog(page)
    returning.get_by_label("Reason").fill("The drawings are missing.")
    returning.get_by_role("button", name="Return").click()
    section(page, "Hub submissions").get_by_role("status").filter(has_text="Returned").wait_for()
    expect_gone(page, "Hub submissions", cid)
    back = provider.ok("GET", f"/contracts/{cid}")["milestones"][0]
    assert back["status"] == "revision_requested" and back["revisions"][-1]["by"] == "hub"
    seen = customer.ok("GET", f"/contracts/{cid}")["milestones"][0]  # the company never saw the returned draft
    assert seen["status"] == "revision_requested" and seen["submissions"] == [] and seen["revisions"] == []

    submit(world, provider, cid, first)
    section(page, "Hub submissions").get_by_role("button", name="Refresh").click()
    item(page, "Hub submissions", cid).get_by_role("button", name="Forward").click()
    dialog(page).get_by_role("button", name="Forward").click()
    section(page, "Hub submissions").get_by_role("status").filter(has_text="Forwarded").wait_for()
    expect_gone(page, "Hub submissions", cid)
    forwarded = customer.ok("GET", f"/contracts/{cid}")["milestones"][0]
    assert forwarded["status"] == "under_review" and forwarded["reviewDeadline"]  # the window starts now
    assert len(forwarded["submissions"]) == 1 and forwarded["submissions"][0]["forwardedAt"]  # the forwarded one


def test_assign_a_reviewer_from_the_ranked_list(page: Any, world: World) -> None:
    customer, provider = world.profile("customer"), world.profile("provider")
    task = world.open_task(customer, qualityReview=True)
    bid = provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(), status=201)
    cid = customer.ok("POST", f"/bids/{bid['id']}/award", status=201)["id"]
    reviewer = world.profile("provider")
    signed_in_admin(page)
    wanted = item(page, "QC assignments", cid)
    wanted.get_by_label("Reviewer name or email").fill(reviewer.email)
    wanted.get_by_role("button", name="Find reviewers").click()
    wanted.get_by_role("button", name="Assign").click()
    dialog(page).get_by_role("button", name="Assign").click()
    section(page, "QC assignments").get_by_role("status").filter(has_text="Assigned").wait_for()
    expect_gone(page, "QC assignments", cid)
    mine = [c for c in reviewer.ok("GET", "/me/contracts")["items"] if c["id"] == cid]
    assert [c["myRole"] for c in mine] == ["reviewer"]
    assert customer.ok("GET", f"/contracts/{cid}")["reviewerId"] == reviewer.ok("GET", "/me")["id"]


def test_approve_a_withdrawal(page: Any, world: World) -> None:
    customer, provider, contract = funded_contract(world, 100000)
    cid = contract["id"]
    first = contract["milestones"][0]
    submit(world, provider, cid, first["id"])
    customer.ok("POST", f"/contracts/{cid}/milestones/{first['id']}/accept")  # 500.00 less 10 %: 450.00
    onboarding = provider.post("/me/payouts/onboarding")
    assert onboarding.status_code in (200, 201) and onboarding.json()["payoutsEnabled"], onboarding.text
    requested = provider.ok("POST", "/me/withdrawals", {"amount": {"amount": 40000, "currency": "EUR"}}, status=201)
    signed_in_admin(page)
    queued = item(page, "Withdrawals", "400.00 EUR")
    queued.filter(has_text=provider.email).wait_for()
    queued.get_by_text("release").first.wait_for()  # the incoming payment it is checked against
    shoot(section(page, "Withdrawals"), "withdrawals")

    queued.filter(has_text=provider.email).get_by_role("button", name="Approve").click()
    dialog(page).get_by_role("button", name="Approve").click()
    section(page, "Withdrawals").get_by_role("status").filter(has_text="Approved the withdrawal").wait_for()
    wanted = {"approved", "paid"}
    mine = wait_for_api(
        lambda: (
            next((w for w in provider.ok("GET", "/me/withdrawals")["items"] if w["id"] == requested["id"]), {}).get(
                "status"
            )
            in wanted
        ),
        "the withdrawal to leave the queue (approved or paid)",
    )
    assert mine
    item(page, "Withdrawals", provider.email).first.wait_for(state="detached")


def test_forward_one_hub_bid_and_decline_another(page: Any, world: World) -> None:
    customer = world.profile("customer")
    task = world.open_task(customer, title="Gripper bracket through the hub", hub=True)
    forwarded_by, declined_by = world.profile("provider"), world.profile("provider")
    kept = forwarded_by.ok("POST", f"/tasks/{task['id']}/bids", bid_body(210000), status=201)
    dropped = declined_by.ok("POST", f"/tasks/{task['id']}/bids", bid_body(990000), status=201)
    assert customer.ok("GET", f"/tasks/{task['id']}/bids")["items"] == []  # nothing reached the company yet
    signed_in_admin(page)
    waiting = item(page, "Hub bids", "Gripper bracket through the hub")
    waiting.filter(has_text="2,100.00 EUR").wait_for()
    shoot(section(page, "Hub bids"), "hub-bids")

    waiting.filter(has_text="9,900.00 EUR").get_by_role("button", name="Decline").click()
    dialog(page).get_by_label("Reason").fill("Far above the budget.")
    dialog(page).get_by_role("button", name="Decline").click()
    section(page, "Hub bids").get_by_role("status").filter(has_text="Declined").wait_for()
    waiting.filter(has_text="9,900.00 EUR").wait_for(state="detached")

    waiting.filter(has_text="2,100.00 EUR").get_by_role("button", name="Forward").click()
    dialog(page).get_by_role("button", name="Forward").click()
    section(page, "Hub bids").get_by_role("status").filter(has_text="Forwarded").wait_for()
    expect_gone(page, "Hub bids", "Gripper bracket through the hub")

    seen = customer.ok("GET", f"/tasks/{task['id']}/bids")["items"]
    assert [(b["id"], b["status"]) for b in seen] == [(kept["id"], "forwarded")]
    assert seen[0]["providerId"].startswith("anon-")  # the expert under the task's alias
    assert declined_by.ok("GET", f"/bids/{dropped['id']}")["declineReason"] == "Far above the budget."


def test_dismiss_a_flagged_message(page: Any, world: World, admin_api: User) -> None:
    customer = world.profile("customer")
    provider = world.profile("provider")
    task = world.open_task(customer)
    thread = provider.ok("POST", f"/tasks/{task['id']}/threads", {}, status=201)
    sent = provider.ok(
        "POST", f"/threads/{thread['id']}/messages", {"text": "mail me at anna [at] proton [dot] me"}, status=201
    )
    assert sent["flagged"] is True
    signed_in_admin(page)
    flagged = item(page, "Flagged messages", "anna [at] proton [dot] me")
    flagged.wait_for()
    shoot(section(page, "Flagged messages"), "flagged-messages")
    flagged.get_by_role("button", name="Dismiss").click()
    dialog(page).get_by_label("Note (optional)").fill("A public support address.")
    dialog(page).get_by_role("button", name="Dismiss").click()
    section(page, "Flagged messages").get_by_role("status").filter(has_text="Dismissed").wait_for()
    expect_gone(page, "Flagged messages", "anna [at] proton [dot] me")
    queue = admin_api.ok("GET", "/admin/messages?status=dismissed&limit=100")["items"]
    assert sent["id"] in [m["id"] for m in queue]


def test_find_a_user_and_set_commission(page: Any, admin_api: User) -> None:
    before = admin_api.ok("GET", "/admin/settings")["commission"]
    signed_in_admin(page)
    users = section(page, "Users")
    users.get_by_label("Search users").fill("carl")
    users.get_by_role("button", name="Search").click()
    carla = item(page, "Users", "Carla Schmidt")
    carla.get_by_text("carla@dev.example").wait_for()
    carla.get_by_role("button", name="Suspend").wait_for()
    users.get_by_label("Search users").fill("SCHMI")  # a later word of the name, any case
    users.get_by_role("button", name="Search").click()
    users.get_by_role("status").filter(has_text='found for "SCHMI"').wait_for()
    assert item(page, "Users", "Carla Schmidt").count() == 1
    shoot(users, "users")
    users.get_by_label("Search users").fill("c")
    users.get_by_role("button", name="Search").click()
    users.get_by_role("alert").filter(has_text="at least 2 characters").wait_for()

    settings = section(page, "Settings")
    assert settings.get_by_label("Default commission (basis points)").input_value() == str(before["defaultBps"])
    settings.get_by_role("button", name="Add category").click()
    settings.get_by_role("textbox", name="Category").last.fill("cad-browser")
    settings.get_by_role("spinbutton", name=re.compile("Basis points for")).last.fill("1250")
    settings.get_by_role("button", name="Save commission").click()
    dialog(page).get_by_text("cad-browser 12.50 %").wait_for()
    dialog(page).get_by_role("button", name="Save commission").click()
    settings.get_by_role("status").filter(has_text="Saved").wait_for()
    shoot(settings, "settings")
    assert admin_api.ok("GET", "/admin/settings")["commission"]["overrides"]["cad-browser"] == 1250

    settings.get_by_role("spinbutton", name="Default commission (basis points)").fill("99999")
    settings.get_by_role("button", name="Save commission").click()
    dialog(page).get_by_role("button", name="Save commission").click()
    dialog(page).get_by_role("alert").filter(has_text=re.compile(r"\(400\).*defaultBps")).wait_for()
    dialog(page).get_by_role("button", name="Cancel").click()
    current = admin_api.ok("GET", "/admin/settings")["commission"]["version"]
    admin_api.ok("PUT", "/admin/settings/commission", before | {"version": current})


def test_resolve_a_ticket_adding_the_skill_it_asks_for(page: Any, world: World) -> None:
    customer = world.profile("customer")
    text = f"Please add Moldflow simulation ({customer.email})"
    ticket = customer.ok("POST", "/tickets", {"kind": "new_skill", "text": text}, status=201)
    slug = f"moldflow-{ticket['id'].lower()}"
    signed_in_admin(page)
    queued = item(page, "Tickets", customer.email)
    queued.get_by_text(text, exact=True).wait_for()  # the full text; the heading starts with it
    shoot(section(page, "Tickets"), "tickets")

    queued.get_by_role("button", name="Resolve").click()
    dialog(page).get_by_role("button", name="Resolve").click()
    dialog(page).get_by_role("alert").filter(has_text="Fill in: Note").wait_for()  # nothing sent yet
    dialog(page).get_by_label("Note").fill("Added to the skills, thanks.")
    dialog(page).get_by_label("Add to the skills: slug (optional)").fill(slug)
    dialog(page).get_by_label("Name to show (optional)").fill("Moldflow simulation")
    dialog(page).get_by_role("button", name="Resolve").click()
    section(page, "Tickets").get_by_role("status").filter(has_text=f"added {slug} to the skills").wait_for()
    expect_gone(page, "Tickets", customer.email)
    section(page, "Taxonomy").get_by_role("listitem").filter(has_text="Moldflow simulation").wait_for()

    (mine,) = customer.ok("GET", "/me/tickets")["items"]
    assert (mine["status"], mine["note"]) == ("resolved", "Added to the skills, thanks.")
    assert {"slug": slug, "name": "Moldflow simulation"} in world.anonymous().ok("GET", "/taxonomy")["skills"]


def test_edit_the_taxonomy_as_json(page: Any, admin_api: User) -> None:
    before = admin_api.ok("GET", "/taxonomy")
    signed_in_admin(page)
    taxonomy = section(page, "Taxonomy")
    taxonomy.get_by_role("cell", name="Data engineering", exact=True).wait_for()
    editor = taxonomy.get_by_label("The whole taxonomy as JSON (categories, skills, languages)")
    document = json.loads(editor.input_value())
    assert document == {k: before[k] for k in ("categories", "skills", "languages")}
    shoot(taxonomy, "taxonomy")

    document["categories"].append({"slug": "browser-training", "name": "Browser training", "kind": "training"})
    editor.fill(json.dumps(document))
    taxonomy.get_by_role("button", name="Save taxonomy").click()
    dialog(page).get_by_text(f"{len(document['categories'])} categories").wait_for()
    dialog(page).get_by_role("button", name="Save taxonomy").click()
    taxonomy.get_by_role("status").filter(has_text=f"Saved: version {before['version'] + 1}").wait_for()
    taxonomy.get_by_role("cell", name="Browser training", exact=True).wait_for()
    stored = admin_api.ok("GET", "/taxonomy")
    assert {"slug": "browser-training", "name": "Browser training", "kind": "training"} in stored["categories"]

    document["skills"].append(document["skills"][0])  # a slug listed twice: the API names it
    editor.fill(json.dumps(document))
    taxonomy.get_by_role("button", name="Save taxonomy").click()
    dialog(page).get_by_role("button", name="Save taxonomy").click()
    dialog(page).get_by_role("alert").filter(has_text=re.compile(r"\(400\).*listed twice")).wait_for()
    dialog(page).get_by_role("button", name="Cancel").click()
    editor.fill("{not json")
    taxonomy.get_by_role("button", name="Save taxonomy").click()
    taxonomy.get_by_role("alert").filter(has_text="not valid JSON").wait_for()
    assert admin_api.ok("GET", "/taxonomy")["version"] == stored["version"]  # refusals saved nothing


# --- the figures ------------------------------------------------------------------------------------


def _total(page: Any, key: str) -> str:
    return str(page.get_by_test_id(f"total-{key}").inner_text())


def test_the_figures_move_with_the_demo(page: Any, stack: LocalStack, admin_api: User) -> None:
    before = settled_totals(admin_api)
    run_demo(stack.api_url, out=lambda *a, **k: None)  # `make demo`: two deals (see scripts/demo.py)
    wait_for_api(
        lambda: metrics_totals(admin_api)["disputesResolved"] >= before["disputesResolved"] + 2,
        "the demo's two dispute resolutions in the figures",
        timeout=60,
    )
    after = settled_totals(admin_api)

    def moved(key: str) -> int:
        old, new = before[key], after[key]
        return int(new["amount"] - old["amount"]) if isinstance(new, dict) else int(new - old)

    # the escrow deal: 1,000.00 + 1,500.00 funded; 1,000.00 released and 1,000.00 released by the split.
    # The deal that changes and ends: 600.00 + 300.00 + 200.00 funded; the 200.00 milestone released, the
    # 300.00 refunded by a non-delivery dispute, the 600.00 by the termination; a 50.00 bonus.
    assert moved("gmv") == 250000 + 110000
    assert moved("revenue") == 20000 + 2000 + 500  # 10 % of each release, and of the bonus
    assert moved("released") == 200000 + 20000
    assert moved("disputesOpened") == 2
    assert moved("contractsAwarded") == 2
    assert moved("tasksPosted") == 2
    assert moved("newUsers") == 2

    signed_in_admin(page)
    figures = section(page, "Figures")
    figures.get_by_role("button", name="Show figures").click()
    money = after["gmv"]["amount"]
    page.get_by_test_id("total-gmv").filter(has_text=f"{money // 100:,}.{money % 100:02d} EUR").wait_for()
    revenue = after["revenue"]["amount"]
    assert _total(page, "revenue") == f"{revenue // 100:,}.{revenue % 100:02d} EUR"
    assert _total(page, "disputesOpened") == str(after["disputesOpened"])
    assert _total(page, "newUsers") == str(after["newUsers"])
    assert figures.locator("canvas").count() >= 2  # both uPlot charts drew
    figures.get_by_role("img", name=re.compile("Money per day")).wait_for()
    shoot(figures, "figures")
    figures.get_by_text("Daily figures as a table").click()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert figures.get_by_role("row", name=re.compile(today)).count() == 1
