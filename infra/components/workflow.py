"""The escrow workflow: the Step Functions state machines of infra/statemachines, each with a
role that may only send its callback messages and write traces."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.components.config import XRAY_ACTIONS, StageConfig, construct_key
from infra.components.naming import Concern
from infra.resources import STATE_MACHINES_DIR, Resources


class Workflow(Concern):
    """`machines` is keyed by the machine names of infra/resources.py."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        resources: Resources,
        queues: dict[str, sqs.Queue],
    ) -> None:
        super().__init__(scope, id)
        self.machines: dict[str, sfn.CfnStateMachine] = {}
        for spec in resources.state_machines:
            key = construct_key(spec.name)
            callback_queues = sorted(set(spec.substitutions.values()))
            role = iam.Role(
                self,
                f"{key}WorkflowRole",
                assumed_by=iam.ServicePrincipal(
                    "states.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
                ),
                description=f"{spec.name}: send its callback messages, write traces",
                inline_policies={
                    "workflow": iam.PolicyDocument(
                        statements=[
                            iam.PolicyStatement(
                                actions=["sqs:SendMessage"],
                                resources=[queues[q].queue_arn for q in callback_queues],
                            ),
                            iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"]),
                        ]
                    )
                },
            )
            # The very file infra/local.py gives moto; CloudFormation substitutes the ${...} names.
            self.machines[spec.name] = sfn.CfnStateMachine(
                self,
                f"{key}StateMachine",
                state_machine_name=config.physical(spec.name),
                state_machine_type="STANDARD",
                role_arn=role.role_arn,
                definition_string=(STATE_MACHINES_DIR / spec.definition_file).read_text(),
                definition_substitutions={name: queues[queue].queue_url for name, queue in spec.substitutions.items()},
                tracing_configuration=sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True),
            )
