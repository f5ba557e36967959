"""End-to-end: the real local stack (moto server + seeded data + API server) over HTTP.

Clients here know only docs/api.md: they find Cognito through GET /config, sign up, sign in
and call the API with the ID token.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
import pytest
import requests

from scripts.local_stack import LocalStack, free_port
from scripts.seed import ADMIN, PASSWORD

pytestmark = pytest.mark.e2e
_serial = itertools.count(1)
T = TypeVar("T")


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(free_port(), free_port()).start()
    yield local
    local.stop()


@dataclass
class User:
    api: str
    token: str | None
    email: str = ""

    def call(self, method: str, path: str, body: Any = None, raw: str | None = None, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kw.pop("headers", {}))
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        return requests.request(method, self.api + path, data=data, headers=headers, timeout=30, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("PUT", path, body, **kw)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.call(method, path, body)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()


class World:
    """Signs people up through the Cognito endpoint that GET /config names."""

    def __init__(self, stack: LocalStack) -> None:
        self.api = stack.api_url
        self.config = requests.get(self.api + "/config", timeout=10).json()
        self.cognito = boto3.client(
            "cognito-idp",
            region_name=self.config["region"],
            endpoint_url=self.config["cognitoEndpoint"],
            aws_access_key_id="anonymous",
            aws_secret_access_key="anonymous",
        )

    def sign_in(self, email: str, password: str) -> User:
        result = self.cognito.initiate_auth(
            ClientId=self.config["userPoolClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return User(self.api, result["AuthenticationResult"]["IdToken"], email)

    def sign_up(self, prefix: str = "user") -> User:
        email = f"{prefix}{next(_serial)}@example.com"
        password = "Sup3r-secret!"
        self.cognito.sign_up(ClientId=self.config["userPoolClientId"], Username=email, Password=password)
        self.cognito.confirm_sign_up(
            ClientId=self.config["userPoolClientId"], Username=email, ConfirmationCode="123456"
        )
        return self.sign_in(email, password)

    def anonymous(self) -> User:
        return User(self.api, None)

    def admin(self) -> User:
        return self.sign_in(ADMIN, PASSWORD)

    def upload(self, user: User, purpose: str = "verification", content: bytes = b"%PDF-1.7 test") -> str:
        grant = user.ok(
            "POST",
            "/uploads",
            {"purpose": purpose, "filename": "doc.pdf", "contentType": "application/pdf", "size": len(content)},
            status=201,
        )
        response = requests.post(
            grant["url"], data=grant["fields"], files={"file": ("doc.pdf", content, "application/pdf")}, timeout=30
        )
        assert response.status_code in (200, 201, 204), response.text
        return str(grant["uploadId"])

    def profile(self, role: str, verified: bool = True, **extra: Any) -> User:
        user = self.sign_up(role)
        body = {"role": role, "displayName": f"{role.title()} {user.email.split('@')[0]}", "kind": "individual"}
        if role == "provider":
            body["skills"] = ["python", "aws"]
        body.update(extra)
        user.ok("POST", "/me", body, status=201)
        if verified:
            document = self.upload(user)
            me = user.ok("POST", "/me/verification", {"legalName": "Jane Roe", "documents": [document]})
            self.admin().ok("POST", f"/admin/verifications/{me['id']}/approve", {})
        return user

    def open_task(self, customer: User, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": "Build an ETL pipeline",
            "description": "Nightly loads from S3 into Redshift.",
            "category": "data-engineering",
            "skills": ["python", "aws"],
            "budget": {"amount": 300000, "currency": "EUR"},
            "mode": "bidding",
            "visibility": "public",
            "startDate": "2027-01-04",
            "dueDate": "2027-03-01",
        }
        body.update(extra)
        task = customer.ok("POST", "/tasks", body, status=201)
        customer.ok("POST", f"/tasks/{task['id']}/submit")
        return dict(self.admin().ok("POST", f"/admin/tasks/{task['id']}/approve", {}))


def bid_body(price: int = 250000) -> dict[str, Any]:
    first = price // 2
    return {
        "price": {"amount": price, "currency": "EUR"},
        "proposal": "I have done this five times.",
        "durationDays": 30,
        "milestones": [
            {"title": "Design", "amount": {"amount": first, "currency": "EUR"}, "dueDate": "2027-01-20"},
            {"title": "Build", "amount": {"amount": price - first, "currency": "EUR"}, "dueDate": "2027-02-20"},
        ],
    }


@pytest.fixture(scope="session")
def world(stack: LocalStack) -> World:
    return World(stack)


def eventually(check: Callable[[], T], what: str, timeout: float = 30, pause: float = 0.3) -> T:
    """Poll the API until `check()` answers something truthy, and return it.

    The stack's pump writes inboxes and figures a moment after the request that caused them, so a test
    polls for its own result; when it never comes, this fails saying what it waited for and saw last.
    """
    deadline = time.monotonic() + timeout
    while True:
        seen = check()
        if seen:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}; last saw {seen!r}")
        time.sleep(pause)
