"""`make bench`: AWS calls per API operation, and the cold-start proxy.

1. Starts moto server in this process, provisions the stack (infra.local.provision), signs
   real Cognito users in, and walks every route built so far through Chalice's test client.
   Each request is metered: botocore `BaseClient._make_api_call` (boto3 clients: S3, Cognito,
   ...) and PynamoDB's `Connection.dispatch` (the one method every PynamoDB request goes
   through). PynamoDB hands its requests to botocore's `_make_api_call` as well, so a call
   that comes through `dispatch` is counted there once, as `dynamodb.<Operation>`, and the
   nested botocore call is only tallied as a consistency check. Calls the bench makes itself
   (tokens, S3 uploads) happen outside the metered window and are not counted; so are calls
   made by other threads (moto server's own).
   The JWKS download (PyJWT over urllib, not botocore) is cached for the process: the bench
   warms it before the first metered request and reports any fetch that still happens.
2. The cold-start proxy: min wall time of `python -c "import app"` over the min of
   `python -c "import chalice, boto3"`, interleaved, 11 runs each.

Figures go to stdout and, structured, to .local/bench.json. Any unexpected status fails the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
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

PASSWORD = "Bench-passw0rd!"
COLD_START_RUNS = 11
COLD_START_TARGET = 1.3
PDF = b"%PDF-1.4 bench\n"
TIMES = "\u00d7"  # the multiplication sign, as in dynamodb.GetItem (times) 2


class FlowError(RuntimeError):
    """A response was not what API.md promises: the bench stops."""


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
    """Counts AWS calls made on the metering thread while `measure()` is open."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._owner: int | None = None
        self._sample: Sample | None = None
        self.jwks_fetches_outside = 0

    def _active(self) -> Sample | None:
        return self._sample if threading.get_ident() == self._owner else None

    def _depth(self) -> int:
        depth: int = getattr(self._local, "depth", 0)
        return depth

    @contextmanager
    def measure(self) -> Iterator[Sample]:
        sample = Sample()
        self._owner, self._sample = threading.get_ident(), sample
        try:
            yield sample
        finally:
            self._owner, self._sample = None, None

    def install(self) -> None:
        import botocore.client
        import jwt
        from pynamodb.connection.base import Connection

        meter = self
        botocore_call = botocore.client.BaseClient._make_api_call
        dispatch = Connection.dispatch
        fetch_data = jwt.PyJWKClient.fetch_data

        def counted_botocore_call(client: Any, operation_name: str, api_params: Any) -> Any:
            sample = meter._active()
            if sample is not None:
                if meter._depth() > 0:
                    sample.nested_botocore += 1
                else:
                    sample.calls[f"{client.meta.service_model.service_name}.{operation_name}"] += 1
            return botocore_call(client, operation_name, api_params)

        def counted_dispatch(connection: Any, operation_name: str, operation_kwargs: Any) -> Any:
            sample = meter._active()
            if sample is not None:
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
        self.deviations: list[str] = []

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
    ) -> Any:
        query_string = "?" + urllib.parse.urlencode(query) if query else ""
        path = route.format(**(params or {})) + query_string
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        raw = json.dumps(body).encode() if body is not None else b""
        with self.meter.measure() as sample:
            response = self.client.http.request(method, path, headers=headers, body=raw)
        text = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
        if response.status_code != expect:
            raise FlowError(f"{method} {path}: expected {expect}, got {response.status_code}: {text[:800]}")
        key = (method, route, query_string, variant)
        self.rows.setdefault(key, Row(method, route, query_string, variant)).samples.append(sample)
        return json.loads(text) if text else None

    def action(self, route: str, *, params: dict[str, str], token: str) -> Any:
        """A POST action with no listed field: sent with an absent body, as API.md allows.

        If the product refuses that (400), the deviation is recorded and the request is sent
        again with `{}`; only the successful request is metered.
        """
        try:
            return self.call("POST", route, params=params, token=token)
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
            return self.call("POST", route, params=params, token=token, body={})


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


def walk(api: Api, users: Users, s3: Any, bucket: str) -> None:
    """Every route built so far, in the order a customer, three providers and an admin use them."""
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

    def upload(token: str, purpose: str, filename: str) -> str:
        created = api.call(
            "POST",
            "/uploads",
            token=token,
            expect=201,
            body={"purpose": purpose, "filename": filename, "contentType": "application/pdf", "size": len(PDF)},
        )
        # A browser POSTs the presigned form; the bench writes the object directly (not metered).
        s3.put_object(Bucket=bucket, Key=created["fields"]["key"], Body=PDF, ContentType="application/pdf")
        upload_id: str = created["uploadId"]
        return upload_id

    for token in (customer, *providers):
        document = upload(token, "verification", "registration.pdf")
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
    brief = upload(customer, "attachment", "brief.pdf")
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
        half = price // 2
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
                    {"title": "Pipelines", "amount": {"amount": half, "currency": "EUR"}, "dueDate": start.isoformat()},
                    {
                        "title": "Cut-over",
                        "amount": {"amount": price - half, "currency": "EUR"},
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


def measure_calls() -> dict[str, Any]:
    import logging

    import requests
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request log

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
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

        users = Users(bench_client("cognito-idp"), env["USER_POOL_ID"], env["USER_POOL_CLIENT_ID"])
        with Client(app.app, stage_name="local", project_dir=str(ROOT)) as client:
            api = Api(client, meter)
            walk(api, users, bench_client("s3"), env["BUCKET_NAME"])
    finally:
        server.stop()

    rows = list(api.rows.values())
    measured = {(r.method, r.route) for r in rows}
    unmeasured = sorted(f"{r.method} {r.path}" for r in ROUTES if (r.method, r.path) not in measured)
    samples = [s for r in rows for s in r.samples]
    return {
        "rows": rows,
        "unmeasured": unmeasured,
        "jwks_warmup_fetches": meter.jwks_fetches_outside,
        "jwks_request_fetches": sum(s.jwks_fetches for s in samples),
        "pynamodb_dispatches": sum(s.pynamodb_dispatches for s in samples),
        "nested_botocore": sum(s.nested_botocore for s in samples),
        "requests": len(samples),
        "deviations": api.deviations,
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
# Output


def breakdown(sample: Sample) -> str:
    text = " ".join(f"{name}{TIMES}{count}" for name, count in sorted(sample.calls.items())) or "—"
    if sample.jwks_fetches:
        text += f"  (+ JWKS GET{TIMES}{sample.jwks_fetches}, not AWS)"
    return text


def distinct(row: Row) -> list[Sample]:
    seen: list[Sample] = []
    for sample in row.samples:
        if not any(s.calls == sample.calls and s.jwks_fetches == sample.jwks_fetches for s in seen):
            seen.append(sample)
    return seen


def print_calls(result: dict[str, Any]) -> None:
    rows: list[Row] = result["rows"]
    label_width = max(len(r.label) for r in rows)
    calls_width = max(len(breakdown(s)) for r in rows for s in r.samples)
    print("AWS calls per request (botocore + PynamoDB, counted inside the request only)")
    print(f"{'operation':<{label_width}}  {'runs':>4}  {'calls':<{calls_width}}  total")
    print("-" * (label_width + calls_width + 17))
    for row in rows:
        variants = distinct(row)
        for index, sample in enumerate(variants):
            label = row.label if index == 0 else "  (another run)"
            runs = str(len(row.samples)) if index == 0 else ""
            print(f"{label:<{label_width}}  {runs:>4}  {breakdown(sample):<{calls_width}}  {sample.total:>5}")
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


def print_cold_start(cold: dict[str, Any]) -> None:
    verdict = "ok" if cold["withinTarget"] else "OVER TARGET"
    print(f"Cold-start proxy (min of {cold['runs']} interleaved runs each, cwd={ROOT})")
    print(f'  python -c "import app"              {cold["importAppMinMs"]:>8.1f} ms')
    print(f'  python -c "import chalice, boto3"   {cold["importChaliceBoto3MinMs"]:>8.1f} ms')
    print(f"  ratio                               {cold['ratio']:>8.2f}    target ≤ {cold['target']}: {verdict}")


def to_json(result: dict[str, Any], cold: dict[str, Any], seconds: float) -> dict[str, Any]:
    operations = []
    for row in result["rows"]:
        totals = [s.total for s in row.samples]
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
        },
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
    os.environ.clear()
    os.environ.update(base_env)
    try:
        cold = measure_cold_start()
    except FlowError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print_cold_start(cold)
    seconds = time.perf_counter() - started
    out = ROOT / ".local" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(to_json(result, cold, seconds), indent=2, ensure_ascii=False) + "\n")
    print(f"\n{seconds:.1f} s; figures in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
