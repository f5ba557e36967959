"""The local stack: moto server, resources, demo data, the API server. `make run` runs `main()`.

The e2e and browser tests start the same stack through `LocalStack`, on free ports.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.local import provision  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on {url} within {timeout}s")


@dataclass
class LocalStack:
    moto_port: int
    api_port: int
    seed: bool = True
    review_window_seconds: int = int(os.environ.get("REVIEW_WINDOW_SECONDS", "600"))
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def _spawn(self, args: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        """Start a process in its own group; its output goes to .local/<log>.log."""
        state = ROOT / ".local"
        state.mkdir(exist_ok=True)
        with open(state / f"{log}-{self.api_port}.log", "ab") as output:
            process = subprocess.Popen(
                args, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def start(self) -> LocalStack:
        for port, what in ((self.moto_port, "moto server"), (self.api_port, "the API")):
            if port_in_use(port):
                raise RuntimeError(f"port {port} for {what} is taken: is another `make run` still running?")
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        moto = self._spawn(
            [sys.executable, str(ROOT / "scripts" / "moto_server.py"), "-H", "127.0.0.1", "-p", str(self.moto_port)],
            base_env | {"MOTO_PORT": str(self.moto_port)},
            "moto",
        )
        _wait(f"{self.moto_url}/moto-api/", moto, "moto server")
        requests.post(
            f"{self.moto_url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=5
        ).raise_for_status()
        self.env = (
            base_env
            | provision(self.moto_url)
            | {
                "MOTO_PORT": str(self.moto_port),
                "API_URL": self.api_url,
                "POWERTOOLS_SERVICE_NAME": "tasklane",
                "PYTHONPATH": str(ROOT),
            }
        )
        if self.seed:
            subprocess.run([sys.executable, "scripts/seed.py"], env=self.env, cwd=ROOT, check=True)
        api = self._spawn([sys.executable, "scripts/serve_api.py", "--port", str(self.api_port)], self.env, "api")
        _wait(f"{self.api_url}/health", api, "the API server")
        self._spawn([sys.executable, "scripts/pump.py"], self.env, "pump")
        return self

    def write_state(self) -> None:
        """`make demo` and scripts find the running stack here (only `make run` writes it, not tests)."""
        keys = ("AWS_", "TABLE_NAME", "BUCKET_NAME", "USER_POOL", "COGNITO", "EVENT_BUS", "QUEUE_URLS", "STATE_MACHINE")
        state = {k: v for k, v in self.env.items() if k.startswith(keys)}
        (ROOT / ".local" / "stack.json").write_text(json.dumps(state | {"API_URL": self.api_url}, indent=2))

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()


def banner(stack: LocalStack) -> str:
    from scripts.seed import ADMIN, CUSTOMERS, PASSWORD, PROVIDERS

    users = [f"  admin     {ADMIN}"]
    users += [f"  customer  {email}  ({name})" for email, name, _ in CUSTOMERS]
    users += [f"  provider  {email}  ({name})" for email, name, *_ in PROVIDERS]
    return "\n".join(
        [
            "",
            "Tasklane is running locally.",
            f"  API            {stack.api_url}   (try {stack.api_url}/tasks)",
            f"  back office    {stack.api_url}/admin/   (sign in as {ADMIN} / {PASSWORD})",
            f"  contract       {stack.api_url}/openapi.json",
            f"  sign-in config {stack.api_url}/config",
            f"  review window  {stack.review_window_seconds}s (REVIEW_WINDOW_SECONDS; 14 days on AWS)",
            f"  local AWS      {stack.moto_url}  (moto server: DynamoDB, S3, Cognito, SFN, SQS, EventBridge)",
            "",
            f"Demo users (password for all: {PASSWORD}):",
            *users,
            "",
            f"Environment for scripts: .local/stack.json; logs in .local/*-{stack.api_port}.log.  Stop with Ctrl-C.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", "8000")))
    args = parser.parse_args()
    stack = LocalStack(args.moto_port, args.api_port)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start()
        stack.write_state()
        print(banner(stack), flush=True)
        while all(p.poll() is None for p in stack.processes):
            time.sleep(0.5)
        print("a stack process exited; shutting down", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        stack.stop()
        sys.exit(1)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
