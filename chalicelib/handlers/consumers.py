"""Queue consumers: on AWS, Lambda functions on SQS; locally, the pump calls the same functions."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice.app import Blueprint, DynamoDBEvent, SQSEvent

log = logging.getLogger(__name__)
bp = Blueprint(__name__)

CALLBACKS_QUEUE = "tasklane-milestone-callbacks"
NOTIFICATIONS_QUEUE = "tasklane-notifications"
# `chalice package` needs an ARN; the CDK app points the event source at this stack's table stream.
TABLE_STREAM = "arn:aws:dynamodb:eu-central-1:000000000000:table/tasklane/stream/packaged"


def on_workflow_message(body: dict[str, Any]) -> str:
    """A message the milestone workflow sent: park its token, auto-accept, tell of an overdue milestone or QC review."""
    from chalicelib.services import escrow

    if body.get("wait") == "auto_accept":
        released = escrow.auto_accept(body["contractId"], body["milestoneId"])
        return "auto-accepted" if released else "already decided"
    if body.get("wait") == "qc_escalate":
        from chalicelib.services import gates

        escalated = gates.escalate_qc(body["contractId"], body["milestoneId"])
        return "qc overdue: listed for admins" if escalated else "qc decided meanwhile"
    if body.get("wait") == "overdue":
        return (
            "overdue: parties told" if escrow.mark_overdue(body["contractId"], body["milestoneId"]) else "not overdue"
        )
    return escrow.park_token(body["contractId"], body["milestoneId"], body["wait"], body["token"])


def on_domain_event(envelope: dict[str, Any]) -> int:
    """An EventBridge event delivered through SQS: write the recipients' inbox items."""
    from chalicelib.services import notifications

    return notifications.deliver(envelope["detail-type"], envelope["detail"])


@bp.on_sqs_message(queue=CALLBACKS_QUEUE, batch_size=1)
def workflow_callbacks(event: SQSEvent) -> None:
    for record in event:
        log.info("workflow message: %s", on_workflow_message(json.loads(record.body)))


@bp.on_sqs_message(queue=NOTIFICATIONS_QUEUE, batch_size=10)
def notifications_consumer(event: SQSEvent) -> None:
    for record in event:
        on_domain_event(json.loads(record.body))


@bp.on_dynamodb_record(stream_arn=TABLE_STREAM, batch_size=100, starting_position="TRIM_HORIZON")
def outbox_relay(event: DynamoDBEvent) -> None:
    """The table's new outbox items to EventBridge; a refused batch raises and the stream redelivers it."""
    from chalicelib.services import outbox

    log.info("outbox relay published %d", outbox.relay([record.to_dict() for record in event]))
