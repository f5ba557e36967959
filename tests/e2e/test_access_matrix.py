"""Every registered route by every kind of caller, over HTTP with real tokens: allowed, or refused as declared.

What each cell should answer is not read off the server. It comes from the route's declared policy
(`endpoint(policy=...)`, chalicelib/handlers/policy.py), restated here in `by_policy`, plus the
`TABLE` below: for each route, whose resource it acts on (the party) and which callers the policy
admits that the service still refuses because the resource is not theirs (404) or not for them (403).

A refused cell must answer exactly that status as problem+json. An allowed cell must not be an
access refusal (401, 403, 404) nor a server error; it may be a 400, 409 or 422 for the state the
resource is in (a second signature, a milestone already funded, ...). Every resource the table
names exists, so a 404 in an allowed cell is always a failure.

A cell the policy refuses is sent a body that is not even JSON: the refusal must come first.

The walk runs column by column on one world: strangers first, then the parties (whose writes
change state), the admin, and last the parties again while suspended (every write is a 403, every
read still works). The table must name exactly the registered routes: a new route without a
policy or without a row here fails `test_every_route_has_a_policy_and_a_row`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

import app as application
from chalicelib.handlers.http import ROUTES, RouteSpec
from chalicelib.handlers.policy import Policy, Who
from tests.e2e.conftest import User, World, bid_body

pytestmark = pytest.mark.e2e

ANONYMOUS, NO_PROFILE, CUSTOMER, PROVIDER, PARTY, ADMIN, SUSPENDED = (
    "anonymous",
    "no_profile",
    "customer",
    "provider",
    "party",
    "admin",
    "suspended",
)
# The walk's order: strangers cannot change anything, so they go before the parties' writes.
CALLERS = (ANONYMOUS, NO_PROFILE, CUSTOMER, PROVIDER, PARTY, ADMIN, SUSPENDED)
STRANGERS_WALK = CALLERS[:4]
# Routes the app serves outside `endpoint`: the static back-office page (no data; the API behind it is walked).
STATIC = {("GET", "/admin"), ("GET", "/admin/{asset}")}
ACCESS = {401, 403, 404}
_keys = itertools.count(1)


# --- what each caller is --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    admin: bool = False
    role: str | None = None
    verified: bool = False
    suspended: bool = False


ROLE = {
    Who.CUSTOMER: "customer",
    Who.VERIFIED_CUSTOMER: "customer",
    Who.PROVIDER: "provider",
    Who.VERIFIED_PROVIDER: "provider",
}


def facts(caller: str, party: str) -> Facts | None:
    """Unrelated customer and provider, the party (the route's customer or provider), verified all."""
    return {
        ANONYMOUS: None,
        NO_PROFILE: Facts(),
        CUSTOMER: Facts(role="customer", verified=True),
        PROVIDER: Facts(role="provider", verified=True),
        PARTY: Facts(role=party, verified=True),
        SUSPENDED: Facts(role=party, verified=True, suspended=True),
        ADMIN: Facts(admin=True),
    }[caller]


def by_policy(policy: Policy, who: Facts | None) -> int | None:
    """The refusal the declared policy calls for, or None: the docs' reading of a policy, written out."""
    if policy.who in (Who.ANONYMOUS, Who.OPTIONAL):
        return None
    if who is None:
        return 401
    if who.admin:  # admins have no profile: they pass where a token is enough, or where admins are let in
        return None if policy.who in (Who.SIGNED_IN, Who.ADMIN) or policy.admins else 403
    if policy.who == Who.ADMIN:
        return 403
    if policy.who != Who.SIGNED_IN:
        if who.role is None or ROLE.get(policy.who, who.role) != who.role:
            return 403
        if policy.who in (Who.VERIFIED_CUSTOMER, Who.VERIFIED_PROVIDER) and not who.verified:
            return 403
    return 403 if policy.writable and who.suspended else None


# --- the table -----------------------------------------------------------------------------------------

Body = dict[str, Any] | Callable[["Cast"], dict[str, Any]] | None
STRANGERS = {CUSTOMER: 404, PROVIDER: 404}  # an unrelated customer and provider: "no such …"


@dataclass(frozen=True)
class Row:
    """One route: whose resource (`party`: customer or provider), which world ids fill the path, the body,
    and the ownership refusals: callers the policy admits that the service refuses anyway."""

    party: str
    params: dict[str, str] = field(default_factory=dict)
    body: Body = None
    bodies: dict[str, Body] = field(default_factory=dict)  # a caller that must send another body
    query: str = ""
    refused: dict[str, int] = field(default_factory=dict)
    last: bool = False  # walked after the other routes of the column (it changes who the caller is)


C, P = "customer", "provider"
MONEY = {"amount": 100, "currency": "EUR"}
TASK = {
    "title": "Matrix task",
    "description": "A task the access matrix posts.",
    "category": "web",
    "skills": ["python"],
    "budget": {"amount": 50000, "currency": "EUR"},
}
UPLOAD = {"purpose": "message", "filename": "m.pdf", "contentType": "application/pdf", "size": 64}
CONTRACT = {"contract_id": "contract"}
MILESTONE = {"contract_id": "contract", "milestone_id": "milestone"}
AMENDMENT = {"contract_id": "contract", "amendment_id": "amendment"}
AMEND = {  # adds a milestone: accepting it changes nothing another row relies on
    "reason": "matrix",
    "changes": [{"op": "add", "title": "Extra", "amount": MONEY, "dueDate": "2027-06-30"}],
}
DISPUTED = {"contract_id": "contract", "milestone_id": "disputed"}  # undelivered, disputed with evidence


def unchanged_commission(cast: Cast) -> dict[str, Any]:
    """The current commission with its version: an admin's save that changes nothing other tests rely on."""
    current = cast.admin.ok("GET", "/admin/settings")["commission"]
    return {"defaultBps": current["defaultBps"], "overrides": current["overrides"], "version": current["version"]}


def unchanged_taxonomy(cast: Cast) -> dict[str, Any]:
    """The current taxonomy with its version: an admin's save that changes nothing."""
    current = cast.admin.ok("GET", "/taxonomy")
    return {key: current[key] for key in ("categories", "skills", "languages", "version")}


def unchanged_hub(cast: Cast) -> dict[str, Any]:
    """The current hub categories with their version: a save that changes nothing."""
    current = cast.admin.ok("GET", "/admin/settings")["hub"]
    return {"categories": current["categories"], "version": current["version"]}


TABLE: dict[tuple[str, str], Row] = {
    # accounts
    ("POST", "/me"): Row(
        C,
        body={"role": "customer", "displayName": "Matrix", "kind": "individual"},
        bodies={ADMIN: {"role": "admin"}},  # an admin keeps having no profile: this one is a 400
        last=True,
    ),
    ("GET", "/me"): Row(C),
    ("POST", "/me/verification"): Row(C, body=lambda cast: {"legalName": "M", "documents": [cast.ids["document"]]}),
    ("GET", "/providers/{provider_id}"): Row(P, {"provider_id": "provider"}),
    # admin
    ("GET", "/admin/verifications"): Row(C),
    ("POST", "/admin/verifications/{user_id}/approve"): Row(C, {"user_id": "applicant"}, {}),
    ("POST", "/admin/verifications/{user_id}/reject"): Row(C, {"user_id": "applicant"}, {"reason": "matrix"}),
    ("GET", "/admin/tasks"): Row(C),
    ("POST", "/admin/tasks/{task_id}/approve"): Row(C, {"task_id": "in_review"}, {}),
    ("POST", "/admin/tasks/{task_id}/request-changes"): Row(C, {"task_id": "in_review"}, {"note": "matrix"}),
    ("GET", "/admin/disputes"): Row(C),
    ("GET", "/admin/terminations"): Row(C, query="status=proposed"),
    ("POST", "/admin/disputes/{contract_id}/{milestone_id}/resolve"): Row(
        C, MILESTONE, {"releaseAmount": MONEY, "refundAmount": {"amount": 0, "currency": "EUR"}}
    ),
    ("GET", "/admin/settings"): Row(C),
    ("PUT", "/admin/settings/commission"): Row(C, body=unchanged_commission),
    # hub mode: the cast's bid is not on a hub task, so the admin's forward/decline is a 409 and changes nothing
    ("PUT", "/admin/settings/hub"): Row(C, body=unchanged_hub),
    ("GET", "/admin/bids"): Row(C, query="status=submitted&hub=true"),
    ("POST", "/admin/bids/{bid_id}/forward"): Row(C, {"bid_id": "bid"}),
    ("POST", "/admin/bids/{bid_id}/decline"): Row(C, {"bid_id": "bid"}, {"reason": "matrix"}),
    ("GET", "/admin/threads"): Row(C, query="hub=true"),
    ("GET", "/admin/users"): Row(C, query="q=ma"),
    ("GET", "/admin/metrics"): Row(C),
    # bids
    ("POST", "/tasks/{task_id}/bids"): Row(P, {"task_id": "open"}, bid_body(40000)),
    ("GET", "/tasks/{task_id}/bids"): Row(C, {"task_id": "open"}, refused={CUSTOMER: 403}),
    ("GET", "/me/bids"): Row(P),
    ("GET", "/bids/{bid_id}"): Row(P, {"bid_id": "bid"}, refused=STRANGERS),
    ("POST", "/bids/{bid_id}/shortlist"): Row(C, {"bid_id": "bid"}, refused={CUSTOMER: 404}),
    ("POST", "/bids/{bid_id}/reject"): Row(C, {"bid_id": "bid"}, refused={CUSTOMER: 404}),
    ("PUT", "/bids/{bid_id}/remark"): Row(C, {"bid_id": "bid"}, {"text": "matrix"}, refused={CUSTOMER: 404}),
    ("POST", "/bids/{bid_id}/withdraw"): Row(P, {"bid_id": "bid"}, refused={PROVIDER: 404}),
    ("PATCH", "/bids/{bid_id}"): Row(P, {"bid_id": "bid"}, {"proposal": "matrix"}, refused={PROVIDER: 404}),
    ("POST", "/bids/{bid_id}/counter"): Row(
        C,
        {"bid_id": "bid"},
        {"price": {"amount": 150000, "currency": "EUR"}, "note": "matrix"},
        refused={CUSTOMER: 404},
    ),
    ("POST", "/bids/{bid_id}/counter/accept"): Row(P, {"bid_id": "bid"}, refused={PROVIDER: 404}),
    # contracts
    ("POST", "/bids/{bid_id}/award"): Row(C, {"bid_id": "award_bid"}, refused={CUSTOMER: 404}),
    ("GET", "/me/contracts"): Row(C),
    ("GET", "/contracts/{contract_id}"): Row(C, CONTRACT, refused=STRANGERS),
    ("GET", "/contracts/{contract_id}/document"): Row(C, CONTRACT, refused=STRANGERS),
    ("POST", "/contracts/{contract_id}/sign"): Row(C, CONTRACT, refused=STRANGERS),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/fund"): Row(
        C, MILESTONE, {"source": "wallet"}, refused={CUSTOMER: 404}
    ),
    ("POST", "/contracts/{contract_id}/bonus"): Row(
        C, CONTRACT, {"amount": MONEY, "note": "matrix"}, refused={CUSTOMER: 404}
    ),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/submit"): Row(
        P, MILESTONE, lambda cast: {"uploads": [cast.ids["deliverable"]]}, refused={PROVIDER: 404}
    ),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/accept"): Row(C, MILESTONE, refused={CUSTOMER: 404}),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/request-revision"): Row(
        C, MILESTONE, {"reason": "matrix"}, refused={CUSTOMER: 404}
    ),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/dispute"): Row(
        C, MILESTONE, {"reason": "matrix"}, refused=STRANGERS
    ),
    ("GET", "/contracts/{contract_id}/milestones/{milestone_id}/deliverables/{upload_id}"): Row(
        C, MILESTONE | {"upload_id": "deliverable"}, refused=STRANGERS
    ),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/evidence"): Row(
        C, DISPUTED, {"note": "matrix"}, refused=STRANGERS
    ),
    ("GET", "/contracts/{contract_id}/milestones/{milestone_id}/evidence/{upload_id}"): Row(
        C, DISPUTED | {"upload_id": "evidence"}, refused=STRANGERS
    ),
    ("POST", "/contracts/{contract_id}/reviews"): Row(C, CONTRACT, {"rating": 5, "text": "matrix"}, refused=STRANGERS),
    # amendments: the cast's amendment (the customer's) is open, so the party's proposal is a 409 until the
    # provider accepts it; then the reject is a 409
    ("POST", "/contracts/{contract_id}/amendments"): Row(C, CONTRACT, AMEND, refused=STRANGERS),
    ("GET", "/contracts/{contract_id}/amendments"): Row(C, CONTRACT, refused=STRANGERS),
    ("POST", "/contracts/{contract_id}/amendments/{amendment_id}/accept"): Row(P, AMENDMENT, refused=STRANGERS),
    ("POST", "/contracts/{contract_id}/amendments/{amendment_id}/reject"): Row(P, AMENDMENT, refused=STRANGERS),
    # the shared contract lives on: the party's call only proposes; the admin's, without a reason, is a 400
    ("POST", "/contracts/{contract_id}/terminate"): Row(
        C, CONTRACT, {"reason": "matrix"}, bodies={ADMIN: {}}, refused=STRANGERS
    ),
    # meta
    ("GET", "/health"): Row(C),
    ("GET", "/config"): Row(C),
    ("GET", "/openapi.json"): Row(C),
    # money
    ("GET", "/me/wallet"): Row(C),
    ("GET", "/me/ledger"): Row(C),
    ("POST", "/me/deposits"): Row(C, body={"amount": {"amount": 1000, "currency": "EUR"}}),
    ("GET", "/me/notifications"): Row(C),
    # payments
    ("POST", "/webhooks/stripe"): Row(C, body={"id": "evt_matrix"}),  # unsigned: a 400 for everyone
    ("POST", "/me/withdrawals"): Row(P, body={"amount": MONEY}),
    ("GET", "/me/withdrawals"): Row(P),
    ("GET", "/admin/withdrawals"): Row(C),
    ("POST", "/admin/withdrawals/{withdrawal_id}/approve"): Row(C, {"withdrawal_id": "withdrawal"}),
    ("POST", "/admin/withdrawals/{withdrawal_id}/reject"): Row(C, {"withdrawal_id": "withdrawal"}, {"reason": "m"}),
    ("POST", "/me/payouts/onboarding"): Row(P),
    ("GET", "/payments/{payment_id}"): Row(C, {"payment_id": "payment"}, refused=STRANGERS),
    ("POST", "/payments/{payment_id}/refund"): Row(C, {"payment_id": "payment"}, {"amount": MONEY}, refused=STRANGERS),
    # tasks
    ("POST", "/tasks"): Row(C, body=TASK),
    ("GET", "/tasks"): Row(C),
    ("GET", "/me/tasks"): Row(C),
    # a draft: only its owner and admins see it, signed in or not
    ("GET", "/tasks/{task_id}"): Row(
        C, {"task_id": "draft"}, refused={ANONYMOUS: 404, NO_PROFILE: 404, CUSTOMER: 404, PROVIDER: 404}
    ),
    ("PATCH", "/tasks/{task_id}"): Row(C, {"task_id": "draft"}, {"title": "Edited"}, refused={CUSTOMER: 404}),
    ("POST", "/tasks/{task_id}/submit"): Row(C, {"task_id": "draft"}, refused={CUSTOMER: 404}),
    ("POST", "/tasks/{task_id}/cancel"): Row(C, {"task_id": "cancellable"}, refused={CUSTOMER: 404}),
    # threads
    ("POST", "/tasks/{task_id}/threads"): Row(
        C,
        {"task_id": "open"},
        lambda cast: {"providerId": cast.ids["provider"]},
        bodies={PROVIDER: {}},  # a provider opens their own thread with the owner
        refused={CUSTOMER: 403},  # another customer of a public task: not the owner, not a provider
    ),
    ("GET", "/contracts/{contract_id}/thread"): Row(C, CONTRACT, refused=STRANGERS),
    ("GET", "/me/threads"): Row(C),
    ("GET", "/threads/{thread_id}/messages"): Row(C, {"thread_id": "thread"}, refused=STRANGERS),
    ("POST", "/threads/{thread_id}/messages"): Row(C, {"thread_id": "thread"}, {"text": "matrix"}, refused=STRANGERS),
    ("GET", "/threads/{thread_id}/messages/{message_id}/attachments/{upload_id}"): Row(
        C, {"thread_id": "thread", "message_id": "message", "upload_id": "attachment"}, refused=STRANGERS
    ),
    ("GET", "/admin/messages"): Row(C),
    ("POST", "/admin/messages/{message_id}/dismiss"): Row(C, {"message_id": "flagged"}, {}),
    ("POST", "/admin/messages/{message_id}/confirm"): Row(C, {"message_id": "flagged"}, {}),
    ("POST", "/admin/users/{user_id}/suspend"): Row(C, {"user_id": "applicant"}, {"reason": "matrix"}),
    ("POST", "/admin/users/{user_id}/reinstate"): Row(C, {"user_id": "applicant"}, {"reason": "matrix"}),
    ("GET", "/contracts/{contract_id}/audit"): Row(C, CONTRACT, refused=STRANGERS),
    # uploads
    ("POST", "/uploads"): Row(C, body=UPLOAD),
    # taxonomy and tickets
    ("GET", "/taxonomy"): Row(C),
    ("PUT", "/admin/taxonomy"): Row(C, body=unchanged_taxonomy),
    ("POST", "/tickets"): Row(C, body={"kind": "new_skill", "text": "matrix"}),
    ("GET", "/me/tickets"): Row(C),
    ("GET", "/admin/tickets"): Row(C, query="status=open"),
    ("POST", "/admin/tickets/{ticket_id}/resolve"): Row(C, {"ticket_id": "ticket"}, {"note": "matrix"}),
    # quality control and the hub's submission gate: the cast's milestone is under review (admins get a 409);
    # the admin's reviewer is the contract's own provider, a 422 that changes nothing
    ("POST", "/admin/contracts/{contract_id}/reviewer"): Row(
        C, CONTRACT, lambda cast: {"providerId": cast.ids["provider"]}
    ),
    ("GET", "/admin/contracts/{contract_id}/reviewer-candidates"): Row(C, CONTRACT, query="q=ma"),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/qc-approve"): Row(
        P, MILESTONE, refused={PROVIDER: 404, PARTY: 403}
    ),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/qc-reject"): Row(
        P, MILESTONE, {"reason": "matrix"}, refused={PROVIDER: 404, PARTY: 403}
    ),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/forward"): Row(C, MILESTONE),
    ("POST", "/contracts/{contract_id}/milestones/{milestone_id}/return"): Row(C, MILESTONE, {"reason": "matrix"}),
    ("GET", "/admin/submissions"): Row(C),
    ("GET", "/admin/qc"): Row(C),
}


def expected(route: RouteSpec, row: Row, caller: str) -> int | None:
    """None: allowed; else the exact refusal."""
    refusal = by_policy(route.policy, facts(caller, row.party))
    return refusal if refusal is not None else row.refused.get(caller)


def walk_order() -> list[tuple[RouteSpec, Row]]:
    rows = [(route, TABLE[(route.method, route.path)]) for route in ROUTES if (route.method, route.path) in TABLE]
    return [pair for pair in rows if not pair[1].last] + [pair for pair in rows if pair[1].last]


def size() -> tuple[int, int, int]:
    """Routes, cells and "no" cells of the matrix as declared."""
    cells = [expected(route, row, caller) for route, row in walk_order() for caller in CALLERS]
    return len(ROUTES), len(cells), sum(1 for cell in cells if cell is not None)


# --- the table is complete ------------------------------------------------------------------------------


def summary() -> str:
    routes, cells, refused = size()
    return f"{routes} routes x {len(CALLERS)} callers = {cells} cells, {refused} no"


@pytest.mark.parametrize("matrix", [summary()])
def test_every_route_has_a_policy_and_a_row(matrix: str) -> None:
    print(f"access matrix: {matrix}")
    registered = [(r.method, r.path) for r in ROUTES]
    assert len(registered) == len(set(registered)), "a route is registered twice"
    assert not [key for key in registered if key not in TABLE], "routes without a row in TABLE"
    assert not [key for key in TABLE if key not in set(registered)], "rows for routes that are not registered"
    assert not [r.path for r in ROUTES if not isinstance(r.policy, Policy) or r.policy.writable is None]
    served = {(method, path) for path, entries in application.app.routes.items() for method in entries}
    assert served - STATIC == set(registered), "a route is served without `endpoint` (and so without a policy)"


def test_ownership_rows_only_name_callers_the_policy_admits() -> None:
    """A refusal the policy already makes does not belong in the table: it would go stale unseen."""
    stale = [
        (route.method, route.path, caller)
        for route, row in walk_order()
        for caller in row.refused
        if by_policy(route.policy, facts(caller, row.party)) is not None
    ]
    assert stale == []


# --- the world ------------------------------------------------------------------------------------------


@dataclass
class Cast:
    world: World
    users: dict[str, User]  # customer, provider (the parties), other_customer, other_provider, bare
    admin: User
    ids: dict[str, str]

    def who(self, caller: str, party: str) -> User:
        return {
            ANONYMOUS: self.world.anonymous(),
            NO_PROFILE: self.users["bare"],
            CUSTOMER: self.users["other_customer"],
            PROVIDER: self.users["other_provider"],
            PARTY: self.users[party],
            SUSPENDED: self.users[party],
            ADMIN: self.admin,
        }[caller]


@pytest.fixture(scope="module")
def cast(world: World) -> Cast:
    """Two parties with one of everything: tasks in each state, bids, an active contract with a funded,
    submitted milestone, a card payment, a withdrawal, the contract thread with a file and a flagged message."""
    admin = world.admin()
    with ThreadPoolExecutor(6) as pool:  # independent sign-ups, at once
        jobs = {
            "customer": pool.submit(world.profile, "customer"),
            "provider": pool.submit(world.profile, "provider"),
            "other_customer": pool.submit(world.profile, "customer"),
            "other_provider": pool.submit(world.profile, "provider"),
            "bare": pool.submit(world.sign_up, "bare"),
            "applicant": pool.submit(world.profile, "customer", False),
        }
    users = {name: job.result() for name, job in jobs.items()}
    applicant = users.pop("applicant")
    customer, provider = users["customer"], users["provider"]
    applicant_me = applicant.ok("POST", "/me/verification", {"legalName": "A", "documents": [world.upload(applicant)]})
    ids = {
        "customer": customer.ok("GET", "/me")["id"],
        "provider": provider.ok("GET", "/me")["id"],
        "applicant": applicant_me["id"],
        "document": world.upload(customer),
    }
    ids["open"] = world.open_task(customer)["id"]
    ids["bid"] = provider.ok("POST", f"/tasks/{ids['open']}/bids", bid_body(200000), status=201)["id"]
    ids["draft"] = customer.ok("POST", "/tasks", TASK, status=201)["id"]
    ids["in_review"] = customer.ok("POST", "/tasks", TASK, status=201)["id"]
    customer.ok("POST", f"/tasks/{ids['in_review']}/submit")
    ids["cancellable"] = customer.ok("POST", "/tasks", TASK, status=201)["id"]  # the party's cancel ends it
    ids["ticket"] = customer.ok("POST", "/tickets", {"kind": "new_skill", "text": "Add Modelica"}, status=201)["id"]
    award_task = world.open_task(customer)["id"]
    ids["award_bid"] = provider.ok("POST", f"/tasks/{award_task}/bids", bid_body(), status=201)["id"]

    deal_task = world.open_task(customer)["id"]
    deal_bid = provider.ok("POST", f"/tasks/{deal_task}/bids", bid_body(200000), status=201)["id"]
    contract = customer.ok("POST", f"/bids/{deal_bid}/award", status=201)
    ids["contract"], ids["milestone"] = contract["id"], contract["milestones"][0]["id"]
    customer.ok("POST", f"/contracts/{ids['contract']}/sign")
    provider.ok("POST", f"/contracts/{ids['contract']}/sign")
    ids["amendment"] = customer.ok("POST", f"/contracts/{ids['contract']}/amendments", AMEND, status=201)["id"]
    deposit = {"amount": {"amount": 300000, "currency": "EUR"}}
    ids["payment"] = customer.ok("POST", "/me/deposits", deposit, status=201)["id"]
    milestone = f"/contracts/{ids['contract']}/milestones/{ids['milestone']}"
    customer.ok("POST", f"{milestone}/fund", {"source": "wallet"})
    ids["deliverable"] = world.upload(provider, purpose="deliverable")
    provider.ok("POST", f"{milestone}/submit", {"uploads": [ids["deliverable"]]})
    ids["disputed"] = contract["milestones"][1]["id"]  # funded, never delivered: the customer disputes it
    disputed = f"/contracts/{ids['contract']}/milestones/{ids['disputed']}"
    customer.ok("POST", f"{disputed}/fund", {"source": "wallet"})
    ids["evidence"] = world.upload(customer, purpose="evidence")
    customer.ok("POST", f"{disputed}/dispute", {"reason": "Not delivered.", "evidence": [ids["evidence"]]})

    ids["thread"] = customer.ok("GET", f"/contracts/{ids['contract']}/thread")["id"]
    ids["attachment"] = world.upload(customer, purpose="message")
    posted = {"text": "The plan, attached.", "attachments": [ids["attachment"]]}
    ids["message"] = customer.ok("POST", f"/threads/{ids['thread']}/messages", posted, status=201)["id"]
    flagged = customer.ok(
        "POST", f"/threads/{ids['thread']}/messages", {"text": "mail me at anna.roe@proton.me"}, status=201
    )
    ids["flagged"] = flagged["id"]

    provider.ok("POST", "/me/deposits", {"amount": {"amount": 10000, "currency": "EUR"}}, status=201)
    provider.ok("POST", "/me/payouts/onboarding")
    ids["withdrawal"] = provider.ok(
        "POST", "/me/withdrawals", {"amount": {"amount": 5000, "currency": "EUR"}}, status=201
    )["id"]
    return Cast(world, users, admin, ids)


# --- the walk -------------------------------------------------------------------------------------------


def call(cast: Cast, route: RouteSpec, row: Row, caller: str) -> requests.Response:
    path = route.path.format(**{name: cast.ids[key] for name, key in row.params.items()})
    if row.query:
        path += "?" + row.query
    headers = {"Idempotency-Key": f"matrix-{next(_keys)}"} if route.money else {}
    user = cast.who(caller, row.party)
    if by_policy(route.policy, facts(caller, row.party)) is not None and route.method != "GET":
        # the edge refuses by policy before it reads the body: a body that is not even JSON must not matter
        return user.call(route.method, path, raw="{not json", headers=headers)
    body = row.bodies.get(caller, row.body)
    return user.call(route.method, path, body(cast) if callable(body) else body, headers=headers)


def verdict(response: requests.Response, want: int | None) -> str | None:
    """What is wrong with the answer, or None."""
    got = response.status_code
    if want is None:
        if got in ACCESS or got >= 500 or got == 429:
            return f"allowed, but answered {got}: {response.text[:160]}"
        return None
    if got != want:
        return f"should be {want}, answered {got}: {response.text[:160]}"
    if not response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return f"{want} without problem+json"
    return None


def walk(cast: Cast, caller: str) -> Iterator[str]:
    for route, row in walk_order():
        problem = verdict(call(cast, route, row, caller), expected(route, row, caller))
        if problem is not None:
            yield f"{route.method} {route.path} as {caller}: {problem}"


def column_id(caller: str) -> str:
    cells = [expected(route, row, caller) for route, row in walk_order()]
    return f"{caller}-{len(cells)}cells-{sum(1 for c in cells if c is not None)}no"


@pytest.fixture(scope="module")
def stranger_columns(cast: Cast) -> dict[str, list[str]]:
    """The strangers' columns walked at once, a thread each: none of them can change what another sees."""
    with ThreadPoolExecutor(len(STRANGERS_WALK)) as pool:
        return dict(zip(STRANGERS_WALK, pool.map(lambda caller: list(walk(cast, caller)), STRANGERS_WALK), strict=True))


@pytest.mark.parametrize("caller", STRANGERS_WALK, ids=column_id)
def test_stranger_column(stranger_columns: dict[str, list[str]], caller: str) -> None:
    assert not stranger_columns[caller], "\n".join(stranger_columns[caller])


@pytest.mark.parametrize("caller", [PARTY, ADMIN], ids=column_id)
def test_column(cast: Cast, stranger_columns: dict[str, list[str]], caller: str) -> None:
    """The parties (whose writes move the world on) and the admin, one request at a time, after the strangers."""
    wrong = list(walk(cast, caller))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("caller", [SUSPENDED], ids=column_id)
def test_suspended_parties_read_but_every_write_is_refused(cast: Cast, caller: str) -> None:
    """Suspended by an admin (POST /admin/users/{id}/suspend): the whole column again, as the parties."""
    parties = [cast.ids["customer"], cast.ids["provider"]]
    for profile_id in parties:
        assert cast.admin.ok("POST", f"/admin/users/{profile_id}/suspend", {"reason": "matrix"})["suspended"]
    try:
        wrong = list(walk(cast, caller))
    finally:
        for profile_id in parties:
            cast.admin.ok("POST", f"/admin/users/{profile_id}/reinstate", {"reason": "matrix"})
    assert not wrong, "\n".join(wrong)
    for route, row in walk_order():  # what the column checked: writes refused, the rest as for the party
        suspended, party = expected(route, row, SUSPENDED), expected(route, row, PARTY)
        assert suspended == (403 if route.policy.writable else party), (route.method, route.path)
