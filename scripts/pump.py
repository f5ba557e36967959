"""The local event pump: relays the table's stream to EventBridge (`events.relay`, what the
`outbox_relay` Lambda runs on AWS), drains the stack's SQS queues into the same handler
functions the Lambda consumers run, and runs the scheduled jobs (task expiry, hourly).

`make run` runs `main()` (every message, forever). A test calls `begin()` first (the queues then hold
only its own messages) and `settle(until=...)` after a step: it drains until what the test waits for
has arrived, and raises `Unsettled` when it has not arrived in time.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.adapters import events
from chalicelib.adapters.aws import client
from chalicelib.handlers.backoffice import METRICS_QUEUE, on_metrics_event
from chalicelib.handlers.consumers import (
    CALLBACKS_QUEUE,
    NOTIFICATIONS_QUEUE,
    on_domain_event,
    on_expiry_tick,
    on_workflow_message,
)
from chalicelib.handlers.payments import PAYOUTS_QUEUE, on_payout_job
from chalicelib.settings import get_settings

T = TypeVar("T")

ROUTES: dict[str, Callable[[dict[str, Any]], object]] = {
    CALLBACKS_QUEUE: on_workflow_message,
    NOTIFICATIONS_QUEUE: on_domain_event,
    METRICS_QUEUE: on_metrics_event,
    PAYOUTS_QUEUE: on_payout_job,
}


def shard_iterator(kind: str) -> str:
    """An iterator on the table stream's shard (moto serves one): `LATEST` or `TRIM_HORIZON`."""
    table = client("dynamodb").describe_table(TableName=get_settings().table_name)["Table"]
    streams = client("dynamodbstreams")
    arn = table["LatestStreamArn"]
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    found = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=kind)
    return str(found["ShardIterator"])


@dataclass
class StreamReader:
    """Where the pump is in the table's stream (moto serves one shard; AWS's Lambda reads every shard)."""

    iterator: str | None = None
    relayed: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))  # the latest, for tests

    def skip_to_end(self) -> None:
        self.iterator = shard_iterator("LATEST")
        self.relayed.clear()

    def relay(self) -> int:
        """Publish the outbox items committed since the last read; a failed batch is read again next time."""
        if self.iterator is None:
            self.iterator = shard_iterator("TRIM_HORIZON")  # `make run`: the demo data's events too
        relayed = 0
        while True:
            response = client("dynamodbstreams").get_records(ShardIterator=self.iterator, Limit=STREAM_PAGE)
            sent = events.relay(response["Records"])
            self.relayed.extend(sent)
            relayed += len(sent)
            self.iterator = response["NextShardIterator"]
            if len(response["Records"]) < STREAM_PAGE:
                return relayed


STREAM_PAGE = 1000
stream = StreamReader()


def begin() -> None:
    """Start a test: purge the routed queues, so every message `settle` drains from here on is the test's own.

    The integration tests share one moto server. Without this a test worked off every earlier test's
    backlog, and moto's ReceiveMessage costs time in proportion to the queue's length (it recomputes
    the queue's attributes for each message it returns): behind ~1,000 left-over messages a settle ran
    out its 120 s and the test then failed on an empty inbox. Tests only: `make run` never purges, and
    moto's once-a-minute PurgeQueue rule must be off (MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR=false).
    """
    sqs = client("sqs")
    urls = get_settings().queue_urls
    stream.skip_to_end()  # and earlier tests' events are not relayed into this one's queues
    for name in ROUTES:
        sqs.purge_queue(QueueUrl=urls[name])


@dataclass
class Tally:
    """What the drain passes of one `settle` did: messages handled per queue, and handler failures."""

    handled: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        failed = "; ".join(self.failures[-3:]) or "none"
        return f"handled {dict(self.handled)}, handler failures: {failed}"


def drain(wait_seconds: int = 0, queues: Iterable[str] | None = None, tally: Tally | None = None) -> int:
    """Relay the stream, then one pass over the routed queues (or `queues`); a message is deleted only after its
    handler succeeded."""
    sqs = client("sqs")
    urls = get_settings().queue_urls
    handled = stream.relay()
    for name in queues or ROUTES:
        handler = ROUTES[name]
        response = sqs.receive_message(QueueUrl=urls[name], MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        for message in response.get("Messages", []):
            try:
                handler(json.loads(message["Body"]))
            except Exception as exc:  # left on the queue: SQS redelivers, then the DLQ takes it
                print(f"pump: {name} handler failed: {exc!r}", file=sys.stderr, flush=True)
                if tally is not None:
                    tally.failures.append(f"{name}: {exc!r}")
                continue
            sqs.delete_message(QueueUrl=urls[name], ReceiptHandle=message["ReceiptHandle"])
            if tally is not None:
                tally.handled[name] += 1
            handled += 1
    return handled


class Unsettled(AssertionError):
    """`settle` ran out of time: the message names what it waited for, what it saw last and what it drained."""


def settle(
    until: Callable[[], T],
    *,
    done: Callable[[T], object] = bool,
    what: str | None = None,
    queues: Iterable[str] | None = None,
    timeout: float = 30,
    pause: float = 0.1,
) -> T:
    """Drain the test's own messages until what the test waits for has arrived, and return it.

    `until` reads it (an inbox, a parked token, an execution's status) and `done(value)` says whether it
    has arrived (by default: the value is truthy). The workflow talks asynchronously (Step Functions
    sends a callback a moment after a command), so this waits for that thing, not for quiet queues;
    `queues` narrows the drain to the consumers that produce it. After `timeout` seconds it raises
    `Unsettled` with what it waited for, the last value it read and what it drained meanwhile.
    """
    names = list(queues) if queues is not None else None
    tally = Tally()
    deadline = time.monotonic() + timeout
    while True:
        seen = until()
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            raise Unsettled(
                f"pump.settle: waited {timeout:g}s for {what or _describe(until)}; last saw {seen!r}; {tally}"
            )
        if drain(queues=names, tally=tally) == 0:
            time.sleep(pause)


def quiesce(seconds: float = 120, pause: float = 0.1, quiet_passes: int = 3) -> None:
    """Drain until nothing moved for `quiet_passes` passes in a row (the bench, after each step of its walk).

    Tests wait for what they expect with `settle`; the bench has no single thing to wait for, it wants
    every consumer window of a step metered before the next step starts.
    """
    quiet = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and quiet < quiet_passes:
        quiet = quiet + 1 if drain() == 0 else 0
        time.sleep(pause)


def _describe(check: Callable[..., object]) -> str:
    """The predicate's source line, so a timeout says what it waited for without a `what=`."""
    with contextlib.suppress(OSError, TypeError):
        return " ".join(inspect.getsource(check).split())
    return repr(check)


# Seconds between passes while nothing moves: a busy stack answers fast, an idle one costs little.
IDLE_PAUSES = (0.1, 0.2, 0.4, 0.8)


# The scheduled jobs the pump runs locally (on AWS: EventBridge schedules), by seconds between runs.
SCHEDULES: dict[Callable[[], str], float] = {on_expiry_tick: 3600}


def run_schedules(
    due: dict[Callable[[], str], float], now: float, schedules: dict[Callable[[], str], float] = SCHEDULES
) -> None:
    """Run each scheduled job whose time has come (the first pass runs them all) and set its next time."""
    for job, every in schedules.items():
        if now < due.get(job, 0.0):
            continue
        due[job] = now + every
        try:
            print(f"pump: {job.__name__}: {job()}", flush=True)
        except Exception as exc:  # the next run retries, as the next scheduled invocation would on AWS
            print(f"pump: {job.__name__} failed: {exc!r}", file=sys.stderr, flush=True)


def main() -> None:
    print("pump: relaying the table's stream, draining queues, running the hourly jobs", flush=True)
    idle = 0
    due: dict[Callable[[], str], float] = {}
    while True:
        run_schedules(due, time.monotonic())
        try:
            moved = drain()
        except Exception as exc:  # EventBridge refused a batch, moto hiccuped: the stream position is kept, retry
            print(f"pump: pass failed, retrying: {exc!r}", file=sys.stderr, flush=True)
            moved = 0
        if moved == 0:
            time.sleep(IDLE_PAUSES[min(idle, len(IDLE_PAUSES) - 1)])
            idle += 1
        else:
            idle = 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
