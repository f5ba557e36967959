"""The unit of work: one DynamoDB transaction and the events it commits, opened by a service.

A service opens it, hands it to repositories (which add their items, keys and conditions) and
emits events on it; leaving the block commits everything at once or nothing (a failed condition
is a lost race: `Conflict`). Events are outbox items inside the same transaction, so a state
change and its event cannot part; the table's stream publishes them (adapters/events.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import events
from chalicelib.adapters.transactions import transaction
from chalicelib.domain.clock import iso

DEFAULT_CONFLICT = "the resource changed meanwhile; reload and retry"


class Writes(Protocol):
    """What a repository needs to add writes: a UnitOfWork (or, inside adapters, a TransactWrite)."""

    def save(self, item: Model, condition: Condition | None = None) -> Any: ...

    def update(self, item: Model, actions: list[Any], condition: Condition | None = None) -> Any: ...

    def delete(self, item: Model, condition: Condition | None = None) -> Any: ...


class UnitOfWork:
    """What a transaction holds: the writes repositories add and the events services emit."""

    def __init__(self, tx: TransactWrite) -> None:
        self._tx = tx
        self.events: list[events.Event] = []

    # --- for repositories: the table's vocabulary ---------------------------------------------
    def save(self, item: Model, condition: Condition | None = None) -> None:
        self._tx.save(item, condition=condition)

    def update(self, item: Model, actions: list[Any], condition: Condition | None = None) -> None:
        self._tx.update(item, actions=actions, condition=condition)

    def delete(self, item: Model, condition: Condition | None = None) -> None:
        self._tx.delete(item, condition=condition)

    def check(self, model: type[Model], hash_key: str, range_key: str, condition: Condition) -> None:
        self._tx.condition_check(model, hash_key, range_key, condition=condition)

    # --- for services: what happened -----------------------------------------------------------
    def emit(self, detail_type: str, detail: dict[str, Any], at: str | None = None) -> events.Event:
        """Add the event to this transaction; the stream publishes it once the transaction commits."""
        event = events.Event(detail_type, detail)
        self._tx.save(events.outbox_item(event, at or iso()))
        self.events.append(event)
        return event


@contextmanager
def unit_of_work(conflict: str = DEFAULT_CONFLICT) -> Iterator[UnitOfWork]:
    """Commit what the block adds, its events included, as one transaction."""
    with transaction(conflict) as tx:
        yield UnitOfWork(tx)
