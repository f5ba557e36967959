"""The local AWS keeps DynamoDB's transaction guarantees (infra/moto_dynamodb.py patches moto server).

These talk to the session's moto server through boto3, as the product does.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.ids import new_id


@pytest.fixture
def dynamodb(aws: dict[str, str]) -> Any:
    return boto3.client("dynamodb")


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "T"}}


def _get(dynamodb: Any, table: str, pk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=_key(pk), ConsistentRead=True).get("Item")
    return found


def test_a_cancelled_transaction_restores_exactly_the_items_it_named(dynamodb: Any, aws: dict[str, str]) -> None:
    table = aws["TABLE_NAME"]
    kept, updated, created, bystander = (f"MOTOTEST#{new_id()}" for _ in range(4))
    for pk in (kept, updated, bystander):
        dynamodb.put_item(TableName=table, Item=_key(pk) | {"n": {"N": "1"}})

    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": _key(updated),
                        "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {"Put": {"TableName": table, "Item": _key(created) | {"n": {"N": "9"}}}},
                {"Delete": {"TableName": table, "Key": _key(kept)}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": _key(bystander),
                        "ConditionExpression": "n = :five",
                        "ExpressionAttributeValues": {":five": {"N": "5"}},
                    }
                },
            ]
        )

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _get(dynamodb, table, updated) == _key(updated) | {"n": {"N": "1"}}
    assert _get(dynamodb, table, kept) == _key(kept) | {"n": {"N": "1"}}
    assert _get(dynamodb, table, created) is None
    assert _get(dynamodb, table, bystander) == _key(bystander) | {"n": {"N": "1"}}


def test_a_committed_transaction_writes_every_item(dynamodb: Any, aws: dict[str, str]) -> None:
    table = aws["TABLE_NAME"]
    first, second = f"MOTOTEST#{new_id()}", f"MOTOTEST#{new_id()}"
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": _key(first) | {"n": {"N": "1"}}}},
            {"Put": {"TableName": table, "Item": _key(second) | {"n": {"N": "2"}}}},
        ]
    )
    assert _get(dynamodb, table, first) == _key(first) | {"n": {"N": "1"}}
    assert _get(dynamodb, table, second) == _key(second) | {"n": {"N": "2"}}


def test_a_replayed_client_request_token_applies_once(dynamodb: Any, aws: dict[str, str]) -> None:
    """botocore resends the same token when it retries; DynamoDB applies the transaction once."""
    table = aws["TABLE_NAME"]
    counter = f"MOTOTEST#{new_id()}"
    request = {
        "ClientRequestToken": new_id(),
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": _key(counter),
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
    }
    dynamodb.transact_write_items(**request)
    dynamodb.transact_write_items(**request)
    dynamodb.transact_write_items(**(request | {"ClientRequestToken": new_id()}))

    assert _get(dynamodb, table, counter) == _key(counter) | {"n": {"N": "2"}}


def test_a_cancelled_transaction_leaves_nothing_on_the_stream(dynamodb: Any, aws: dict[str, str]) -> None:
    """Its items were applied and rolled back inside moto: the relay must not see them as written."""
    table = aws["TABLE_NAME"]
    streams = boto3.client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    missing, created, committed = (f"MOTOTEST#{new_id()}" for _ in range(3))

    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": _key(missing),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {"Put": {"TableName": table, "Item": _key(created) | {"n": {"N": "1"}}}},
            ]
        )
    dynamodb.put_item(TableName=table, Item=_key(committed))

    written = [r["dynamodb"]["Keys"]["pk"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]]
    assert committed in written and created not in written
