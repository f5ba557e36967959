"""Background functions: queue consumers (Lambda functions on SQS), the outbox relay (the table's stream) and
scheduled jobs (EventBridge schedules); locally, the pump calls the same functions."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, DynamoDBEvent, Rate, SQSEvent

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


def on_expiry_tick() -> str:
    """The hourly expiry run: open tasks whose bidding window closed without an award become `expired`."""
    from chalicelib.services import tasks

    expired = tasks.expire_due()
    return f"expired {len(expired)} task(s)" + (f": {', '.join(expired)}" if expired else "")


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


@bp.schedule(Rate(1, unit=Rate.HOURS))
def expire_tasks(event: CloudWatchEvent) -> None:
    """Hourly: expire the tasks whose bidding ended without an award (at most a batch per run, the rest next hour)."""
    log.info("task expiry: %s", on_expiry_tick())
