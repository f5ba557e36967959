"""Bad input: a clear problem+json with field errors, never a 500, and nothing written."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from scripts.local_stack import ROOT, LocalStack, _wait, free_port
from tests.e2e.conftest import User, World, bid_body
from tests.stripe_fake import TEST_SECRET, FakeStripe, signed


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


# --- input that used to be a 500 (issue 12) ----------------------------------------------------------------


def is_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem) and problem["status"] == status
    return problem


@pytest.mark.parametrize("raw", [b"\xff\xfe{", b'{"title": "caf\xe9"}', b"\xc3"])
def test_a_body_that_is_not_utf8_is_a_400(customer: User, raw: bytes) -> None:
    before = len(customer.ok("GET", "/me/tasks?limit=100")["items"])
    headers = {"Authorization": f"Bearer {customer.token}", "Content-Type": "application/json"}
    problem = is_problem(requests.post(customer.api + "/tasks", data=raw, headers=headers, timeout=30), 400)
    assert "UTF-8" in problem["detail"]
    assert len(customer.ok("GET", "/me/tasks?limit=100")["items"]) == before
    task = customer.ok("POST", "/tasks", _task(), status=201)
    no_body = requests.post(customer.api + f"/tasks/{task['id']}/submit", data=raw, headers=headers, timeout=30)
    is_problem(no_body, 400)  # an action that takes no body: the same 400, and the task stays a draft
    assert customer.ok("GET", f"/tasks/{task['id']}")["status"] == "draft"


@pytest.mark.parametrize("limit", ["²", "\u0661\u0660", "\uff15", "1e2", "+5", "007x"])
def test_a_limit_in_other_digits_is_a_400(customer: User, world: World, limit: str) -> None:
    for user, path in ((world.anonymous(), "/tasks"), (customer, "/me/tasks"), (customer, "/me/notifications")):
        problem = is_problem(user.get(path, params={"limit": limit}), 400)
        assert problem["errors"] == [{"field": "limit", "message": "1..100"}]


def test_an_oversized_query_value_is_a_400_not_a_key_dynamodb_refuses(world: World) -> None:
    problem = is_problem(world.anonymous().get("/tasks", params={"category": "c" * 3000}), 400)
    assert problem["errors"][0]["field"] == "category"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_unsupported_methods_are_405_problems(customer: User, method: str) -> None:
    for path in ("/tasks", "/me", "/nowhere"):
        problem = is_problem(customer.call(method, path), 405)
        assert method in problem["detail"]


def test_a_known_path_with_another_method_is_405_and_an_unknown_path_403(customer: User, world: World) -> None:
    is_problem(customer.call("DELETE", "/tasks"), 405)
    for user in (customer, world.anonymous()):
        problem = is_problem(user.get("/no/such/route"), 403)
        assert problem["detail"] == "Missing Authentication Token"  # what API Gateway answers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/tasks/{id}"),
        ("GET", "/contracts/{id}"),
        ("POST", "/bids/{id}/award"),
        ("GET", "/payments/{id}"),
        ("POST", "/contracts/{id}/milestones/{id}/accept"),
        ("GET", "/providers/{id}"),
    ],
)
def test_ids_longer_than_a_key_are_404_before_any_call(customer: User, world: World, method: str, path: str) -> None:
    for user in (customer, world.anonymous()):
        for bad in ("x" * 3000, "%00", "a%20b", "caf%C3%A9"):
            is_problem(user.call(method, path.replace("{id}", bad), headers={"Idempotency-Key": "k"}), 404)


# --- a signed but malformed Stripe webhook -----------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook_api(stack: LocalStack) -> Iterator[str]:
    """A second API server on the same stack, with a webhook secret (the local stack runs without Stripe)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "scripts/serve_api.py", "--port", str(port)],
        env=stack.env | {"STRIPE_WEBHOOK_SECRET": TEST_SECRET},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/health", process, "the webhook API server")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def deliver(api: str, body: bytes, header: str) -> requests.Response:
    headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
    return requests.post(api + "/webhooks/stripe", data=body, headers=headers, timeout=30)


def sign_raw(body: bytes) -> str:
    t = int(time.time())
    return f"t={t},v1={hmac.new(TEST_SECRET.encode(), f'{t}.'.encode() + body, hashlib.sha256).hexdigest()}"


def _event(event_id: str, **changes: Any) -> dict[str, Any]:
    event = FakeStripe().event("customer.created", {"id": "cus_1", "object": "customer"})
    event["id"] = event_id
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = event
        for name in parents:
            node = node[name]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return event


MALFORMED = {
    "no id": {"id": ...},
    "no type": {"type": ...},
    "type not text": {"type": ["payment_intent.succeeded"]},
    "no data.object": {"data__object": ...},
    "data.object not an object": {"data__object": "cus_1"},
    "created not a time": {"created": "yesterday"},
    "object id too long for a key": {"data__object__id": "x" * 3000},
    "metadata id too long": {"data__object__metadata": {"withdrawalId": "w" * 3000}},
    "metadata not an object": {"data__object__metadata": "profileId"},
    "reversals not a list": {"data__object__reversals": {"data": "tr_1"}},
}


@pytest.mark.parametrize("change", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_signed_but_malformed_event_is_a_400_and_records_nothing(webhook_api: str, change: dict[str, Any]) -> None:
    event_id = f"evt_bad_{time.monotonic_ns()}"
    malformed = _event(event_id, **change)
    is_problem(deliver(webhook_api, *signed(malformed)), 400)
    well_formed = _event(event_id)  # the same id, now well formed: applied, so the refusal recorded nothing
    assert deliver(webhook_api, *signed(well_formed)).json()["outcome"] == "ignored: not a type we handle"
    assert deliver(webhook_api, *signed(well_formed)).json()["outcome"] == "duplicate"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'"evt"', b"\xff\xfe", json.dumps({"object": "event"}).encode()])
def test_a_signed_body_that_is_no_event_at_all_is_a_400(webhook_api: str, body: bytes) -> None:
    is_problem(deliver(webhook_api, body, sign_raw(body)), 400)
