"""No hot partition: two unrelated contracts' whole lifecycles share only partitions the capacity model
(docs/scaling.md) lists, each sharded or with its rate and ceiling written down.

Every write is read back from the table's stream, the same stream that carries the outbox, so
nothing the services write is missed: base-table keys and the global indexes' partition keys.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.services import contracts, escrow, notifications, threads
from scripts import pump
from tests.integration.conftest import workflow_waits
from tests.integration.market import active_contract, put_file

SCALING_DOC = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"
INDEX_KEYS = ("gsi1pk", "gsi2pk", "gsi3pk")

# Partitions that every contract may write, by the row of docs/scaling.md's capacity model that covers them.
SHARED_BY_DESIGN: dict[str, str] = {
    # sharded: the writes of many contracts spread over the shards
    r"ACCOUNT#(clearing:[a-z]+|revenue:platform|losses:platform)#\d{2}": "ACCOUNT#<platform account>#<nn>",
    r"METRICS#\d{2}": "METRICS#<nn>",
    r"TASKS#(draft|in_review|changes_requested|open#public|open#invite_only|awarded|in_progress|completed"
    r"|cancelled|expired)#\d{2}": "TASKS#<status>#<nn>",
    # one partition per listing; rate and ceiling in the model
    r"OPENCAT#[a-z0-9-]+": "OPENCAT#<category>",
    r"SKILL#[a-z0-9+.#-]+": "SKILL#<skill>",
    r"SKILLCAT#[a-z0-9+.#-]+#[a-z0-9-]+": "SKILLCAT#<skill>#<category>",
    r"VERIF#pending": "VERIF#pending",
    r"USERSEARCH#.{2}": "USERSEARCH#<2 chars>",
    r"SANDBOX#\d{4}-\d{2}-\d{2}": "SANDBOX#<day>",
}


class Writes:
    """The partitions written since it was opened, from the table's stream (its own iterator)."""

    def __init__(self) -> None:
        self.streams = client("dynamodbstreams")
        self.iterator = pump.shard_iterator("LATEST")

    def partitions(self) -> Counter[str]:
        """Writes per partition: the item's own, and one per global index the new image is in."""
        written: Counter[str] = Counter()
        for record in self._records():
            change = record["dynamodb"]
            written[change["Keys"]["pk"]["S"]] += 1
            image = change.get("NewImage") or {}
            written.update(image[name]["S"] for name in INDEX_KEYS if name in image)
        return written

    def _records(self) -> Iterator[dict[str, Any]]:
        while True:
            response = self.streams.get_records(ShardIterator=self.iterator, Limit=1000)
            self.iterator = response["NextShardIterator"]
            yield from response["Records"]
            if len(response["Records"]) < 1000:
                return


def _lifecycle() -> Counter[str]:
    """One contract from the task to the reviews: what a customer and a provider write on the way."""
    writes = Writes()
    customer, provider, contract, (first, second) = active_contract((40000, 60000), deposit=40000)
    escrow.fund_milestone(customer, contract.id, first.id, "wallet")
    escrow.fund_milestone(customer, contract.id, second.id, "card")
    thread = threads.contract_thread(customer, contract.id)
    threads.post_message(provider, thread.id, "Starting on part one today.", [])
    for milestone in (first, second):
        workflow_waits(contract.id, milestone.id, "submission")
        escrow.submit(provider, contract.id, milestone.id, [put_file(provider, "deliverable")], None)
        workflow_waits(contract.id, milestone.id, "decision")
        escrow.accept(customer, contract.id, milestone.id)
    contracts.review(customer, contract.id, 5, "Clear and on time.")
    contracts.review(provider, contract.id, 5, "Prompt payments.")
    pump.settle(lambda: _inbox_has(provider, "MilestoneReleased"), what="the release notifications")
    return writes.partitions()


def _inbox_has(actor: Any, detail_type: str) -> bool:
    return any(n.event_type == detail_type for n in notifications.inbox(actor, 50, None).items)


def _covering(partition: str) -> str | None:
    return next((row for pattern, row in SHARED_BY_DESIGN.items() if re.fullmatch(pattern, partition)), None)


def test_two_unrelated_contracts_share_only_partitions_the_capacity_model_lists(aws: dict[str, str]) -> None:
    one, other = _lifecycle(), _lifecycle()

    shared = set(one) & set(other)
    assert shared, "the lifecycles wrote nothing in common: is the stream read at all?"
    unlisted = sorted(p for p in shared if _covering(p) is None)
    assert unlisted == [], f"partitions every contract writes, missing from the capacity model: {unlisted}"
    model = SCALING_DOC.read_text()
    for row in {_covering(p) for p in shared}:
        assert f"`{row}`" in model, f"docs/scaling.md has no row for {row}"


def test_the_check_sees_a_partition_nobody_listed() -> None:
    assert _covering("OUTBOX") is None and _covering("IDEMPOTENCY") is None and _covering("METRICS#daily") is None
    assert _covering("ACCOUNT#revenue:platform") is None  # the platform account unsharded, as it was
    assert _covering("ACCOUNT#revenue:platform#07") == "ACCOUNT#<platform account>#<nn>"
    assert _covering("ACCOUNT#wallet:01J") is None
