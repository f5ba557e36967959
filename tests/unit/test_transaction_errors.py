"""PynamoDB 6.1 gap: `cause_response_code` crashes when botocore's error has no response (a timeout)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import PutError, UpdateError

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
