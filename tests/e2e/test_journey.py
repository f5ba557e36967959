"""The acceptance journey of the foundation issue, as a client that knows only docs/api.md."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import User, World, bid_body


def everything(user: User, path: str) -> list[dict[str, Any]]:
    """Every page of a queue (oldest first: other tests' items may come before ours)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = user.ok("GET", f"{path}&limit=100" + (f"&cursor={cursor}" if cursor else ""))
        items += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return items


def test_from_sign_up_to_shortlisting_a_bid(world: World) -> None:
    customer = world.sign_up("customer")
    me = customer.ok("POST", "/me", {"role": "customer", "displayName": "Acme Labs", "kind": "company"}, status=201)
    assert me["verification"] == "unverified"
    assert customer.ok("GET", "/me")["id"] == me["id"]

    document = world.upload(customer)
    pending = customer.ok("POST", "/me/verification", {"legalName": "Acme Labs GmbH", "documents": [document]})
    assert pending["verification"] == "pending"

    admin = world.admin()
    queue = everything(admin, "/admin/verifications?status=pending")
    mine = next(item for item in queue if item["id"] == me["id"])
    assert mine["documents"][0]["url"].startswith("http")
    assert admin.ok("POST", f"/admin/verifications/{me['id']}/approve", {})["verification"] == "verified"
    assert customer.ok("GET", "/me")["verification"] == "verified"

    provider = world.profile("provider")
    provider_id = provider.ok("GET", "/me")["id"]
    card = world.anonymous().ok("GET", f"/providers/{provider_id}")
    assert card["rating"] is None and card["reviewCount"] == 0

    draft = customer.ok(
        "POST",
        "/tasks",
        {
            "title": "Port our reports to dbt",
            "description": "Forty SQL reports, Postgres.",
            "category": "data-engineering",
            "skills": ["python", "sql"],
            "budget": {"amount": 500000, "currency": "EUR"},
            "mode": "bidding",
            "visibility": "public",
            "startDate": "2027-01-04",
            "dueDate": "2027-02-28",
        },
        status=201,
    )
    assert draft["status"] == "draft"
    edited = customer.ok("PATCH", f"/tasks/{draft['id']}", {"title": "Port our reports to dbt Core"})
    assert edited["title"] == "Port our reports to dbt Core"
    assert customer.ok("POST", f"/tasks/{draft['id']}/submit")["status"] == "in_review"

    in_review = everything(admin, "/admin/tasks?status=in_review")
    assert draft["id"] in [t["id"] for t in in_review]
    changes = admin.ok("POST", f"/admin/tasks/{draft['id']}/request-changes", {"note": "Say which warehouse."})
    assert changes["status"] == "changes_requested" and changes["reviewNote"] == "Say which warehouse."
    customer.ok("PATCH", f"/tasks/{draft['id']}", {"description": "Forty SQL reports, Postgres 15 warehouse."})
    customer.ok("POST", f"/tasks/{draft['id']}/submit")
    assert admin.ok("POST", f"/admin/tasks/{draft['id']}/approve", {})["status"] == "open"

    browse = world.anonymous().ok("GET", "/tasks?skill=sql")
    assert draft["id"] in [t["id"] for t in browse["items"]]
    assert world.anonymous().ok("GET", f"/tasks/{draft['id']}")["status"] == "open"

    bid = provider.ok("POST", f"/tasks/{draft['id']}/bids", bid_body(450000), status=201)
    assert bid["status"] == "submitted"
    workbench = customer.ok("GET", f"/tasks/{draft['id']}/bids?order=match")["items"]
    assert [b["id"] for b in workbench] == [bid["id"]]
    assert workbench[0]["provider"]["id"] == provider_id
    assert isinstance(workbench[0]["matchScore"], int)

    shortlisted = customer.ok("POST", f"/bids/{bid['id']}/shortlist")
    assert shortlisted["status"] == "shortlisted"
    remarked = customer.ok("PUT", f"/bids/{bid['id']}/remark", {"text": "Strong on dbt."})
    assert remarked["remark"] == "Strong on dbt." and remarked["status"] == "shortlisted"
    assert provider.ok("GET", f"/bids/{bid['id']}").get("remark") is None


def test_demo_data_is_there(world: World) -> None:
    tasks = world.anonymous().ok("GET", "/tasks")["items"]
    assert len(tasks) >= 4
    config = world.anonymous().ok("GET", "/config")
    assert set(config) == {"region", "userPoolId", "userPoolClientId", "cognitoEndpoint"}
    assert config["cognitoEndpoint"].startswith("http://127.0.0.1:")
