"""The cold path: what a fresh Lambda process pays before its first answers, against a bare Chalice app.

Each run is a fresh Python process (this file as a script, the bench's interpreter) on a moto server
of its own with the stack provisioned (infra.local.provision). In it, timed apart:
1. `import app`;
2. the first authenticated read: `GET /me` with a Cognito ID token (the token's JWKS is fetched,
   as in a new Lambda container);
3. the first write: `POST /tasks` (a draft task) by the same customer.
Requests go to the Chalice app object with an API Gateway proxy event, as Lambda calls it, with no
local server or test client in between. The baseline (bench/bare_app.py) does the same in its own
fresh process: `import bare_app`, one GetItem, one PutItem. Runs alternate between the two;
the figures are medians, and the ratios are ours / bare for each phase and for the whole path.

Run alone: `python bench/cold_path.py [runs]`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
PHASES = ("import", "read", "write")
TIMES = "\u00d7"  # the multiplication sign
PASSWORD = "Bench-passw0rd!"
EMAIL = "cold@bench.local"
TASK = {
    "title": "Cold path probe",
    "description": "A draft the cold-path bench writes; nobody reads it.",
    "category": "data-engineering",
    "skills": ["python"],
    "budget": {"amount": 100000, "currency": "EUR"},
    "startDate": "2030-01-07",
    "dueDate": "2030-02-01",
}


class ColdPathError(RuntimeError):
    """A fresh process failed or answered something unexpected: the figures would mean nothing."""


# --------------------------------------------------------------------------------------------
# In the fresh process


@dataclass
class Context:
    """What Lambda hands a handler, as far as Chalice and powertools read it."""

    function_name: str = "cold-path"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:cold-path"
    aws_request_id: str = "cold-path"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def invoke(
    app: Any,
    method: str,
    resource: str,
    params: dict[str, str] | None = None,
    *,
    token: str | None = None,
    body: Any = None,
) -> tuple[int, str]:
    """Call `app` with the REST API proxy event API Gateway sends for `method resource`."""
    params = params or {}
    headers = {"content-type": "application/json", "host": "cold.example"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    event = {
        "resource": resource,
        "path": resource.format(**params),
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": "/api" + resource.format(**params),
            "stage": "api",
            "requestId": "cold-path",
            "identity": {"sourceIp": "198.51.100.7"},
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }
    response = app(event, Context())
    return int(response["statusCode"]), str(response.get("body") or "")


def child(kind: str) -> dict[str, Any]:
    """One cold path in this (fresh) process; milliseconds per phase."""
    sys.path.insert(0, str(ROOT))
    token = os.environ.get("COLD_PATH_TOKEN", "")
    Call = tuple[str, str, dict[str, str]]
    read: Call
    write: Call
    target: Any
    started = time.perf_counter()
    if kind == "ours":
        import app

        target, read, write = app.app, ("GET", "/me", {}), ("POST", "/tasks", {})
        expected = (200, 201)
    elif kind == "bare":
        from bench import bare_app

        item = {"item_id": "1"}
        target, read, write = bare_app.app, ("GET", "/items/{item_id}", item), ("PUT", "/items/{item_id}", item)
        expected = (200, 200)
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    imported = time.perf_counter()
    read_status, read_body = invoke(target, read[0], read[1], read[2], token=token)
    read_done = time.perf_counter()
    write_status, write_body = invoke(target, write[0], write[1], write[2], token=token, body=TASK)
    write_done = time.perf_counter()
    if (read_status, write_status) != expected:
        raise SystemExit(f"{kind}: read {read_status} {read_body[:300]}; write {write_status} {write_body[:300]}")
    return {
        "import": (imported - started) * 1000,
        "read": (read_done - imported) * 1000,
        "write": (write_done - read_done) * 1000,
    }


def setup_profile() -> None:
    """Untimed, in a process of its own: the customer profile the cold reads and writes act as."""
    sys.path.insert(0, str(ROOT))
    import app

    status, body = invoke(
        app.app,
        "POST",
        "/me",
        token=os.environ["COLD_PATH_TOKEN"],
        body={"role": "customer", "displayName": "Cold Path GmbH", "kind": "company"},
    )
    if status != 201:
        raise SystemExit(f"POST /me: {status} {body[:500]}")


# --------------------------------------------------------------------------------------------
# In the bench


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _run(args: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(
            [_python(), str(Path(__file__).resolve()), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise ColdPathError(f"cold path {' '.join(args)} took over 120 s") from None
    if done.returncode != 0:
        raise ColdPathError(f"cold path {' '.join(args)} failed:\n{(done.stderr or done.stdout)[-2000:]}")
    return done.stdout


def _token(env: dict[str, str]) -> str:
    import boto3

    cognito = boto3.client(
        "cognito-idp",
        region_name=env["AWS_REGION"],
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    pool, client_id = env["USER_POOL_ID"], env["USER_POOL_CLIENT_ID"]
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=EMAIL,
        UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=EMAIL, Password=PASSWORD, Permanent=True)
    auth = cognito.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id, AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD}
    )
    return str(auth["AuthenticationResult"]["IdToken"])


def measure(runs: int = RUNS) -> dict[str, Any]:
    """Start a moto server, provision the stack, then time `runs` fresh processes of each kind."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from infra.local import provision
    from scripts.local_stack import _wait, free_port

    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.pop("PYTHONPATH", None)
    port = free_port()
    moto = subprocess.Popen(
        [_python(), str(ROOT / "scripts" / "moto_server.py"), "-H", "127.0.0.1", "-p", str(port)],
        env=base | {"MOTO_PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(f"{url}/moto-api/", moto, "moto server")
        saved = dict(os.environ)
        try:
            for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
                os.environ.pop(name, None)
            env = base | provision(url) | {"POWERTOOLS_LOG_LEVEL": "WARNING", "COLD_PATH_TOKEN": ""}
        finally:
            os.environ.clear()
            os.environ.update(saved)
        env["COLD_PATH_TOKEN"] = _token(env)
        _run(["setup"], env)
        samples: dict[str, list[dict[str, float]]] = {"ours": [], "bare": []}
        for run in range(runs):
            for kind in ("ours", "bare") if run % 2 == 0 else ("bare", "ours"):
                samples[kind].append(json.loads(_run([kind], env).strip().splitlines()[-1]))
    finally:
        moto.terminate()
        try:
            moto.wait(timeout=10)
        except subprocess.TimeoutExpired:
            moto.kill()
    medians = {
        kind: {phase: statistics.median(s[phase] for s in runs_) for phase in PHASES} for kind, runs_ in samples.items()
    }
    for kind in medians:
        medians[kind]["total"] = statistics.median(sum(s[p] for p in PHASES) for s in samples[kind])
    return {
        "runs": runs,
        "ours": "import app; GET /me (token + profile); POST /tasks (draft)",
        "bare": "import bench.bare_app; GET one item (GetItem); PUT one item (PutItem)",
        "medianMs": {kind: {k: round(v, 1) for k, v in m.items()} for kind, m in medians.items()},
        "ratio": {k: round(medians["ours"][k] / medians["bare"][k], 2) for k in (*PHASES, "total")},
        "samplesMs": {kind: [{k: round(v, 1) for k, v in s.items()} for s in runs_] for kind, runs_ in samples.items()},
    }


def print_cold_path(cold: dict[str, Any]) -> None:
    ours, bare, ratio = cold["medianMs"]["ours"], cold["medianMs"]["bare"], cold["ratio"]
    print(f"Cold path (fresh process each, median of {cold['runs']} interleaved runs; Lambda-style events, no server)")
    print(f"  ours: {cold['ours']}")
    print(f"  bare: {cold['bare']}")
    print(f"  {'phase':<14}{'ours ms':>10}{'bare ms':>10}{'ours/bare':>11}")
    labels = {"import": "import", "read": "first read", "write": "first write", "total": "whole path"}
    for key, label in labels.items():
        print(f"  {label:<14}{ours[key]:>10.1f}{bare[key]:>10.1f}{ratio[key]:>10.2f}{TIMES}")


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("ours", "bare"):
        print(json.dumps(child(argv[0])))
        return 0
    if argv and argv[0] == "setup":
        setup_profile()
        return 0
    print_cold_path(measure(int(argv[0]) if argv else RUNS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
