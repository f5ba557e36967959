"""The Chalice app's Lambda functions as `chalice package` writes them, and what each may do.

Plain data, no CDK: the API construct (api.py) gives each function an IAM role holding only
the actions declared here; anything not listed is denied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.resources import PREFIX

API_FUNCTION = "APIHandler"
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
STREAM_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
# Lambda event filtering on the table's stream: only new outbox items invoke the relay.
OUTBOX_FILTER = json.dumps({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"type": {"S": ["Outbox"]}}}})
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)


@dataclass(frozen=True)
class Access:
    """What one Lambda function may do; anything not listed here is denied.

    The table (items and its indexes) is the one thing every function touches.
    """

    bucket: tuple[str, ...] = ()  # S3 actions on uploads/*, deliverables/*, documents/* (ListBucket: the bucket)
    workflow: tuple[str, ...] = ()  # Step Functions actions on the milestone machine
    put_events: bool = False  # events:PutEvents on the bus (only the outbox relay publishes)
    read_stream: bool = False  # the table's stream (the outbox relay's event source)
    send_to: tuple[str, ...] = ()  # queues (names from infra/resources.py) it sends messages to
    users: tuple[str, ...] = ()  # Cognito admin actions on the user pool


# The API: presigned POST uploads (PutObject), HEAD and presigned GET (GetObject),
# CopyObject to deliverables/ (GetObject on the source, PutObject on the target);
# ListBucket only so that HEAD on a missing upload is a 404 instead of a 403.
API_ACCESS = Access(
    bucket=("s3:GetObject", "s3:PutObject", "s3:ListBucket"),
    workflow=("states:StartExecution", "states:SendTaskSuccess"),
    send_to=(f"{PREFIX}-payouts",),
    users=("cognito-idp:AdminUserGlobalSignOut",),  # suspension signs the user out
)
# SQS consumers, by the queue they consume (a new consumer of one of these queues gets
# these rights with no change here).
CONSUMER_ACCESS: dict[str, Access] = {
    # park a token (and answer it at once when the decision already happened), auto-accept (releases, publishes)
    f"{PREFIX}-milestone-callbacks": Access(workflow=("states:SendTaskSuccess",)),
    f"{PREFIX}-notifications": Access(),  # inbox items only
    f"{PREFIX}-metrics": Access(),  # daily aggregates only
    f"{PREFIX}-payouts": Access(),  # Stripe transfers/payouts, ledger, events (outbox items)
}
# Other functions (scheduled jobs, ...) by their Python function name.
FUNCTION_ACCESS: dict[str, Access] = {
    # the outbox relay: the table's stream in, EventBridge out (the one function that publishes)
    "outbox_relay": Access(put_events=True, read_stream=True),
    # the hourly task expiry (an EventBridge schedule): the table only; its events are outbox items
    "expire_tasks": Access(),
}


@dataclass(frozen=True)
class Function:
    """One Lambda function of the packaged Chalice app, as `chalice package` wrote it."""

    logical_id: str
    name: str  # the Python function name (the API's is APIHandler)
    queues: dict[str, str]  # SQS event source logical name -> queue name (infra/resources.py)
    streams: tuple[str, ...] = ()  # DynamoDB stream event source logical names (the table's stream)


def _queue_of(arn: Any) -> str:
    """The queue name in the ARN `chalice package` writes for @on_sqs_message(queue=...)."""
    text = arn.get("Fn::Sub") if isinstance(arn, dict) else arn
    if not isinstance(text, str):
        raise ValueError(f"unexpected SQS event source {arn!r}")
    return text.rsplit(":", 1)[-1]


def packaged_functions(sam: Mapping[str, Any]) -> list[Function]:
    found = []
    for logical_id, resource in sam["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        name = API_FUNCTION if logical_id == API_FUNCTION else str(props["Handler"]).rsplit(".", 1)[-1]
        queues = {
            event_id: _queue_of(event["Properties"]["Queue"])
            for event_id, event in (props.get("Events") or {}).items()
            if event["Type"] == "SQS"
        }
        streams = tuple(
            event_id for event_id, event in (props.get("Events") or {}).items() if event["Type"] == "DynamoDB"
        )
        found.append(Function(logical_id, name, queues, streams))
    return found


def access_for(function: Function) -> Access:
    if function.name == API_FUNCTION:
        return API_ACCESS
    if function.queues:
        queues = set(function.queues.values())
        if len(queues) != 1:
            raise ValueError(f"{function.name} consumes {sorted(queues)}: give each queue its own consumer")
        (queue,) = queues
        if queue not in CONSUMER_ACCESS:
            raise ValueError(f"no IAM access declared for consumers of {queue}: add it to CONSUMER_ACCESS")
        return CONSUMER_ACCESS[queue]
    if function.name not in FUNCTION_ACCESS:
        raise ValueError(f"no IAM access declared for the Lambda function {function.name}: add it to FUNCTION_ACCESS")
    return FUNCTION_ACCESS[function.name]
