"""One TransactWriteItems per state change; a failed condition is a lost race (409)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.table import connection
from chalicelib.domain.errors import Conflict


@contextmanager
def transaction(conflict: str = "the resource changed meanwhile; reload and retry") -> Iterator[TransactWrite]:
    try:
        with TransactWrite(connection=connection()) as tx:
            yield tx
    except TransactWriteError as exc:
        reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
        if reasons or exc.cause_response_code in {"TransactionCanceledException", "TransactionConflictException"}:
            raise Conflict(conflict) from None
        raise


@contextmanager
def conditional(conflict: str) -> Iterator[None]:
    """For single-item writes with a condition (PutError/UpdateError on a failed check)."""
    try:
        yield
    except (PutError, UpdateError) as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(conflict) from None
        raise
