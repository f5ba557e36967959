"""Transaction errors: PynamoDB 6.1's `cause_response_code` gap (a timeout), and contention retried, never a 409."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import CancellationReason, PutError, TransactWriteError, UpdateError, VerboseClientError

from chalicelib.adapters import transactions
from chalicelib.adapters.transactions import conditional, error_code
from chalicelib.domain.errors import Conflict


class _NoResponse(Exception):
    """Some botocore errors carry `response = None`, which PynamoDB then calls `.get` on."""

    response = None


def test_pynamodb_gap_cause_response_code_crashes_without_a_response() -> None:
    error = PutError("timed out", cause=_NoResponse())
    with pytest.raises(AttributeError):
        _ = error.cause_response_code


def test_error_code_is_none_without_a_response() -> None:
    assert error_code(PutError("timed out", cause=_NoResponse())) is None
    assert error_code(PutError("timed out", cause=ReadTimeoutError(endpoint_url="http://x"))) is None


def test_error_code_reads_dynamodb_s_code() -> None:
    cause = ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}, "PutItem")
    assert error_code(PutError("failed", cause=cause)) == "ConditionalCheckFailedException"


def test_a_failed_condition_is_a_conflict_and_a_timeout_stays_an_outage() -> None:
    cause = ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}, "UpdateItem")
    with pytest.raises(Conflict), conditional("lost the race"):
        raise UpdateError("failed", cause=cause)
    with pytest.raises(UpdateError), conditional("lost the race"):
        raise UpdateError("timed out", cause=_NoResponse())


# --- contention: someone else's transaction held an item --------------------------------------------


def _cancelled(*codes: str) -> TransactWriteError:
    reasons = [None if code == "None" else CancellationReason(code=code) for code in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("cancelled", cause=cause)


class _Connection:
    """Answers TransactWriteItems from a script: an error to raise, or None for a commit."""

    def __init__(self, *script: TransactWriteError | None) -> None:
        self.script = list(script)
        self.calls = 0

    def transact_write_items(self, **_: object) -> dict[str, object]:
        self.calls += 1
        outcome = self.script.pop(0)
        if outcome is not None:
            raise outcome
        return {}


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Callable[..., _Connection]:
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0)

    def install(*script: TransactWriteError | None) -> _Connection:
        fake = _Connection(*script)
        monkeypatch.setattr(transactions, "connection", lambda: fake)
        return fake

    return install


def test_contention_alone_is_retried_until_the_commit_goes_through(scripted: Callable[..., _Connection]) -> None:
    fake = scripted(_cancelled("None", "TransactionConflict"), _cancelled("TransactionConflict"), None)
    with transactions.transaction("lost"):
        pass
    assert fake.calls == 3


def test_a_failed_condition_is_a_conflict_at_once_even_beside_contention(scripted: Callable[..., _Connection]) -> None:
    fake = scripted(_cancelled("ConditionalCheckFailed", "TransactionConflict"), None)
    with pytest.raises(Conflict, match="lost"), transactions.transaction("lost"):
        pass
    assert fake.calls == 1


def test_endless_contention_is_a_conflict_after_the_last_attempt(
    scripted: Callable[..., _Connection],
) -> None:
    fake = scripted(*[_cancelled("TransactionConflict")] * transactions.COMMIT_ATTEMPTS)
    with pytest.raises(transactions.Contended), transactions.transaction("busy"):
        pass
    assert fake.calls == transactions.COMMIT_ATTEMPTS


def test_a_failing_block_commits_nothing(scripted: Callable[..., _Connection]) -> None:
    fake = scripted(None)
    with pytest.raises(ValueError, match="refused"), transactions.transaction("lost"):
        raise ValueError("the service refused")
    assert fake.calls == 0
