"""The local AWS keeps DynamoDB's transaction guarantees: patches for moto server's DynamoDB.

moto 5.2 differs from DynamoDB where this project depends on it (moto/dynamodb/models/__init__.py
`transact_write_items`, moto/dynamodb/responses.py `call_action`):

1. Every TransactWriteItems deep-copies the whole table as its rollback snapshot, once per action
   in the transaction. Its cost grows with the table, so a long test session or a long-running
   `make run` gets slower with every item written (quadratic overall: the integration tests ran
   over 17 min unfinished, 6 min 45 s with this patch). DynamoDB's cost does not depend on the
   table's size.
2. Requests are not isolated: moto server handles them on several threads without a lock, so two
   racing conditioned transactions can both commit, and a loser's rollback can erase a winner's
   writes. DynamoDB runs each transaction atomically and serializably.
3. ClientRequestToken is ignored. botocore fills it in for every TransactWriteItems and sends the
   same token again when it retries (after a read timeout, say); DynamoDB answers such a replay
   with the first success and changes nothing, moto applies it again.

4. A cancelled TransactWriteItems still leaves its writes on the table's stream: moto applies the
   items after a failed condition too, and the rollback does not take their stream records back.
   An outbox item of a cancelled transaction would then be relayed as an event that never happened
   (a second notification, a funding counted in the figures). DynamoDB streams committed writes only.

`install()` patches moto in the running process (the test sessions' in-process servers,
`scripts/moto_server.py` for `make run` and the e2e stack): the rollback snapshot holds only the
items the transaction names; one DynamoDB request at a time; a replayed token with the same
request is answered from its first success for 10 minutes, as DynamoDB does; a cancelled
transaction's stream records are dropped, and stream reads wait for a transaction to finish. Nothing in the
product's code or conditions changes: who wins a race is still decided by its own conditions.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import time
from typing import Any

TOKEN_SECONDS = 600  # DynamoDB keeps a ClientRequestToken for 10 minutes
_installed = False
_lock = threading.RLock()


class _KeepTables:
    """Stands in for the `copy` module inside moto's transact_write_items: a table is not copied.

    The patched method snapshots the items it touches instead, so moto's whole-table "backup"
    and its "restore" (assigning that backup back) become no-ops on the same table object.
    """

    def __init__(self, table_type: type) -> None:
        self.table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, self.table_type) else copy.deepcopy(value, memo)


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """(table, hash value, range value, a deep copy of the item or None) for each item named."""
    from moto.dynamodb.exceptions import MockValidationException, ResourceNotFoundException

    snapshot = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        name = op.get("TableName")
        if name not in backend.tables:
            continue
        table = backend.tables[name]
        key = op.get("Key")
        if key is None:
            attrs = op.get("Item") or {}
            key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs.get(table.range_key_attr)
        try:
            hash_value, range_value = backend.get_keys_value(table, key)
        except (MockValidationException, ResourceNotFoundException, KeyError, TypeError):
            continue  # a malformed key: moto's own validation answers the request
        snapshot.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
    return snapshot


def _restore(snapshot: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_value, range_value, item in reversed(snapshot):
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item


def _stream_lengths(snapshot: list[tuple[Any, Any, Any, Any]]) -> list[tuple[Any, int]]:
    """Each touched table's stream shard and how many records it holds before the transaction."""
    shards = {id(shard): shard for table, *_ in snapshot if (shard := getattr(table, "stream_shard", None))}
    return [(shard, len(shard.items)) for shard in shards.values()]


def _unstream(lengths: list[tuple[Any, int]]) -> None:
    for shard, length in lengths:
        del shard.items[length:]


def install() -> None:
    """Patch moto's DynamoDB in this process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    original_transact = models.DynamoDBBackend.transact_write_items
    models.copy = _KeepTables(Table)  # type: ignore[attr-defined,assignment]

    @functools.wraps(original_transact)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot = _touched(self, transact_items)
        streams = _stream_lengths(snapshot)
        try:
            original_transact(self, transact_items)
        except Exception:
            _restore(snapshot)
            _unstream(streams)  # after the restore: its own writes are stream records too
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    original_call = DynamoHandler.call_action
    succeeded: dict[str, tuple[float, str, Any]] = {}

    @functools.wraps(original_call)
    def call_action(self: Any) -> Any:
        with _lock:
            token = None
            if self._get_action() == "TransactWriteItems":
                params = getattr(self, "params", None) or {}
                token = params.get("ClientRequestToken")
                request = json.dumps(params, sort_keys=True, default=str)
                now = time.monotonic()
                for old in [t for t, (at, _, _) in succeeded.items() if now - at > TOKEN_SECONDS]:
                    del succeeded[old]
                if token in succeeded and succeeded[token][1] == request:
                    return succeeded[token][2]
            response = original_call(self)
            if token and response[0] == 200:
                succeeded[token] = (time.monotonic(), request, response)
            return response

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]

    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    original_streams_call = DynamoDBStreamsHandler.call_action

    @functools.wraps(original_streams_call)
    def streams_call_action(self: Any) -> Any:
        with _lock:  # never a transaction's records before it has committed or been cancelled
            return original_streams_call(self)

    DynamoDBStreamsHandler.call_action = streams_call_action  # type: ignore[method-assign]
    _installed = True
