"""One TransactWriteItems per state change; a failed condition is a lost race (409)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.table import connection
from chalicelib.domain.errors import Conflict


def error_code(exc: PynamoDBException) -> str | None:
    """DynamoDB's error code behind a PynamoDB error, or None.

    PynamoDB 6.1's `cause_response_code` raises AttributeError when the cause carries
    `response = None` (a botocore read timeout or connection error): that would turn an outage
    into a confusing crash instead of the retryable error it is.
    """
    response = getattr(exc.cause, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


@contextmanager
def transaction(conflict: str = "the resource changed meanwhile; reload and retry") -> Iterator[TransactWrite]:
    try:
        with TransactWrite(connection=connection()) as tx:
            yield tx
    except TransactWriteError as exc:
        reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
        if reasons or error_code(exc) in {"TransactionCanceledException", "TransactionConflictException"}:
            raise Conflict(conflict) from None
        raise


@contextmanager
def conditional(conflict: str) -> Iterator[None]:
    """For single-item writes with a condition (PutError/UpdateError on a failed check)."""
    try:
        yield
    except (PutError, UpdateError) as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise Conflict(conflict) from None
        raise
