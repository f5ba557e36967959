"""One TransactWriteItems per state change; a failed condition is a lost race (409)."""

from __future__ import annotations

import random
import time
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


class Contended(Conflict):
    """Still contended after every attempt: the platform is busier than its shards (a 409, retry later)."""


COMMIT_ATTEMPTS = 5
BACKOFF_SECONDS = 0.02  # full jitter: attempt n sleeps up to 0.02 * 2**n (at most ~0.6 s in all)


def contention_only(exc: TransactWriteError) -> bool:
    """Cancelled only because another transaction held one of the items: nothing was wrong with ours.

    That is someone else's write (a platform account, a busy task) and worth retrying as it is; a failed
    condition (`ConditionalCheckFailed`) is a lost race or a broken rule and is not.
    """
    reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
    if reasons:
        return all(code == "TransactionConflict" for code in reasons)
    return error_code(exc) == "TransactionConflictException"


@contextmanager
def transaction(conflict: str = "the resource changed meanwhile; reload and retry") -> Iterator[TransactWrite]:
    """Collect the block's writes and commit them as one TransactWriteItems.

    A commit cancelled by contention alone is retried with jittered backoff (a cancelled transaction
    applied nothing, so the same items and conditions go again): the caller never sees a 409 for
    someone else's write. A failed condition is a `Conflict` at once.
    """
    tx = TransactWrite(connection=connection())
    yield tx
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        try:
            tx._commit()  # PynamoDB's own __exit__ commit, made repeatable: local versions move only on success
            return
        except TransactWriteError as exc:
            if attempt < COMMIT_ATTEMPTS and contention_only(exc):
                time.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))
                continue
            if contention_only(exc):
                raise Contended(conflict) from None
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
