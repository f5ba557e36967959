"""Bad input: a clear problem+json with field errors, never a 500, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import User, World, bid_body


@pytest.fixture(scope="module")
def customer(world: World) -> User:
    return world.profile("customer")


def _task(**override: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Valid title",
        "description": "Valid description",
        "category": "data-engineering",
        "skills": ["python"],
        "budget": {"amount": 10000, "currency": "EUR"},
    }
    body.update(override)
    return body


BAD_TASKS = [
    ("budget.amount", _task(budget={"amount": 100.5, "currency": "EUR"})),
    ("budget.amount", _task(budget={"amount": 100.0, "currency": "EUR"})),
    ("budget.amount", _task(budget={"amount": -5, "currency": "EUR"})),
    ("budget.amount", _task(budget={"amount": 10**15, "currency": "EUR"})),
    ("budget.amount", _task(budget={"amount": "100", "currency": "EUR"})),
    ("budget.currency", _task(budget={"amount": 100, "currency": "XYZ"})),
    ("title", _task(title="x" * 141)),
    ("title", _task(title="   ")),
    ("unexpected", _task(unexpected=True)),
    ("category", _task(category="Not A Slug!")),
    ("skills", _task(skills=[])),
    ("dueDate", _task(dueDate="2027-02-30")),
    ("mode", _task(mode="auction")),
]


@pytest.mark.parametrize(("field", "body"), BAD_TASKS, ids=[f for f, _ in BAD_TASKS])
def test_bad_task_bodies_are_400_with_field_errors(customer: User, field: str, body: dict[str, Any]) -> None:
    before = len(customer.ok("GET", "/me/tasks?limit=100")["items"])
    response = customer.post("/tasks", body)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert any(error["field"].startswith(field) for error in problem["errors"]), problem
    assert len(customer.ok("GET", "/me/tasks?limit=100")["items"]) == before


@pytest.mark.parametrize("raw", ["{", "not json", "[]", '{"title": }', "null"])
def test_malformed_json_is_400(customer: User, raw: str) -> None:
    response = customer.call("POST", "/tasks", raw=raw)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == 400


def test_due_before_start_is_400(customer: User) -> None:
    response = customer.post("/tasks", _task(startDate="2027-03-01", dueDate="2027-02-01"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "dueDate"


def test_wrong_content_type_is_415_problem(customer: User) -> None:
    response = customer.call(
        "POST", "/tasks", raw="title=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_actions_take_no_body(customer: User) -> None:
    task = customer.ok("POST", "/tasks", _task(), status=201)
    response = customer.post(f"/tasks/{task['id']}/submit", {"status": "open"})
    assert response.status_code == 400
    assert customer.ok("GET", f"/tasks/{task['id']}")["status"] == "draft"


def test_bad_limits_and_cursors(customer: User, world: World) -> None:
    anonymous = world.anonymous()
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=eyJhIjoxfQ"):
        response = anonymous.get(f"/tasks?{query}")
        assert response.status_code == 400, (query, response.text)
        assert response.json()["errors"]


def test_bid_milestones_must_add_up_to_the_price(world: World, customer: User) -> None:
    provider = world.profile("provider")
    task = world.open_task(customer)
    body = bid_body(100000)
    body["milestones"][1]["amount"]["amount"] += 1
    response = provider.post(f"/tasks/{task['id']}/bids", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "milestones"
    body = bid_body(100000)
    body["price"]["currency"] = body["milestones"][0]["amount"]["currency"] = "USD"
    body["milestones"][1]["amount"]["currency"] = "USD"
    assert provider.post(f"/tasks/{task['id']}/bids", body).status_code == 422  # the task is in EUR
    assert provider.ok("GET", f"/tasks/{task['id']}/bids")["items"] == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"purpose": "verification", "filename": "a.exe", "contentType": "application/x-msdownload", "size": 10}, 415),
        ({"purpose": "verification", "filename": "a.pdf", "contentType": "application/pdf", "size": 11 * 1024**2}, 413),
        ({"purpose": "selfie", "filename": "a.pdf", "contentType": "application/pdf", "size": 10}, 400),
        ({"purpose": "verification", "filename": "a.pdf", "contentType": "application/pdf", "size": 0}, 400),
    ],
)
def test_upload_limits(customer: User, body: dict[str, Any], status: int) -> None:
    response = customer.post("/uploads", body)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_the_presigned_policy_is_scoped_and_short(customer: User) -> None:
    grant = customer.ok(
        "POST",
        "/uploads",
        {"purpose": "verification", "filename": "../../id card.pdf", "contentType": "application/pdf", "size": 2000},
        status=201,
    )
    sub_free_key = grant["fields"]["key"]
    assert sub_free_key.startswith("uploads/") and sub_free_key.endswith("/id_card.pdf")
    assert ".." not in sub_free_key
    import base64
    import json

    policy = json.loads(base64.b64decode(grant["fields"]["policy"]))
    assert ["content-length-range", 1, 2000] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]


def test_verification_refuses_files_never_uploaded(customer: User, world: World) -> None:
    applicant = world.profile("provider", verified=False)
    grant = applicant.ok(
        "POST",
        "/uploads",
        {"purpose": "verification", "filename": "a.pdf", "contentType": "application/pdf", "size": 10},
        status=201,
    )
    response = applicant.post("/me/verification", {"legalName": "X Y", "documents": [grant["uploadId"]]})
    assert response.status_code == 422
    assert applicant.ok("GET", "/me")["verification"] == "unverified"


def test_openapi_is_published(world: World) -> None:
    spec = world.anonymous().ok("GET", "/openapi.json")
    assert spec["openapi"].startswith("3.")
    for path in ("/me", "/tasks", "/tasks/{taskId}/bids", "/bids/{bidId}/shortlist", "/uploads"):
        assert path in spec["paths"], path
    assert spec["x-upload-limits"]["verification"]["maxBytes"] == 10 * 1024**2
