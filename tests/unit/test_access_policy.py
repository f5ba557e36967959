"""The access policy: who each declaration admits, how the edge applies it, and that every route has one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from chalice.app import Blueprint, Chalice
from chalice.test import Client

import app  # noqa: F401  (registers every route)
from chalicelib.domain.errors import Forbidden, Throttled, Unauthorized
from chalicelib.handlers import policy as may
from chalicelib.handlers.http import ROUTES, Call, endpoint, from_error
from chalicelib.handlers.policy import Policy, Who
from chalicelib.schemas.common import Reason

# Writes that deliberately stay open to a suspended account: creating the profile (suspension lives on
# the profile, so there is none yet) and Stripe's webhook (no account at all).
WRITE_EXCEPTIONS = {("POST", "/me"), ("POST", "/webhooks/stripe")}


@dataclass
class Profile:
    role: str
    verification: str = "verified"
    suspended: bool = False


@dataclass
class Caller:
    is_admin: bool = False
    profile: Profile | None = None
    sub: str = "sub-1"


CALLERS = {
    "anonymous": None,
    "no profile": Caller(),
    "customer": Caller(profile=Profile("customer")),
    "unverified customer": Caller(profile=Profile("customer", "pending")),
    "provider": Caller(profile=Profile("provider")),
    "unverified provider": Caller(profile=Profile("provider", "unverified")),
    "suspended provider": Caller(profile=Profile("provider", suspended=True)),
    "admin": Caller(is_admin=True),
}

REFUSED_BUT_ADMIN: dict[str, int | None] = dict.fromkeys(CALLERS, 403)

# Who by caller → None (admitted) or the refusal's status; writes are checked with writable=True.
EXPECTED: dict[Who, dict[str, int | None]] = {
    Who.ANONYMOUS: dict.fromkeys(CALLERS),
    Who.OPTIONAL: dict.fromkeys(CALLERS),
    Who.SIGNED_IN: dict.fromkeys(CALLERS) | {"anonymous": 401, "suspended provider": 403},
    Who.PROFILE: dict.fromkeys(CALLERS)
    | {"anonymous": 401, "no profile": 403, "suspended provider": 403, "admin": 403},
    Who.CUSTOMER: {
        "anonymous": 401,
        "no profile": 403,
        "customer": None,
        "unverified customer": None,
        "provider": 403,
        "unverified provider": 403,
        "suspended provider": 403,
        "admin": 403,
    },
    Who.VERIFIED_CUSTOMER: {
        "anonymous": 401,
        "no profile": 403,
        "customer": None,
        "unverified customer": 403,
        "provider": 403,
        "unverified provider": 403,
        "suspended provider": 403,
        "admin": 403,
    },
    Who.PROVIDER: {
        "anonymous": 401,
        "no profile": 403,
        "customer": 403,
        "unverified customer": 403,
        "provider": None,
        "unverified provider": None,
        "suspended provider": 403,
        "admin": 403,
    },
    Who.VERIFIED_PROVIDER: {
        "anonymous": 401,
        "no profile": 403,
        "customer": 403,
        "unverified customer": 403,
        "provider": None,
        "unverified provider": 403,
        "suspended provider": 403,
        "admin": 403,
    },
    Who.ADMIN: REFUSED_BUT_ADMIN | {"anonymous": 401, "admin": None},
}


def status(policy: Policy, caller: Caller | None) -> int | None:
    error = policy.refusal(caller)
    return None if error is None else error.status


@pytest.mark.parametrize("who", list(Who), ids=str)
def test_each_who_admits_exactly_its_callers_on_a_write(who: Who) -> None:
    policy = Policy(who).for_method("POST")
    assert {name: status(policy, caller) for name, caller in CALLERS.items()} == EXPECTED[who]


def test_a_suspended_account_still_reads() -> None:
    suspended = CALLERS["suspended provider"]
    for who in (Who.SIGNED_IN, Who.PROFILE, Who.PROVIDER, Who.VERIFIED_PROVIDER):
        assert status(Policy(who).for_method("GET"), suspended) is None, who
        assert status(Policy(who).for_method("DELETE"), suspended) == 403, who


def test_a_declared_write_exception_admits_a_suspended_account() -> None:
    assert status(Policy(Who.PROFILE, writable=False).for_method("POST"), CALLERS["suspended provider"]) is None


def test_admins_pass_where_the_policy_lets_them_and_nowhere_else() -> None:
    admin = CALLERS["admin"]
    assert status(may.PROFILE_OR_ADMIN.for_method("GET"), admin) is None
    assert status(may.PROFILE.for_method("GET"), admin) == 403
    assert status(may.CUSTOMER.for_method("POST"), admin) == 403


def test_refusals_are_the_errors_that_render_401_and_403() -> None:
    assert isinstance(may.PROFILE.refusal(None), Unauthorized)
    assert isinstance(may.ADMIN.refusal(CALLERS["customer"]), Forbidden)
    with pytest.raises(Forbidden, match="suspended"):
        may.PROFILE.for_method("PUT").check(CALLERS["suspended provider"])


def test_writable_follows_the_method_and_public_routes_never_are() -> None:
    assert may.PROFILE.for_method("GET").writable is False
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert may.PROFILE.for_method(method).writable is True
    assert may.PUBLIC.for_method("POST").writable is False
    assert may.OPTIONAL.for_method("POST").writable is False


def test_admins_flag_is_refused_where_it_means_nothing() -> None:
    for who in (Who.ANONYMOUS, Who.OPTIONAL, Who.SIGNED_IN, Who.ADMIN):
        with pytest.raises(ValueError, match="adds nothing"):
            Policy(who, admins=True)


# --- the registry -------------------------------------------------------------------------------------


def test_every_route_declares_a_settled_policy() -> None:
    assert len(ROUTES) >= 70
    for route in ROUTES:
        assert isinstance(route.policy, Policy), (route.method, route.path)
        assert isinstance(route.policy.writable, bool), (route.method, route.path)


def test_every_write_refuses_suspended_accounts_but_the_declared_exceptions() -> None:
    open_writes = {(r.method, r.path) for r in ROUTES if r.method in may.WRITES and not r.policy.writable}
    assert open_writes == WRITE_EXCEPTIONS
    assert not [r.path for r in ROUTES if r.method == "GET" and r.policy.writable]


def test_only_these_routes_are_open_without_a_token() -> None:
    """Opening a route to the world is a decision to write down here, not a side effect of a policy edit."""
    public = {(r.method, r.path): r.policy.who for r in ROUTES if r.policy.who in may.PUBLIC_WHO}
    assert public == {
        ("GET", "/health"): Who.ANONYMOUS,
        ("GET", "/config"): Who.ANONYMOUS,
        ("GET", "/openapi.json"): Who.ANONYMOUS,
        ("GET", "/providers/{provider_id}"): Who.ANONYMOUS,
        ("GET", "/tasks"): Who.ANONYMOUS,
        ("GET", "/tasks/{task_id}"): Who.OPTIONAL,
        ("POST", "/webhooks/stripe"): Who.ANONYMOUS,
        ("GET", "/taxonomy"): Who.ANONYMOUS,
    }


def test_admin_paths_are_admin_only() -> None:
    for route in ROUTES:
        if route.path.startswith("/admin/"):
            assert route.policy.who == Who.ADMIN, (route.method, route.path)


def test_quotas_sit_on_the_routes_the_issue_names() -> None:
    charged = {(r.method, r.path): r.quota for r in ROUTES if r.quota}
    assert charged == {
        ("POST", "/threads/{thread_id}/messages"): "messages",
        ("POST", "/uploads"): "uploads",
        ("POST", "/me/deposits"): "deposits",
        ("GET", "/tasks"): "public",
        ("GET", "/tasks/{task_id}"): "public",
        ("GET", "/providers/{provider_id}"): "public",
        ("GET", "/taxonomy"): "public",
    }


# --- the edge, in process -------------------------------------------------------------------------------


@dataclass
class Edge:
    client: Client
    charges: list[tuple[str, str]]
    handled: list[str]
    exhausted: set[str]

    def call(self, method: str, path: str, token: str | None = None, body: Any = None, **headers: str) -> Any:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers["Content-Type"] = "application/json"
        raw = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
        return self.client.http.request(method, path, headers=headers, body=raw.encode())


TOKENS = {
    "customer": Caller(profile=Profile("customer"), sub="sub-customer"),
    "suspended": Caller(profile=Profile("customer", suspended=True), sub="sub-suspended"),
    "admin": Caller(is_admin=True, sub="sub-admin"),
}


@pytest.fixture
def edge(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Edge]:
    """A throwaway app with three routes behind `endpoint`; tokens and quotas are stand-ins."""
    from chalicelib.services import identity, quotas

    charges: list[tuple[str, str]] = []
    handled: list[str] = []
    exhausted: set[str] = set()

    def authenticate(header: str | None) -> Caller:
        if not header:
            raise Unauthorized("no token")
        return TOKENS[header.removeprefix("Bearer ")]

    def charge(bucket: str, subject: str) -> None:
        if subject in exhausted:
            raise Throttled("used up", retry_after=17)
        charges.append((bucket, subject))

    monkeypatch.setattr(identity, "authenticate", authenticate)
    monkeypatch.setattr(quotas, "charge", charge)
    known = len(ROUTES)
    bp = Blueprint("tests.edge")

    @endpoint(bp, "/edge/posts", "POST", policy=may.CUSTOMER, body=Reason, quota="messages")
    def post(call: Call) -> dict[str, Any]:
        handled.append(call.body.reason)
        return {"ok": True}

    @endpoint(bp, "/edge/public", "GET", policy=may.PUBLIC, quota="public")
    def public(call: Call) -> dict[str, Any]:
        handled.append("public")
        return {"ok": True}

    @endpoint(bp, "/edge/admin", "PUT", policy=may.ADMIN, body=Reason)
    def admin_only(call: Call) -> dict[str, Any]:
        handled.append("admin")
        return {"ok": True}

    application = Chalice(app_name="edge")
    application.register_blueprint(bp)
    try:
        yield Edge(Client(application, project_dir=str(tmp_path)), charges, handled, exhausted)
    finally:
        del ROUTES[known:]  # the registry stays the real app's


def test_the_policy_is_checked_before_the_body_is_read(edge: Edge) -> None:
    assert edge.call("POST", "/edge/posts", body="{not json").status_code == 401
    assert edge.call("POST", "/edge/posts", "admin", body="{not json").status_code == 403
    assert edge.call("PUT", "/edge/admin", "customer", body="{not json").status_code == 403
    assert edge.call("POST", "/edge/posts", "suspended", body={"reason": "x"}).status_code == 403
    assert edge.charges == [] and edge.handled == []  # refused callers are not charged either
    assert edge.call("PUT", "/edge/admin", "admin", body="{not json").status_code == 400
    assert edge.call("PUT", "/edge/admin", "admin", body={"reason": "fine"}).status_code == 200
    assert edge.handled == ["admin"]


def test_a_signed_in_caller_is_charged_by_sub_before_the_body_is_parsed(edge: Edge) -> None:
    assert edge.call("POST", "/edge/posts", "customer", body={"reason": "hello"}).status_code == 200
    assert edge.call("POST", "/edge/posts", "customer", body={"wrong": 1}).status_code == 400
    assert edge.charges == [("messages", "sub-customer"), ("messages", "sub-customer")]
    assert edge.handled == ["hello"]


def test_an_anonymous_caller_is_charged_by_address(edge: Edge) -> None:
    assert edge.call("GET", "/edge/public").status_code == 200
    assert edge.charges == [("public", "127.0.0.1")]  # the local gateway's sourceIp


def test_a_used_up_quota_is_a_429_with_retry_after(edge: Edge) -> None:
    edge.exhausted.add("sub-customer")
    response = edge.call("POST", "/edge/posts", "customer", body={"reason": "again"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "17"
    assert response.headers["Content-Type"] == "application/problem+json"
    assert json.loads(response.body)["type"].endswith("/too-many-requests")
    assert edge.handled == []


def test_retry_after_is_a_whole_positive_number_of_seconds() -> None:
    assert from_error(Throttled("slow down", retry_after=0)).headers["Retry-After"] == "1"
    assert "Retry-After" not in from_error(Forbidden("no")).headers


def request(context: dict[str, Any] | None, forwarded: str | None = None) -> Any:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    return SimpleNamespace(context=context, headers=headers)


def test_the_source_address_falls_back_to_x_forwarded_for_then_unknown() -> None:
    from chalicelib.handlers.http import source_ip

    assert source_ip(request({"identity": {"sourceIp": "203.0.113.9"}}, "198.51.100.1")) == "203.0.113.9"
    assert source_ip(request({"identity": {}}, "198.51.100.1, 10.0.0.1")) == "198.51.100.1"
    assert source_ip(request(None)) == "unknown"


def test_openapi_shows_each_operations_access() -> None:
    import re

    from chalicelib.handlers.openapi import build

    paths = build()["paths"]
    for route in ROUTES:
        path = re.sub(
            r"\{(\w+)\}", lambda m: "{" + re.sub(r"_(\w)", lambda n: n.group(1).upper(), m.group(1)) + "}", route.path
        )
        access = paths[path][route.method.lower()]["x-access"]
        assert access["who"] == route.policy.who.value and access["writable"] == route.policy.writable, route.path
        assert access.get("quota") == route.quota, route.path
    assert paths["/admin/settings"]["get"]["x-access"] == {"who": "admin", "admins": True, "writable": False}
    assert paths["/me/deposits"]["post"]["x-access"] == {
        "who": "profile",
        "admins": False,
        "writable": True,
        "quota": "deposits",
    }
