"""The milestone escrow workflow on Step Functions: start an execution, answer its callbacks."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.settings import get_settings


def start(
    contract_id: str, milestone_id: str, review_window_seconds: int, overdue_seconds: int, qc_timeout_seconds: int
) -> str:
    """One Standard execution per milestone; the name makes a retried start idempotent.

    `overdue_seconds` times the first submission wait out at the end of the due date (MilestoneOverdue);
    `qc_timeout_seconds` is how long a QC reviewer has before the admins are alerted (QcReviewOverdue).
    """
    settings = get_settings()
    sfn = client("stepfunctions")
    name = f"{contract_id}-{milestone_id}"
    payload = json.dumps(
        {
            "contractId": contract_id,
            "milestoneId": milestone_id,
            "reviewWindowSeconds": review_window_seconds,
            "overdueSeconds": overdue_seconds,
            "qcTimeoutSeconds": qc_timeout_seconds,
        }
    )
    try:
        result = sfn.start_execution(stateMachineArn=settings.state_machine_arn, name=name, input=payload)
        return str(result["executionArn"])
    except sfn.exceptions.ExecutionAlreadyExists:
        return settings.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"


def succeed(token: str, output: dict[str, Any]) -> bool:
    """False when the token is no longer waiting (a finished step refuses its callback)."""
    sfn = client("stepfunctions")
    try:
        sfn.send_task_success(taskToken=token, output=json.dumps(output))
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken, sfn.exceptions.TaskDoesNotExist):
        return False
    return True


def history(execution_arn: str) -> list[dict[str, Any]]:
    sfn = client("stepfunctions")
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def status(execution_arn: str) -> str:
    return str(client("stepfunctions").describe_execution(executionArn=execution_arn)["status"])
