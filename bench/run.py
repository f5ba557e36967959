"""`make bench`: AWS calls per API operation, and the cold-start proxy.

1. Starts moto server in this process, provisions the stack (infra.local.provision), signs
   real Cognito users in, and walks every route built so far through Chalice's test client.
   Each request is metered: botocore `BaseClient._make_api_call` (boto3 clients: S3, Cognito,
   ...) and PynamoDB's `Connection.dispatch` (the one method every PynamoDB request goes
   through). PynamoDB hands its requests to botocore's `_make_api_call` as well, so a call
   that comes through `dispatch` is counted there once, as `dynamodb.<Operation>`, and the
   nested botocore call is only tallied as a consistency check. Calls the bench makes itself
   (tokens, S3 uploads) happen outside the metered window and are not counted; so are calls
   made by other threads (moto server's own), except work the request hands to a thread pool
   (`ThreadPoolExecutor.submit`/`map`, e.g. the parallel Queries of a sharded list): that is
   counted in the request's window.
   The JWKS download (PyJWT over urllib, not botocore) is cached for the process: the bench
   warms it before the first metered request and reports any fetch that still happens.
   After the market (profiles, verification, tasks, bids) it walks a whole two-milestone
   contract: award, both signatures, a deposit and its Idempotency-Key replay, funding from
   the wallet, deliver / revise / accept, deliver / dispute / admin split, both reviews, then
   the reads (contract, wallet, ledger, inbox, deliverable link). Then the money routes (card deposit,
   refund, withdrawals) and the deals that change and end (`walk_deals`, issue 15): taxonomy and tickets,
   a task cancelled with a live bid, a bid edited, countered and awarded at the countered price, the
   contract document (first render, stored re-read), amendments (one accepted, one rejected), a bonus, a
   non-delivery dispute with evidence split by an admin, and a termination proposed and agreed.
2. The escrow workflow runs on moto's Step Functions; scripts/pump.py (in this process) hands
   its SQS messages to chalicelib.handlers.consumers between the steps. Each handler call is
   metered on its own ("workflow consumers"), apart from the pump's receive/delete polling,
   and none of it is in a request row. The contract summary adds the requests from the award
   to the last review, the consumers' calls, and the states both executions entered.
3. The cold-start proxy: min wall time of `python -c "import app"` over the min of
   `python -c "import chalice, boto3"`, interleaved, 11 runs each.
4. The cold path and the Lambda package (a section of their own, after the figures above):
   bench/cold_path.py times `import app` + the first authenticated read + the first write in fresh
   processes against a bare Chalice app doing one GetItem (bench/bare_app.py), and
   bench/package_size.py reports what requirements.txt ships: unzipped size, five largest dependencies.

Each request row shows, beside what was measured, the minimum a careful design needs for it
(bench/minimum.py, with its reason), and the walk's ratio: all measured calls over the sum of the
minimums (target ≤ 1.2). A row without a declared minimum fails the run like a product check.

Figures go to stdout and, structured, to .local/bench.json. Any unexpected status fails the run;
a failed product check (balances, replay, execution status, consumer errors) is printed and
makes the run exit 1 after everything was written.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cold_path import ColdPathError, print_cold_path  # noqa: E402
from bench.cold_path import measure as measure_cold_path  # noqa: E402
from bench.minimum import MINIMUM, TARGET  # noqa: E402
from bench.package_size import measure as measure_package  # noqa: E402
from bench.package_size import print_package  # noqa: E402

PASSWORD = "Bench-passw0rd!"
COLD_START_RUNS = 11
COLD_START_TARGET = 1.3
PDF = b"%PDF-1.4 bench\n"
TIMES = "\u00d7"  # the multiplication sign, as in dynamodb.GetItem (times) 2


class FlowError(RuntimeError):
    """A response was not what docs/api.md promises: the bench stops."""


# --------------------------------------------------------------------------------------------
# Metering


@dataclass
class Sample:
    calls: Counter[str] = field(default_factory=Counter)
    jwks_fetches: int = 0
    pynamodb_dispatches: int = 0
    nested_botocore: int = 0  # botocore calls made from inside a PynamoDB dispatch (not re-counted)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class Meter:
    """Counts AWS calls made on the metering thread while `measure()` is open (and by pool work it hands out)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._counting = threading.Lock()  # pool threads of one window count into the same sample
        self._owner: int | None = None
        self._sample: Sample | None = None
        self.jwks_fetches_outside = 0

    def _active(self) -> Sample | None:
        if threading.get_ident() == self._owner:
            return self._sample
        lent: Sample | None = getattr(self._local, "lent", None)  # a pool thread working for the window
        return lent

    def _depth(self) -> int:
        depth: int = getattr(self._local, "depth", 0)
        return depth

    @contextmanager
    def measure(self) -> Iterator[Sample]:
        """A window of its own; opened inside another one, it takes the calls until it closes."""
        outer = self._owner, self._sample
        sample = Sample()
        self._owner, self._sample = threading.get_ident(), sample
        try:
            yield sample
        finally:
            self._owner, self._sample = outer

    def install(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        import botocore.client
        import jwt
        from pynamodb.connection.base import Connection

        meter = self
        botocore_call = botocore.client.BaseClient._make_api_call
        dispatch = Connection.dispatch
        fetch_data = jwt.PyJWKClient.fetch_data
        submit = ThreadPoolExecutor.submit

        def counted_submit(pool: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            sample = meter._active()
            if sample is None:
                return submit(pool, fn, *args, **kwargs)

            def lent(*inner_args: Any, **inner_kwargs: Any) -> Any:
                meter._local.lent = sample
                try:
                    return fn(*inner_args, **inner_kwargs)
                finally:
                    meter._local.lent = None

            return submit(pool, lent, *args, **kwargs)

        def counted_botocore_call(client: Any, operation_name: str, api_params: Any) -> Any:
            sample = meter._active()
            if sample is not None:
                with meter._counting:
                    if meter._depth() > 0:
                        sample.nested_botocore += 1
                    else:
                        sample.calls[f"{client.meta.service_model.service_name}.{operation_name}"] += 1
            return botocore_call(client, operation_name, api_params)

        def counted_dispatch(connection: Any, operation_name: str, operation_kwargs: Any) -> Any:
            sample = meter._active()
            if sample is not None:
                with meter._counting:
                    sample.calls[f"dynamodb.{operation_name}"] += 1
                    sample.pynamodb_dispatches += 1
            meter._local.depth = meter._depth() + 1
            try:
                return dispatch(connection, operation_name, operation_kwargs)
            finally:
                meter._local.depth -= 1

        def counted_fetch_data(jwks_client: Any) -> Any:
            sample = meter._active()
            if sample is not None:
                sample.jwks_fetches += 1
            else:
                meter.jwks_fetches_outside += 1
            return fetch_data(jwks_client)

        setattr(botocore.client.BaseClient, "_make_api_call", counted_botocore_call)  # noqa: B010
        setattr(Connection, "dispatch", counted_dispatch)  # noqa: B010
        setattr(jwt.PyJWKClient, "fetch_data", counted_fetch_data)  # noqa: B010
        setattr(ThreadPoolExecutor, "submit", counted_submit)  # noqa: B010


# --------------------------------------------------------------------------------------------
# The API, through Chalice's test client


@dataclass
class Row:
    method: str
    route: str
    query: str
    variant: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.method} {self.route}{self.query}" + (f"  {self.variant}" if self.variant else "")


class Api:
    def __init__(self, client: Any, meter: Meter) -> None:
        self.client = client
        self.meter = meter
        self.rows: dict[tuple[str, str, str, str], Row] = {}
        self.log: list[tuple[str, Sample]] = []  # every metered request, in order
        self.deviations: list[str] = []
        self.findings: list[str] = []  # product checks that failed (the run goes on, then exits 1)

    def check(self, ok: bool, finding: str) -> None:
        if not ok:
            self.findings.append(finding)

    def call(
        self,
        method: str,
        route: str,
        *,
        params: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        token: str | None = None,
        body: Any = None,
        expect: int = 200,
        variant: str = "",
        headers: dict[str, str] | None = None,
        binary: bool = False,
    ) -> Any:
        """The request, metered; its JSON answer, or with `binary` the (headers, bytes) of a file the route serves."""
        query_string = "?" + urllib.parse.urlencode(query) if query else ""
        path = route.format(**(params or {})) + query_string
        headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        raw = json.dumps(body).encode() if body is not None else b""
        with self.meter.measure() as sample:
            response = self.client.http.request(method, path, headers=headers, body=raw)
        if binary and response.status_code == expect:
            self._record(method, route, query_string, variant, sample)
            return response.headers, response.body
        text = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
        if response.status_code != expect:
            raise FlowError(f"{method} {path}: expected {expect}, got {response.status_code}: {text[:800]}")
        self._record(method, route, query_string, variant, sample)
        return json.loads(text) if text else None

    def _record(self, method: str, route: str, query_string: str, variant: str, sample: Sample) -> None:
        key = (method, route, query_string, variant)
        row = self.rows.setdefault(key, Row(method, route, query_string, variant))
        row.samples.append(sample)
        self.log.append((row.label, sample))

    def action(self, route: str, *, params: dict[str, str], token: str, variant: str = "") -> Any:
        """A POST action with no listed field: sent with an absent body, as docs/api.md allows.

        If the product refuses that (400), the deviation is recorded and the request is sent
        again with `{}`; only the successful request is metered.
        """
        try:
            return self.call("POST", route, params=params, token=token, variant=variant)
        except FlowError as error:
            if " got 400: " not in str(error):
                raise
            problem = str(error).split(" got 400: ", 1)[1]
            try:
                detail = "; ".join(e.get("message", "") for e in json.loads(problem).get("errors", [])) or problem
            except ValueError:
                detail = problem
            note = f"POST {route} with an absent body -> 400 ({detail[:200]}); sent {{}} instead"
            if note not in self.deviations:
                self.deviations.append(note)
            return self.call("POST", route, params=params, token=token, body={}, variant=variant)


def expect_field(what: str, data: Any, name: str, value: Any) -> None:
    if data.get(name) != value:
        raise FlowError(f"{what}: expected {name}={value!r}, got {data.get(name)!r}")


def expect_ids(what: str, page: Any, ids: set[str]) -> None:
    seen = {item["id"] for item in page["items"]}
    if not ids <= seen:
        raise FlowError(f"{what}: missing {sorted(ids - seen)} in {sorted(seen)}")


@dataclass
class Users:
    cognito: Any
    pool_id: str
    client_id: str

    def token(self, email: str, admin: bool = False) -> str:
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        self.cognito.admin_set_user_password(UserPoolId=self.pool_id, Username=email, Password=PASSWORD, Permanent=True)
        if admin:
            self.cognito.admin_add_user_to_group(UserPoolId=self.pool_id, Username=email, GroupName="admin")
        auth = self.cognito.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=self.client_id,
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )
        token: str = auth["AuthenticationResult"]["IdToken"]
        return token


@dataclass
class Files:
    api: Api
    s3: Any
    bucket: str

    def upload(self, token: str, purpose: str, filename: str) -> str:
        created = self.api.call(
            "POST",
            "/uploads",
            token=token,
            expect=201,
            body={"purpose": purpose, "filename": filename, "contentType": "application/pdf", "size": len(PDF)},
        )
        # A browser POSTs the presigned form; the bench writes the object directly (not metered).
        self.s3.put_object(Bucket=self.bucket, Key=created["fields"]["key"], Body=PDF, ContentType="application/pdf")
        upload_id: str = created["uploadId"]
        return upload_id


@dataclass
class Market:
    """What the walk up to the award leaves for the contract."""

    admin: str
    customer: str
    providers: list[str]
    profile_ids: dict[str, str]
    task_id: str
    bid_ids: list[str]


SECOND_MILESTONE = 150000  # the disputed one: resolved as 100000 released / 50000 refunded


def walk(api: Api, users: Users, files: Files) -> Market:
    """Every route up to the award, in the order a customer, three providers and an admin use them."""
    admin = users.token("admin@bench.local", admin=True)
    customer = users.token("customer@bench.local")
    providers = [users.token(f"provider{i}@bench.local") for i in (1, 2, 3)]

    # Warm the JWKS cache outside the metered window (a warm Lambda has it cached too).
    from chalicelib.adapters.tokens import verify_id_token

    verify_id_token(admin)

    api.call("GET", "/health")
    config = api.call("GET", "/config")
    expect_field("GET /config", config, "userPoolClientId", users.client_id)
    api.call("GET", "/openapi.json")

    profile_ids: dict[str, str] = {}
    me = api.call(
        "POST",
        "/me",
        token=customer,
        body={"role": "customer", "displayName": "Bench Robotics GmbH", "kind": "company"},
        expect=201,
    )
    profile_ids[customer] = me["id"]
    for number, token in enumerate(providers, start=1):
        me = api.call(
            "POST",
            "/me",
            token=token,
            expect=201,
            body={
                "role": "provider",
                "displayName": f"Provider {number}",
                "kind": "individual",
                "skills": ["python", "aws"] if number == 1 else ["python", "react"],
                "languages": ["en", "de"],
                "hourlyRate": {"amount": 8000 + 1000 * number, "currency": "EUR"},
            },
        )
        profile_ids[token] = me["id"]

    for token in (customer, *providers):
        document = files.upload(token, "verification", "registration.pdf")
        sent = api.call(
            "POST", "/me/verification", token=token, body={"legalName": "Bench Legal Name", "documents": [document]}
        )
        expect_field("POST /me/verification", sent, "verification", "pending")

    queue = api.call("GET", "/admin/verifications", token=admin)
    expect_ids("GET /admin/verifications", queue, set(profile_ids.values()))
    for token in providers:
        decided = api.action(
            "/admin/verifications/{user_id}/approve", params={"user_id": profile_ids[token]}, token=admin
        )
        expect_field("approve verification", decided, "verification", "verified")
    decided = api.call(
        "POST",
        "/admin/verifications/{user_id}/reject",
        params={"user_id": profile_ids[customer]},
        token=admin,
        body={"reason": "the document is unreadable"},
    )
    expect_field("reject verification", decided, "verification", "rejected")

    start = date.today() + timedelta(days=7)
    task = api.call(
        "POST",
        "/tasks",
        token=customer,
        expect=201,
        body={
            "title": "Migrate nightly ETL to AWS Glue",
            "description": "Move our cron ETL to Glue jobs; milestones welcome.",
            "category": "data-engineering",
            "skills": ["python", "aws"],
            "budget": {"amount": 400000, "currency": "EUR"},
            "startDate": start.isoformat(),
            "dueDate": (start + timedelta(days=45)).isoformat(),
        },
    )
    expect_field("POST /tasks", task, "status", "draft")
    ids = {"task_id": task["id"]}
    api.call("PATCH", "/tasks/{task_id}", params=ids, token=customer, body={"title": "Migrate our ETL to AWS Glue"})
    moved = api.action("/tasks/{task_id}/submit", params=ids, token=customer)
    expect_field("submit task", moved, "status", "in_review")
    expect_ids("GET /admin/tasks", api.call("GET", "/admin/tasks", token=admin), {task["id"]})
    moved = api.call(
        "POST",
        "/admin/tasks/{task_id}/request-changes",
        params=ids,
        token=admin,
        body={"note": "add acceptance criteria"},
    )
    expect_field("request changes", moved, "status", "changes_requested")
    brief = files.upload(customer, "attachment", "brief.pdf")
    api.call(
        "PATCH",
        "/tasks/{task_id}",
        params=ids,
        token=customer,
        body={"attachments": [brief]},
        variant="(+1 attachment)",
    )
    api.action("/tasks/{task_id}/submit", params=ids, token=customer)
    moved = api.action("/admin/tasks/{task_id}/approve", params=ids, token=admin)
    expect_field("approve task", moved, "status", "open")

    expect_ids("GET /tasks", api.call("GET", "/tasks"), {task["id"]})
    expect_ids("GET /tasks?skill=", api.call("GET", "/tasks", query={"skill": "python"}), {task["id"]})
    expect_ids("GET /tasks?category=", api.call("GET", "/tasks", query={"category": "data-engineering"}), {task["id"]})
    expect_ids(
        "GET /tasks?category=&skill=",
        api.call("GET", "/tasks", query={"category": "data-engineering", "skill": "aws"}),
        {task["id"]},
    )
    api.call("GET", "/tasks/{task_id}", params=ids, variant="(anonymous)")
    api.call("GET", "/tasks/{task_id}", params=ids, token=customer, variant="(owner)")
    expect_ids("GET /me/tasks", api.call("GET", "/me/tasks", token=customer), {task["id"]})

    bid_ids: list[str] = []
    for number, (token, price) in enumerate(zip(providers, (400000, 350000, 300000), strict=True), start=1):
        first = price - SECOND_MILESTONE
        bid = api.call(
            "POST",
            "/tasks/{task_id}/bids",
            params=ids,
            token=token,
            expect=201,
            body={
                "price": {"amount": price, "currency": "EUR"},
                "proposal": f"Proposal {number}: Glue jobs with tests and a runbook.",
                "durationDays": 30,
                "milestones": [
                    {
                        "title": "Pipelines",
                        "amount": {"amount": first, "currency": "EUR"},
                        "dueDate": start.isoformat(),
                    },
                    {
                        "title": "Cut-over",
                        "amount": {"amount": SECOND_MILESTONE, "currency": "EUR"},
                        "dueDate": (start + timedelta(days=30)).isoformat(),
                    },
                ],
            },
        )
        expect_field("POST /tasks/{id}/bids", bid, "status", "submitted")
        bid_ids.append(bid["id"])

    ranked = api.call(
        "GET", "/tasks/{task_id}/bids", params=ids, query={"order": "match"}, token=customer, variant="(owner, 3 bids)"
    )
    expect_ids("GET /tasks/{id}/bids", ranked, set(bid_ids))
    own = api.call("GET", "/tasks/{task_id}/bids", params=ids, token=providers[0], variant="(provider: own bid)")
    expect_ids("GET /tasks/{id}/bids as provider", own, {bid_ids[0]})
    expect_ids("GET /me/bids", api.call("GET", "/me/bids", token=providers[0]), {bid_ids[0]})
    api.call("GET", "/bids/{bid_id}", params={"bid_id": bid_ids[0]}, token=providers[0])

    moved = api.action("/bids/{bid_id}/shortlist", params={"bid_id": bid_ids[0]}, token=customer)
    expect_field("shortlist", moved, "status", "shortlisted")
    moved = api.call(
        "PUT", "/bids/{bid_id}/remark", params={"bid_id": bid_ids[0]}, token=customer, body={"text": "strong fit"}
    )
    expect_field("remark", moved, "remark", "strong fit")
    moved = api.action("/bids/{bid_id}/reject", params={"bid_id": bid_ids[1]}, token=customer)
    expect_field("reject bid", moved, "status", "rejected")
    moved = api.action("/bids/{bid_id}/withdraw", params={"bid_id": bid_ids[2]}, token=providers[2])
    expect_field("withdraw bid", moved, "status", "withdrawn")

    api.call("GET", "/me", token=customer)
    api.call("GET", "/me", token=providers[0])
    card = api.call("GET", "/providers/{provider_id}", params={"provider_id": profile_ids[providers[0]]})
    expect_field("GET /providers/{id}", card, "id", profile_ids[providers[0]])
    return Market(admin, customer, providers, profile_ids, task["id"], bid_ids)


# --------------------------------------------------------------------------------------------
# The escrow workflow's consumers (scripts/pump.py, in this process)


@dataclass
class Tally:
    label: str
    samples: list[Sample] = field(default_factory=list)


CONSUMER_LABELS = {
    "tasklane-notifications": "notification",
    "tasklane-metrics": "metrics",
    "tasklane-payouts": "payout job",
}


class Consumers:
    """Meters the local pump apart from the requests.

    Each message's handler (on AWS, the SQS-triggered consumer Lambda) is a window of its
    own, tallied by message kind; the pump's receive/delete calls (on AWS, Lambda's event
    source mapping, not the function) are tallied as polling.
    """

    def __init__(self, meter: Meter, pump: Any) -> None:
        self.meter = meter
        self.pump = pump
        self.tallies: dict[str, Tally] = {}
        self.handled: list[Sample] = []  # every handler window, in order
        self.polling: list[Sample] = []
        self.failures: list[str] = []
        for queue, handler in list(pump.ROUTES.items()):
            pump.ROUTES[queue] = self._metered(queue, handler)

    def _metered(self, queue: str, handler: Any) -> Any:
        def metered(body: dict[str, Any]) -> Any:
            if "wait" in body:
                kind = f"milestone callback: wait={body['wait']}"
            else:
                consumer = CONSUMER_LABELS.get(queue, queue)
                kind = f"{consumer}: {body.get('detail-type', '?')}"
            outcome = "FAILED"
            with self.meter.measure() as sample:
                try:
                    result = handler(body)
                    outcome = str(result) if "wait" in body else ""
                except Exception as error:
                    self.failures.append(f"{queue} handler on {json.dumps(body)[:400]}: {error!r}")
                    raise
                finally:
                    label = f"{kind} -> {outcome}" if outcome else kind
                    self.tallies.setdefault(label, Tally(label)).samples.append(sample)
                    self.handled.append(sample)
            return result

        return metered

    def settle(self) -> None:
        with self.meter.measure() as sample:
            self.pump.quiesce()
        self.polling.append(sample)

    def drain(self) -> None:
        with self.meter.measure() as sample:
            self.pump.drain()
        self.polling.append(sample)


def merged(samples: list[Sample]) -> Sample:
    total = Sample()
    for sample in samples:
        total.calls.update(sample.calls)
        total.jwks_fetches += sample.jwks_fetches
        total.pynamodb_dispatches += sample.pynamodb_dispatches
        total.nested_botocore += sample.nested_botocore
    return total


# --------------------------------------------------------------------------------------------
# The contract: award to the last review, over the API, with the workflow running on moto


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


def walk_contract(api: Api, files: Files, consumers: Consumers, market: Market) -> dict[str, Any]:
    """Award, sign, deposit, fund both milestones, deliver, revise, accept, dispute, resolve, review.

    The pump settles after every step that makes the workflow or the notifications talk.
    Returns where the contract's requests and consumer windows sit in the logs.
    """
    from chalicelib.domain.commission import commission

    admin, customer, provider = market.admin, market.customer, market.providers[0]
    customer_id = market.profile_ids[customer]

    # Before the award: the customer was rejected above and awards need a verified owner.
    document = files.upload(customer, "verification", "registration-v2.pdf")
    sent = api.call(
        "POST",
        "/me/verification",
        token=customer,
        body={"legalName": "Bench Robotics GmbH", "documents": [document]},
        variant="(resubmitted)",
    )
    expect_field("resubmit verification", sent, "verification", "pending")
    decided = api.action(
        "/admin/verifications/{user_id}/approve",
        params={"user_id": customer_id},
        token=admin,
        variant="(customer, resubmitted)",
    )
    expect_field("approve customer", decided, "verification", "verified")
    settings = api.call("GET", "/admin/settings", token=admin)
    commission_settings = settings["commission"]
    put = api.call(
        "PUT",
        "/admin/settings/commission",
        token=admin,
        body={
            "defaultBps": commission_settings["defaultBps"],
            "overrides": commission_settings["overrides"],
            "version": commission_settings["version"],
        },
        variant="(unchanged values)",
    )
    api.check(
        put["commission"] == commission_settings | {"version": commission_settings["version"] + 1},
        f"PUT /admin/settings/commission answered {put}, GET had {settings}",
    )

    first_request, first_message = len(api.log), len(consumers.handled)
    first_polling = len(consumers.polling)

    contract = api.call(
        "POST", "/bids/{bid_id}/award", params={"bid_id": market.bid_ids[0]}, token=customer, expect=201
    )
    expect_field("award", contract, "status", "draft")
    cid = contract["id"]
    bps = int(contract["commissionBps"])
    amounts = [m["amount"]["amount"] for m in contract["milestones"]]
    if len(amounts) != 2 or amounts[1] != SECOND_MILESTONE:
        raise FlowError(f"award: expected two milestones, the second {SECOND_MILESTONE}; got {amounts}")
    m1, m2 = (m["id"] for m in contract["milestones"])
    consumers.settle()

    ids = {"contract_id": cid}
    api.action("/contracts/{contract_id}/sign", params=ids, token=customer, variant="(customer)")
    signed = api.action("/contracts/{contract_id}/sign", params=ids, token=provider, variant="(provider: activates)")
    expect_field("both signed", signed, "status", "active")
    consumers.settle()

    total = sum(amounts)
    key = {"Idempotency-Key": f"bench-deposit-{cid}"}
    deposit = {"amount": money(total)}
    first = api.call("POST", "/me/deposits", token=customer, body=deposit, headers=key, expect=201)
    expect_field("deposit", first, "status", "succeeded")
    replay = api.call("POST", "/me/deposits", token=customer, body=deposit, headers=key, expect=201, variant="(replay)")
    api.check(replay == first, f"POST /me/deposits replay answered {replay}, the first answer was {first}")
    consumers.settle()

    def milestone_action(action: str, milestone: str, token: str, body: Any, status: str, variant: str = "") -> Any:
        route = "/contracts/{contract_id}/milestones/{milestone_id}/" + action
        params = {"contract_id": cid, "milestone_id": milestone}
        if body is None:
            moved = api.action(route, params=params, token=token, variant=variant)
        else:
            moved = api.call("POST", route, params=params, token=token, body=body, variant=variant)
        expect_field(f"{action} milestone", moved, "status", status)
        consumers.settle()
        return moved

    for milestone in (m1, m2):
        milestone_action("fund", milestone, customer, {"source": "wallet"}, "funded")

    v1 = files.upload(provider, "deliverable", "pipelines-v1.pdf")
    milestone_action("submit", m1, provider, {"uploads": [v1], "note": "v1"}, "under_review")
    milestone_action("request-revision", m1, customer, {"reason": "add tests for the joins"}, "revision_requested")
    v2 = files.upload(provider, "deliverable", "pipelines-v2.pdf")
    milestone_action("submit", m1, provider, {"uploads": [v2], "note": "v2 with tests"}, "under_review", "(resubmit)")
    milestone_action("accept", m1, customer, None, "released")

    v3 = files.upload(provider, "deliverable", "cut-over.pdf")
    milestone_action("submit", m2, provider, {"uploads": [v3]}, "under_review")
    milestone_action("dispute", m2, customer, {"reason": "the cut-over is half done"}, "disputed")
    queue = api.call("GET", "/admin/disputes", token=admin)
    expect_ids("GET /admin/disputes", queue, {m2})
    resolved = api.call(
        "POST",
        "/admin/disputes/{contract_id}/{milestone_id}/resolve",
        params={"contract_id": cid, "milestone_id": m2},
        token=admin,
        body={"releaseAmount": money(100000), "refundAmount": money(50000), "note": "half of the cut-over is done"},
    )
    expect_field("resolve", resolved, "status", "resolved")
    consumers.settle()

    for token, rating, variant in ((customer, 4, "(customer)"), (provider, 5, "(provider)")):
        api.call(
            "POST",
            "/contracts/{contract_id}/reviews",
            params=ids,
            token=token,
            body={"rating": rating, "text": "Clear scope, fair dispute."},
            expect=201,
            variant=variant,
        )
        consumers.settle()
    last_request = len(api.log)

    # Reads after the contract.
    done = api.call("GET", "/contracts/{contract_id}", params=ids, token=customer)
    expect_field("GET /contracts/{id}", done, "status", "completed")
    api.check(
        done["escrow"]["held"]["amount"] == 0, f"GET /contracts/{{id}}: escrow still holds {done['escrow']['held']}"
    )
    mine = api.call("GET", "/me/contracts", token=provider)
    expect_ids("GET /me/contracts", mine, {cid})

    expected = {
        customer: 50000,  # deposited the contract's total, funded both milestones, 50000 refunded
        provider: amounts[0] - commission(amounts[0], bps) + 100000 - commission(100000, bps),
    }
    for token, who in ((customer, "(customer)"), (provider, "(provider)")):
        balances = api.call("GET", "/me/wallet", token=token, variant=who)["balances"]
        available = {b["currency"]: b["available"]["amount"] for b in balances}
        api.check(
            available.get("EUR") == expected[token],
            f"GET /me/wallet {who}: available {available}, expected EUR {expected[token]} at {bps} bps",
        )
    for token, who in ((customer, "(customer)"), (provider, "(provider)")):
        entries = api.call("GET", "/me/ledger", token=token, variant=who)["items"]
        api.check(bool(entries), f"GET /me/ledger {who}: no entries")
    inbox = api.call("GET", "/me/notifications", token=customer)["items"]
    api.check(bool(inbox), "GET /me/notifications (customer): the inbox is empty")
    link = api.call(
        "GET",
        "/contracts/{contract_id}/milestones/{milestone_id}/deliverables/{upload_id}",
        params={"contract_id": cid, "milestone_id": m1, "upload_id": v2},
        token=customer,
    )
    try:
        with urllib.request.urlopen(link["url"], timeout=10) as response:  # noqa: S310 (moto's endpoint)
            body = response.read()
        api.check(body == PDF, f"deliverable download: got {body[:60]!r}, not the uploaded file")
    except OSError as error:
        api.findings.append(f"deliverable download {link['url'][:120]}: {error!r}")

    return {
        "contractId": cid,
        "milestones": [m1, m2],
        "amounts": amounts,
        "commissionBps": bps,
        "requests": (first_request, last_request),
        "messages_from": first_message,
        "polling_from": first_polling,
        "inbox": len(inbox),
    }


def walk_money_out(api: Api, consumers: Consumers, market: Market) -> None:
    """Payments and withdrawals on the sandbox gateway: a card deposit read back and partly refunded,
    the provider's payout account, one withdrawal approved and paid by the payout job, one rejected,
    and a webhook with a bad signature (refused before anything is read).
    """
    admin, customer, provider = market.admin, market.customer, market.providers[0]
    deposit = api.call(
        "POST",
        "/me/deposits",
        token=customer,
        body={"amount": money(30000)},
        headers={"Idempotency-Key": "bench-deposit-refund"},
        expect=201,
        variant="(to refund)",
    )
    consumers.settle()
    payment = api.call("GET", "/payments/{payment_id}", params={"payment_id": deposit["id"]}, token=customer)
    expect_field("GET /payments/{id}", payment, "status", "succeeded")
    refunded = api.call(
        "POST",
        "/payments/{payment_id}/refund",
        params={"payment_id": deposit["id"]},
        token=customer,
        body={"amount": money(10000)},
        headers={"Idempotency-Key": "bench-refund"},
    )
    api.check(
        refunded.get("refunded") == money(10000), f"POST /payments/{{id}}/refund: {refunded.get('refunded')} refunded"
    )
    consumers.settle()

    account = api.call("POST", "/me/payouts/onboarding", token=provider)
    api.check(bool(account.get("payoutsEnabled")), f"POST /me/payouts/onboarding: {account}")
    paid_out, rejected = (
        api.call(
            "POST",
            "/me/withdrawals",
            token=provider,
            body={"amount": money(amount)},
            headers={"Idempotency-Key": f"bench-withdrawal-{amount}"},
            expect=201,
            variant=variant,
        )
        for amount, variant in ((20000, "(to approve)"), (5000, "(to reject)"))
    )
    consumers.settle()
    queue = api.call("GET", "/admin/withdrawals", query={"status": "requested"}, token=admin)
    expect_ids("GET /admin/withdrawals", queue, {paid_out["id"], rejected["id"]})
    approved = api.call(
        "POST", "/admin/withdrawals/{withdrawal_id}/approve", params={"withdrawal_id": paid_out["id"]}, token=admin
    )
    expect_field("approve withdrawal", approved, "status", "approved")
    consumers.settle()  # the payout job: the sandbox pays at once
    refused = api.call(
        "POST",
        "/admin/withdrawals/{withdrawal_id}/reject",
        params={"withdrawal_id": rejected["id"]},
        token=admin,
        body={"reason": "bench: checking the source of funds"},
    )
    expect_field("reject withdrawal", refused, "status", "rejected")
    consumers.settle()
    mine = {w["id"]: w["status"] for w in api.call("GET", "/me/withdrawals", token=provider)["items"]}
    api.check(
        mine.get(paid_out["id"]) == "paid" and mine.get(rejected["id"]) == "rejected",
        f"GET /me/withdrawals: {mine}",
    )
    api.call(
        "POST",
        "/webhooks/stripe",
        body={"id": "evt_bench", "type": "payment_intent.succeeded"},
        headers={"Stripe-Signature": "t=1,v1=bad"},
        expect=400,
        variant="(bad signature)",
    )


DEAL_PRICE, COUNTERED = 300000, 270000  # three 100000 milestones; the counter takes 30000 off the last one
PDF_ACCEPT = {"Accept": "application/pdf"}  # API Gateway answers binary only to a client that accepts it


def walk_deals(api: Api, files: Files, consumers: Consumers, market: Market) -> None:
    """Deals that change and end (issue 15), with the market walk's users.

    The taxonomy and a ticket; a task cancelled with a live bid; a second task whose bid is edited, countered
    and accepted, then awarded at the countered price. That contract's document is downloaded before the
    signatures (the first render) and after an accepted amendment (stored at the accept); a second amendment
    is rejected; a bonus is paid; a funded milestone is disputed for non-delivery, the provider adds
    evidence (the customer opens its link) and an admin splits it; a second funded milestone is refunded by
    a termination one party proposes and the other agrees to. Checked: the countered price, the document's
    hash against the signatures, and the money (both wallets, read from the ledger outside the metered
    windows).
    """
    from chalicelib.adapters import ledger_repo
    from chalicelib.domain import ledger
    from chalicelib.domain.commission import commission

    admin, customer, provider, other = market.admin, market.customer, market.providers[0], market.providers[1]
    customer_id, provider_id = market.profile_ids[customer], market.profile_ids[provider]

    # --- taxonomy and tickets
    lists = api.call("GET", "/taxonomy")
    edited = {name: lists[name] for name in ("categories", "skills", "languages")}
    edited["skills"] = [*edited["skills"], {"slug": "aws-glue", "name": "AWS Glue"}]
    saved = api.call("PUT", "/admin/taxonomy", token=admin, body=edited | {"version": lists["version"]})
    expect_field("PUT /admin/taxonomy", saved, "version", lists["version"] + 1)
    ticket = api.call(
        "POST", "/tickets", token=customer, body={"kind": "new_skill", "text": "dbt is missing"}, expect=201
    )
    expect_ids("GET /me/tickets", api.call("GET", "/me/tickets", token=customer), {ticket["id"]})
    expect_ids("GET /admin/tickets", api.call("GET", "/admin/tickets", token=admin), {ticket["id"]})
    resolved = api.call(
        "POST",
        "/admin/tickets/{ticket_id}/resolve",
        params={"ticket_id": ticket["id"]},
        token=admin,
        body={"note": "added", "addTo": {"list": "skills", "slug": "dbt", "name": "dbt"}},
        variant="(adds a skill)",
    )
    expect_field("resolve ticket", resolved, "status", "resolved")
    consumers.settle()

    # --- two open tasks: one is cancelled with a live bid, one is negotiated and awarded
    start = date.today() + timedelta(days=7)

    def open_task(title: str) -> str:
        task = api.call(
            "POST",
            "/tasks",
            token=customer,
            expect=201,
            body={
                "title": title,
                "description": "Glue jobs, tests and a runbook.",
                "category": "data-engineering",
                "skills": ["python", "aws"],
                "budget": money(DEAL_PRICE),
                "startDate": start.isoformat(),
                "dueDate": (start + timedelta(days=60)).isoformat(),
            },
        )
        api.action("/tasks/{task_id}/submit", params={"task_id": task["id"]}, token=customer)
        moved = api.action("/admin/tasks/{task_id}/approve", params={"task_id": task["id"]}, token=admin)
        expect_field("approve task", moved, "status", "open")
        task_id: str = task["id"]
        return task_id

    def bid(task_id: str, token: str) -> str:
        placed = api.call(
            "POST",
            "/tasks/{task_id}/bids",
            params={"task_id": task_id},
            token=token,
            expect=201,
            body={
                "price": money(DEAL_PRICE),
                "proposal": "Three milestones: pipelines, cut-over, runbook.",
                "durationDays": 45,
                "milestones": [
                    {
                        "title": title,
                        "amount": money(DEAL_PRICE // 3),
                        "dueDate": (start + timedelta(days=15 * number)).isoformat(),
                    }
                    for number, title in enumerate(("Pipelines", "Cut-over", "Hand-over"), start=1)
                ],
            },
        )
        bid_id: str = placed["id"]
        return bid_id

    doomed = open_task("Archive the old cron ETL")
    bid(doomed, other)
    cancelled = api.action(
        "/tasks/{task_id}/cancel", params={"task_id": doomed}, token=customer, variant="(open, 1 live bid)"
    )
    expect_field("cancel task", cancelled, "status", "cancelled")
    consumers.settle()

    task_id = open_task("Second Glue migration")
    bid_id = bid(task_id, provider)
    ids = {"bid_id": bid_id}
    revised = api.call(
        "PATCH", "/bids/{bid_id}", params=ids, token=provider, body={"proposal": "With a runbook review."}
    )
    expect_field("PATCH /bids/{id}", revised, "proposal", "With a runbook review.")
    countered = api.call(
        "POST",
        "/bids/{bid_id}/counter",
        params=ids,
        token=customer,
        body={"price": money(COUNTERED), "note": "our budget is tighter"},
    )
    api.check(bool(countered.get("counterOffer")), f"POST /bids/{{id}}/counter: no counterOffer in {countered}")
    taken = api.action("/bids/{bid_id}/counter/accept", params=ids, token=provider)
    api.check(taken["price"] == money(COUNTERED), f"counter accepted: the bid's price is {taken['price']}")
    consumers.settle()
    contract = api.call("POST", "/bids/{bid_id}/award", params=ids, token=customer, expect=201)
    api.check(
        contract["total"] == money(COUNTERED),
        f"award after the counter: total {contract.get('total')}, expected {COUNTERED}",
    )
    cid = contract["id"]
    m1, m2, m3 = (m["id"] for m in contract["milestones"])
    consumers.settle()

    # --- the document before anyone signs (rendered now), the signatures record its hash
    cids = {"contract_id": cid}
    headers, pdf = api.call(
        "GET",
        "/contracts/{contract_id}/document",
        params=cids,
        token=customer,
        binary=True,
        headers=PDF_ACCEPT,
        variant="(first render)",
    )
    sha = headers.get("X-Document-SHA256") or headers.get("x-document-sha256")
    api.check(pdf[:5] == b"%PDF-" and sha == hashlib.sha256(pdf).hexdigest(), f"document: header sha {sha}")
    api.action("/contracts/{contract_id}/sign", params=cids, token=customer, variant="(customer, document stored)")
    signed = api.action("/contracts/{contract_id}/sign", params=cids, token=provider, variant="(provider: activates)")
    expect_field("both signed", signed, "status", "active")
    hashes = {role: s.get("documentSha256") for role, s in signed["signatures"].items()}
    api.check(set(hashes.values()) == {sha}, f"signatures record {hashes}, the document's SHA-256 is {sha}")
    consumers.settle()

    # --- amendments: the customer adds a milestone (accepted), the provider's change is rejected
    route = "/contracts/{contract_id}/amendments"
    added = api.call(
        "POST",
        route,
        params=cids,
        token=customer,
        expect=201,
        body={
            "reason": "a runbook review",
            "changes": [
                {
                    "op": "add",
                    "title": "Runbook review",
                    "amount": money(20000),
                    "dueDate": (start + timedelta(days=50)).isoformat(),
                }
            ],
        },
    )
    decided = api.action(route + "/{amendment_id}/accept", params=cids | {"amendment_id": added["id"]}, token=provider)
    expect_field("accept amendment", decided, "status", "accepted")
    consumers.settle()
    change = {"op": "change", "milestoneId": m3, "amount": money(90000)}
    asked = api.call(
        "POST",
        route,
        params=cids,
        token=provider,
        expect=201,
        body={"reason": "more for the hand-over", "changes": [change]},
    )
    decided = api.action(route + "/{amendment_id}/reject", params=cids | {"amendment_id": asked["id"]}, token=customer)
    expect_field("reject amendment", decided, "status", "rejected")
    consumers.settle()
    listed = api.call("GET", route, params=cids, token=provider)
    expect_ids("GET /contracts/{id}/amendments", listed, {added["id"], asked["id"]})
    headers, pdf = api.call(
        "GET",
        "/contracts/{contract_id}/document",
        params=cids,
        token=provider,
        binary=True,
        headers=PDF_ACCEPT,
        variant="(stored)",
    )
    version = headers.get("X-Document-Version") or headers.get("x-document-version")
    api.check(version == "2" and pdf[:5] == b"%PDF-", f"document after the amendment: version {version}")

    # --- money: a deposit, a bonus, a non-delivery dispute split by an admin, a termination refund
    wallet = {who: ledger.wallet(who) for who in (customer_id, provider_id)}
    before = {who: ledger_repo.balance(account, "EUR") for who, account in wallet.items()}
    deposit = 250000
    api.call(
        "POST",
        "/me/deposits",
        token=customer,
        body={"amount": money(deposit)},
        headers={"Idempotency-Key": f"bench-deposit-{cid}"},
        expect=201,
    )
    consumers.settle()
    bonus = 10000
    paid = api.call(
        "POST", "/contracts/{contract_id}/bonus", params=cids, token=customer, body={"amount": money(bonus)}, expect=201
    )
    bps = int(contract["commissionBps"])
    api.check(paid["net"] == money(bonus - commission(bonus, bps)), f"bonus: {paid}")
    consumers.settle()

    def milestone_route(action: str) -> str:
        return "/contracts/{contract_id}/milestones/{milestone_id}/" + action

    for milestone in (m1, m2):
        funded = api.call(
            "POST",
            milestone_route("fund"),
            params=cids | {"milestone_id": milestone},
            token=customer,
            body={"source": "wallet"},
        )
        expect_field("fund", funded, "status", "funded")
        consumers.settle()
    on_m1 = cids | {"milestone_id": m1}
    disputed = api.call(
        "POST",
        milestone_route("dispute"),
        params=on_m1,
        token=customer,
        body={"reason": "nothing delivered a week after the due date"},
        variant="(non-delivery)",
    )
    expect_field("non-delivery dispute", disputed, "status", "disputed")
    consumers.settle()
    proof = files.upload(provider, "evidence", "draft-pipelines.pdf")
    api.call(
        "POST",
        milestone_route("evidence"),
        params=on_m1,
        token=provider,
        body={"note": "a draft was sent by mail", "uploads": [proof]},
    )
    consumers.settle()
    link = api.call("GET", milestone_route("evidence/{upload_id}"), params=on_m1 | {"upload_id": proof}, token=customer)
    api.check(bool(link.get("url")), f"GET evidence link: {link}")
    release, refund = 20000, DEAL_PRICE // 3 - 20000
    split = api.call(
        "POST",
        "/admin/disputes/{contract_id}/{milestone_id}/resolve",
        params=on_m1,
        token=admin,
        body={"releaseAmount": money(release), "refundAmount": money(refund), "note": "a draft was delivered"},
    )
    expect_field("resolve non-delivery", split, "status", "resolved")
    consumers.settle()

    route = "/contracts/{contract_id}/terminate"
    proposed = api.call(
        "POST", route, params=cids, token=provider, body={"reason": "the customer changed plans"}, variant="(propose)"
    )
    api.check(
        (proposed.get("termination") or {}).get("status") == "proposed", f"propose: {proposed.get('termination')}"
    )
    consumers.settle()
    queue = api.call("GET", "/admin/terminations", token=admin)
    api.check(cid in {t["contractId"] for t in queue["items"]}, f"GET /admin/terminations: {queue['items']}")
    ended = api.call("POST", route, params=cids, token=customer, body={}, variant="(agree)")
    expect_field("terminate", ended, "status", "terminated")
    statuses = {m["id"]: m["status"] for m in ended["milestones"]}
    api.check(statuses.get(m2) == "refunded" and statuses.get(m3) == "cancelled", f"terminated: {statuses}")
    consumers.settle()

    after = {who: ledger_repo.balance(account, "EUR") for who, account in wallet.items()}
    expected = {
        customer_id: before[customer_id] + deposit - bonus - release,  # m1 split, m2 back in full
        provider_id: before[provider_id] + bonus - commission(bonus, bps) + release - commission(release, bps),
    }
    api.check(after == expected, f"deal money: wallets {after}, expected {expected} at {bps} bps")
    for execution in wait_and_read_workflows(consumers, {"contractId": cid, "milestones": [m1, m2]}):
        api.check(execution["status"] == "SUCCEEDED", f"deal execution {execution['executionArn']}: {execution}")


def wait_and_read_workflows(
    consumers: Consumers, contract: dict[str, Any], seconds: float = 20
) -> list[dict[str, Any]]:
    """Both executions to SUCCEEDED (draining the pump meanwhile), then their entered states."""
    from chalicelib.adapters import workflow
    from chalicelib.services.escrow import execution_arn

    arns = [execution_arn(contract["contractId"], m) for m in contract["milestones"]]
    deadline = time.monotonic() + seconds
    statuses = {arn: workflow.status(arn) for arn in arns}
    while time.monotonic() < deadline and any(s == "RUNNING" for s in statuses.values()):
        consumers.drain()
        time.sleep(0.2)
        statuses = {arn: workflow.status(arn) for arn in arns}
    executions = []
    for milestone, arn in zip(contract["milestones"], arns, strict=True):
        events = workflow.history(arn)
        states = [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]
        executions.append(
            {
                "milestoneId": milestone,
                "executionArn": arn,
                "status": statuses[arn],
                "historyEvents": len(events),
                "stateTransitions": len(states),
                "states": states,
            }
        )
    return executions


def measure_calls() -> dict[str, Any]:
    import logging

    import requests
    from moto.server import ThreadedMotoServer

    from infra.moto_dynamodb import install

    install()  # as the local stack runs it: DynamoDB's transaction guarantees (infra/moto_dynamodb.py)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request log

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        # moto's Step Functions interpreter calls its service integrations (sqs:sendMessage)
        # at http://localhost:$MOTO_PORT (default 5000), from the server's own threads.
        os.environ["MOTO_PORT"] = str(port)
        requests.post(
            f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10
        ).raise_for_status()

        from infra.local import provision

        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        env = provision(url)
        os.environ.update(env)  # before any chalicelib import: settings are read once
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # keep the app's INFO lines out of the table

        import boto3

        def bench_client(service: str) -> Any:
            return boto3.client(service, region_name=env["AWS_REGION"], endpoint_url=url)

        meter = Meter()
        meter.install()

        from chalice.test import Client

        import app
        from chalicelib.handlers.http import ROUTES
        from scripts import pump

        users = Users(bench_client("cognito-idp"), env["USER_POOL_ID"], env["USER_POOL_CLIENT_ID"])
        consumers = Consumers(meter, pump)
        with Client(app.app, stage_name="local", project_dir=str(ROOT)) as client:
            api = Api(client, meter)
            files = Files(api, bench_client("s3"), env["BUCKET_NAME"])
            market = walk(api, users, files)
            contract = walk_contract(api, files, consumers, market)
            executions = wait_and_read_workflows(consumers, contract)
            walk_money_out(api, consumers, market)
            walk_deals(api, files, consumers, market)
    finally:
        server.stop()

    for execution in executions:
        api.check(
            execution["status"] == "SUCCEEDED",
            f"execution {execution['executionArn']}: {execution['status']} after the wait, "
            f"states {execution['states']}",
        )
    api.findings += [f"consumer failed: {failure}" for failure in consumers.failures]

    rows = list(api.rows.values())
    measured = {(r.method, r.route) for r in rows}
    unmeasured = sorted(f"{r.method} {r.path}" for r in ROUTES if (r.method, r.path) not in measured)
    samples = [s for r in rows for s in r.samples]
    ratio = walk_ratio(rows)
    api.findings += [f"no minimum declared for {label} in bench/minimum.py" for label in ratio["undeclared"]]
    return {
        "rows": rows,
        "walk": ratio,
        "unmeasured": unmeasured,
        "jwks_warmup_fetches": meter.jwks_fetches_outside,
        "jwks_request_fetches": sum(s.jwks_fetches for s in samples),
        "pynamodb_dispatches": sum(s.pynamodb_dispatches for s in samples),
        "nested_botocore": sum(s.nested_botocore for s in samples),
        "requests": len(samples),
        "deviations": api.deviations,
        "findings": api.findings,
        "consumers": consumers,
        "contract": contract_summary(api, consumers, contract, executions),
    }


def contract_summary(
    api: Api, consumers: Consumers, contract: dict[str, Any], executions: list[dict[str, Any]]
) -> dict[str, Any]:
    start, end = contract["requests"]
    requests = [sample for _, sample in api.log[start:end]]
    handled = consumers.handled[contract["messages_from"] :]
    polling = consumers.polling[contract["polling_from"] :]
    request_calls, consumer_calls, polling_calls = merged(requests), merged(handled), merged(polling)
    return {
        "contractId": contract["contractId"],
        "milestoneAmounts": contract["amounts"],
        "commissionBps": contract["commissionBps"],
        "firstRequest": api.log[start][0],
        "lastRequest": api.log[end - 1][0],
        "requests": len(requests),
        "requestCalls": request_calls.total,
        "requestBreakdown": dict(sorted(request_calls.calls.items())),
        "consumerMessages": len(handled),
        "consumerCalls": consumer_calls.total,
        "consumerBreakdown": dict(sorted(consumer_calls.calls.items())),
        "awsCalls": request_calls.total + consumer_calls.total,
        "pumpPollingCalls": polling_calls.total,
        "pumpPollingBreakdown": dict(sorted(polling_calls.calls.items())),
        "executions": executions,
        "stateTransitions": sum(e["stateTransitions"] for e in executions),
    }


# --------------------------------------------------------------------------------------------
# Cold start


def measure_cold_start(runs: int = COLD_START_RUNS) -> dict[str, Any]:
    venv_python = ROOT / ".venv" / "bin" / "python"
    python = str(venv_python) if venv_python.exists() else sys.executable
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("PYTHONPATH", None)
    programs = {"app": "import app", "baseline": "import chalice, boto3"}
    times: dict[str, list[float]] = {name: [] for name in programs}
    for run in range(runs):
        order = list(programs) if run % 2 == 0 else list(reversed(programs))
        for name in order:
            started = time.perf_counter()
            done = subprocess.run(
                [python, "-c", programs[name]], cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise FlowError(f"python -c {programs[name]!r} failed:\n{done.stderr[-2000:]}")
            times[name].append(elapsed)
    app_ms, base_ms = min(times["app"]) * 1000, min(times["baseline"]) * 1000
    return {
        "runs": runs,
        "importAppMinMs": round(app_ms, 1),
        "importChaliceBoto3MinMs": round(base_ms, 1),
        "ratio": round(app_ms / base_ms, 2),
        "target": COLD_START_TARGET,
        "withinTarget": app_ms / base_ms <= COLD_START_TARGET,
        "samplesMs": {name: [round(t * 1000, 1) for t in values] for name, values in times.items()},
    }


# --------------------------------------------------------------------------------------------
# The cold path and the Lambda package (issue 14, item 5): apart from the figures above


def measure_lean_path() -> dict[str, Any]:
    """Print the cold path (fresh processes, ours / bare) and the package size; their JSON sections."""
    cold_path = measure_cold_path()
    print_cold_path(cold_path)
    print()
    package = measure_package()
    print_package(package)
    return {"coldPath": cold_path, "lambdaPackage": package.as_json()}


# --------------------------------------------------------------------------------------------
# Output


def breakdown(sample: Sample) -> str:
    text = " ".join(f"{name}{TIMES}{count}" for name, count in sorted(sample.calls.items())) or "—"
    if sample.jwks_fetches:
        text += f"  (+ JWKS GET{TIMES}{sample.jwks_fetches}, not AWS)"
    return text


def distinct(row: Row | Tally) -> list[Sample]:
    seen: list[Sample] = []
    for sample in row.samples:
        if not any(s.calls == sample.calls and s.jwks_fetches == sample.jwks_fetches for s in seen):
            seen.append(sample)
    return seen


def print_table(title: str, heading: str, rows: list[Row] | list[Tally], with_minimum: bool = False) -> None:
    """One line per distinct sample of each row; `with_minimum` adds the declared minimum (bench/minimum.py)."""
    label_width = max(len(heading), *(len(r.label) for r in rows))
    calls_width = max(len(breakdown(s)) for r in rows for s in r.samples)
    print(title)
    extra = "    min" if with_minimum else ""
    print(f"{heading:<{label_width}}  {'runs':>4}  {'calls':<{calls_width}}  total{extra}")
    print("-" * (label_width + calls_width + 17 + len(extra)))
    for row in rows:
        variants = distinct(row)
        for index, sample in enumerate(variants):
            label = row.label if index == 0 else "  (another run)"
            runs = str(len(row.samples)) if index == 0 else ""
            line = f"{label:<{label_width}}  {runs:>4}  {breakdown(sample):<{calls_width}}  {sample.total:>5}"
            if with_minimum and index == 0:
                declared = MINIMUM.get(row.label)
                line += f"  {declared.calls if declared else '?':>5}"
            print(line)


def walk_ratio(rows: list[Row]) -> dict[str, Any]:
    """Every request of the walk against its declared minimum: the totals, their ratio and what is over."""
    measured = sum(s.total for r in rows for s in r.samples)
    declared = {r.label: MINIMUM[r.label] for r in rows if r.label in MINIMUM}
    minimum = sum(declared[r.label].calls * len(r.samples) for r in rows if r.label in declared)
    over = [
        {
            "operation": r.label,
            "measured": max(s.total for s in r.samples),
            "minimum": declared[r.label].calls,
            "reason": declared[r.label].reason,
        }
        for r in rows
        if r.label in declared and max(s.total for s in r.samples) > declared[r.label].calls
    ]
    return {
        "measured": measured,
        "minimum": minimum,
        "ratio": round(measured / minimum, 3) if minimum else None,
        "target": TARGET,
        "withinTarget": bool(minimum) and measured <= TARGET * minimum,
        "undeclared": [r.label for r in rows if r.label not in declared],
        "overMinimum": over,
    }


def print_walk_ratio(walk: dict[str, Any]) -> None:
    verdict = "ok" if walk["withinTarget"] else "OVER TARGET"
    print(
        f"The walk: {walk['measured']} AWS calls measured, {walk['minimum']} the minimum (bench/minimum.py): "
        f"ratio {walk['ratio']}{TIMES}, target ≤ {walk['target']}{TIMES}: {verdict}"
    )
    if walk["overMinimum"]:
        print("Over their minimum (measured / minimum: what the minimum is):")
        width = max(len(o["operation"]) for o in walk["overMinimum"])
        for o in walk["overMinimum"]:
            print(f"  {o['operation']:<{width}}  {o['measured']:>2} / {o['minimum']:<2} {o['reason']}")
    for label in walk["undeclared"]:
        print(f"NO MINIMUM DECLARED for {label} (bench/minimum.py)")


def calls_text(calls: dict[str, int]) -> str:
    return " ".join(f"{name}{TIMES}{count}" for name, count in sorted(calls.items())) or "—"


def print_calls(result: dict[str, Any]) -> None:
    print_table(
        "AWS calls per request (botocore + PynamoDB, counted inside the request only; min: bench/minimum.py)",
        "operation",
        result["rows"],
        with_minimum=True,
    )
    print()
    print_walk_ratio(result["walk"])
    print()
    print(
        f"{result['requests']} requests. JWKS: fetched {result['jwks_warmup_fetches']}{TIMES} while warming the cache "
        f"before the first request, {result['jwks_request_fetches']}{TIMES} inside requests."
    )
    print(
        f"PynamoDB: {result['pynamodb_dispatches']} dispatches counted as dynamodb.*; "
        f"{result['nested_botocore']} botocore calls under them not counted again."
    )
    for deviation in result["deviations"]:
        print(f"CONTRACT DEVIATION: {deviation}")
    if result["unmeasured"]:
        print("Routes not exercised by the bench: " + ", ".join(result["unmeasured"]))
    else:
        print("Every registered route was exercised.")


def print_consumers(result: dict[str, Any]) -> None:
    consumers: Consumers = result["consumers"]
    print_table(
        "Workflow consumers (pump): AWS calls per message handled, outside every request",
        "message -> outcome",
        list(consumers.tallies.values()),
    )
    handled, polling = merged(consumers.handled), merged(consumers.polling)
    print()
    print(
        f"workflow consumers (pump): {len(consumers.handled)} messages, {handled.total} AWS calls: "
        f"{calls_text(handled.calls)}"
    )
    print(
        f"pump polling (Lambda's SQS event source mapping on AWS, not the consumers): {polling.total} calls: "
        f"{calls_text(polling.calls)}"
    )


def print_contract(summary: dict[str, Any]) -> None:
    amounts = " + ".join(str(a) for a in summary["milestoneAmounts"])
    print(f"Whole two-milestone contract ({amounts} EUR minor units, commission {summary['commissionBps']} bps)")
    print(
        f"  requests   {summary['requests']:>3} ({summary['firstRequest'].strip()} .. "
        f"{summary['lastRequest'].strip()}): {summary['requestCalls']} AWS calls"
    )
    print(f"             {calls_text(summary['requestBreakdown'])}")
    print(f"  consumers  {summary['consumerMessages']:>3} messages: {summary['consumerCalls']} AWS calls")
    print(f"             {calls_text(summary['consumerBreakdown'])}")
    print(f"  total      {summary['awsCalls']} AWS calls (requests + consumers)")
    print(
        f"  (pump polling, not counted above: {summary['pumpPollingCalls']} calls: "
        f"{calls_text(summary['pumpPollingBreakdown'])})"
    )
    print(f"  Step Functions state transitions: {summary['stateTransitions']}")
    for number, execution in enumerate(summary["executions"], start=1):
        print(
            f"    milestone {number}: {execution['status']}, {execution['stateTransitions']} states entered "
            f"({execution['historyEvents']} history events): {' -> '.join(execution['states'])}"
        )


def print_findings(result: dict[str, Any]) -> None:
    for finding in result["findings"]:
        print(f"PRODUCT CHECK FAILED: {finding}")


def print_cold_start(cold: dict[str, Any]) -> None:
    verdict = "ok" if cold["withinTarget"] else "OVER TARGET"
    print(f"Cold-start proxy (min of {cold['runs']} interleaved runs each, cwd={ROOT})")
    print(f'  python -c "import app"              {cold["importAppMinMs"]:>8.1f} ms')
    print(f'  python -c "import chalice, boto3"   {cold["importChaliceBoto3MinMs"]:>8.1f} ms')
    print(f"  ratio                               {cold['ratio']:>8.2f}    target ≤ {cold['target']}: {verdict}")


def consumers_json(consumers: Consumers) -> dict[str, Any]:
    handled, polling = merged(consumers.handled), merged(consumers.polling)
    return {
        "messages": [
            {
                "message": tally.label,
                "runs": len(tally.samples),
                "calls": dict(sorted(tally.samples[0].calls.items())),
                "total": tally.samples[0].total,
                "minTotal": min(s.total for s in tally.samples),
                "maxTotal": max(s.total for s in tally.samples),
                "variants": [dict(sorted(s.calls.items())) for s in distinct(tally)],
            }
            for tally in consumers.tallies.values()
        ],
        "messagesHandled": len(consumers.handled),
        "calls": handled.total,
        "breakdown": dict(sorted(handled.calls.items())),
        "pumpPollingCalls": polling.total,
        "pumpPollingBreakdown": dict(sorted(polling.calls.items())),
        "failures": consumers.failures,
    }


def to_json(result: dict[str, Any], cold: dict[str, Any], seconds: float) -> dict[str, Any]:
    operations = []
    for row in result["rows"]:
        totals = [s.total for s in row.samples]
        declared = MINIMUM.get(row.label)
        operations.append(
            {
                "operation": row.label,
                "method": row.method,
                "route": row.route,
                "query": row.query or None,
                "variant": row.variant or None,
                "runs": len(row.samples),
                "calls": dict(sorted(row.samples[0].calls.items())),
                "total": totals[0],
                "minTotal": min(totals),
                "maxTotal": max(totals),
                "variants": [dict(sorted(s.calls.items())) for s in distinct(row)],
                "jwksFetches": sum(s.jwks_fetches for s in row.samples),
                "minimum": declared.calls if declared else None,  # what a careful design needs (bench/minimum.py)
                "minimumReason": declared.reason if declared else None,
            }
        )
    return {
        "generatedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "awsCalls": {
            "operations": operations,
            "unmeasuredRoutes": result["unmeasured"],
            "contractDeviations": result["deviations"],
            "requests": result["requests"],
            "jwksWarmupFetches": result["jwks_warmup_fetches"],
            "jwksRequestFetches": result["jwks_request_fetches"],
            "pynamodbDispatches": result["pynamodb_dispatches"],
            "productCheckFailures": result["findings"],
            "walk": result["walk"],
        },
        "workflowConsumers": consumers_json(result["consumers"]),
        "contract": result["contract"],
        "coldStart": cold,
        "benchSeconds": round(seconds, 1),
    }


def main() -> int:
    started = time.perf_counter()
    os.chdir(ROOT)
    base_env = dict(os.environ)
    try:
        result = measure_calls()
    except FlowError as error:
        print(f"bench: the flow broke: {error}", file=sys.stderr)
        return 1
    print_calls(result)
    print()
    print_consumers(result)
    print()
    print_contract(result["contract"])
    print()
    os.environ.clear()
    os.environ.update(base_env)
    try:
        cold = measure_cold_start()
    except FlowError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print_cold_start(cold)
    print()
    try:
        lean = measure_lean_path()
    except (ColdPathError, RuntimeError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    out = ROOT / ".local" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    figures = to_json(result, cold, seconds) | lean
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{seconds:.1f} s; figures in {out.relative_to(ROOT)}")
    if result["findings"]:
        print()
        print_findings(result)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
