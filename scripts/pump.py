"""The local event pump: drains the stack's SQS queues into the same handler functions
the Lambda consumers run on AWS, and re-publishes anything left in the outbox.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from chalicelib.adapters import events
from chalicelib.adapters.aws import client
from chalicelib.handlers.backoffice import METRICS_QUEUE, on_metrics_event
from chalicelib.handlers.consumers import (
    CALLBACKS_QUEUE,
    NOTIFICATIONS_QUEUE,
    on_domain_event,
    on_workflow_message,
)
from chalicelib.handlers.payments import PAYOUTS_QUEUE, on_payout_job
from chalicelib.settings import get_settings

ROUTES: dict[str, Callable[[dict[str, Any]], object]] = {
    CALLBACKS_QUEUE: on_workflow_message,
    NOTIFICATIONS_QUEUE: on_domain_event,
    METRICS_QUEUE: on_metrics_event,
    PAYOUTS_QUEUE: on_payout_job,
}


def drain(wait_seconds: int = 0) -> int:
    """One pass over every routed queue; a message is deleted only after its handler succeeded."""
    sqs = client("sqs")
    urls = get_settings().queue_urls
    handled = 0
    for name, handler in ROUTES.items():
        response = sqs.receive_message(QueueUrl=urls[name], MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        for message in response.get("Messages", []):
            try:
                handler(json.loads(message["Body"]))
            except Exception as exc:  # left on the queue: SQS redelivers, then the DLQ takes it
                print(f"pump: {name} handler failed: {exc!r}", file=sys.stderr, flush=True)
                continue
            sqs.delete_message(QueueUrl=urls[name], ReceiptHandle=message["ReceiptHandle"])
            handled += 1
    return handled


def settle(seconds: float = 120, pause: float = 0.1) -> None:
    """Drain until quiet (tests use this after a step that makes the workflow talk).

    Bounded by time, not by rounds: a backlog left by earlier steps is worked off first, ten
    messages per queue and pass, and only then does the queue go quiet.
    """
    quiet = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if drain() == 0:
            quiet += 1
            if quiet >= 3:
                return
        else:
            quiet = 0
        time.sleep(pause)


def main() -> None:
    last_sweep = 0.0
    print("pump: draining queues", flush=True)
    while True:
        drain(wait_seconds=1)
        if time.monotonic() - last_sweep > 5:
            events.republish_pending()
            last_sweep = time.monotonic()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
