"""The local API server takes the burst a newcomer's load test sends: 50 reads, 20 writes at once.

Each burst goes to a fresh API server on the e2e stack, so its AWS clients are first made while the
burst is in flight: the race that a thread-unsafe client factory loses (with a new botocore session
per thread, the server spent ~45 s on 50 reads) and the burst that socketserver's listen backlog of 5
drops or resets. Every request must answer within `DEADLINE` seconds; no retries.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from scripts.local_stack import ROOT, LocalStack, _wait, free_port
from tests.e2e.conftest import World

READS = 50
WRITES = 20
DEADLINE = 15  # seconds for each request of a burst (the unfixed server took 40-60 s for the reads)
TASK: dict[str, Any] = {
    "title": "Load-test draft",
    "description": "Posted by the local server's burst test.",
    "category": "data-engineering",
    "skills": ["python"],
    "budget": {"amount": 100000, "currency": "EUR"},
    "startDate": "2027-01-04",
    "dueDate": "2027-03-01",
}


@pytest.fixture
def fresh_api(stack: LocalStack) -> Iterator[str]:
    """A new API server process on the e2e stack: no AWS client made yet."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "scripts/serve_api.py", "--port", str(port)],
        env=stack.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/health", process, "the fresh API server")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def burst(count: int, send: Callable[[], requests.Response]) -> list[int | str]:
    """`count` requests released together (each on its own connection): a status, or the error's name."""
    start = threading.Barrier(count)

    def one(_: int) -> int | str:
        start.wait(timeout=30)
        try:
            response = send()
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"
        return response.status_code if response.ok else f"{response.status_code} {response.text[:200]}"

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_a_burst_of_reads_then_writes_all_answer(stack: LocalStack, world: World, fresh_api: str) -> None:
    reader = world.sign_up("burst-reader")  # quotas count per user: this test's own budget
    customer = world.profile("customer", verified=False)  # a draft needs a customer, not a verified one
    task_id = requests.get(f"{stack.api_url}/tasks", timeout=10).json()["items"][0]["id"]

    reads = burst(
        READS,
        lambda: requests.get(
            f"{fresh_api}/tasks/{task_id}", headers={"Authorization": f"Bearer {reader.token}"}, timeout=DEADLINE
        ),
    )
    assert reads == [200] * READS

    writes = burst(
        WRITES,
        lambda: requests.post(
            f"{fresh_api}/tasks", json=TASK, headers={"Authorization": f"Bearer {customer.token}"}, timeout=DEADLINE
        ),
    )
    assert writes == [201] * WRITES
    mine = customer.ok("GET", "/me/tasks?limit=50")
    assert sum(1 for task in mine["items"] if task["title"] == TASK["title"]) == WRITES
