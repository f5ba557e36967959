"""Idempotency-Key handling on powertools Idempotency, persisted in the single table.

A replay with the same key and body returns the first response and runs nothing;
the same key with another body is a 422; a replay while the first is running is a 409.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.domain.errors import BusinessRuleViolated, Conflict
from chalicelib.settings import get_settings

TTL_SECONDS = 24 * 3600
RECORD_SK = "IDEMPOTENCY"


def record_key(idempotency_key: str) -> dict[str, dict[str, str]]:
    """Each record under its own partition: powertools' composite-key mode puts every record of the
    platform under one static partition key (`static_pk_value`), a write hot spot at scale."""
    return {"pk": {"S": f"IDEMPOTENCY#{idempotency_key}"}, "sk": {"S": RECORD_SK}}


@cache
def _store() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    class OwnPartitionLayer(DynamoDBPersistenceLayer):
        def _get_key(self, idempotency_key: str) -> dict[str, Any]:
            return record_key(idempotency_key)

    return OwnPartitionLayer(
        table_name=get_settings().table_name,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="expires_at",
        boto3_client=client("dynamodb"),
    )


def run_once(
    scope: str, key: str, payload: Any, fn: Callable[[], dict[str, Any]], lambda_context: Any = None
) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="payload",
        expires_after_seconds=TTL_SECONDS,
        use_local_cache=False,
    )
    if hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)  # an in-progress record expires with the invocation

    @idempotent_function(data_keyword_argument="request", config=config, persistence_store=_store())
    def money_request(request: dict[str, Any]) -> dict[str, Any]:
        return fn()

    try:
        return money_request(request={"scope": scope, "key": key, "payload": payload})
    except IdempotencyValidationError:
        raise BusinessRuleViolated("this Idempotency-Key was used with a different request") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("a request with this Idempotency-Key is still in progress") from None
