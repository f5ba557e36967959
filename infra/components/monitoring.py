"""Operations: one SNS topic (optionally mailed) and the alarms that notify it, on dead letters,
the API's 5xx rate, failed workflow executions, throttled functions and a throttled table."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.components.api import API_STAGE
from infra.components.config import StageConfig, construct_key
from infra.components.functions import Function
from infra.components.naming import Concern
from infra.resources import Queue, Resources


class Monitoring(Concern):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        resources: Resources,
        table: dynamodb.Table,
        dlqs: dict[str, sqs.Queue],
        queue_specs: dict[str, Queue],
        machines: dict[str, sfn.CfnStateMachine],
        functions: list[Function],
        function_name: Callable[[Function], str],  # the deployed name (a Ref) of a packaged function
    ) -> None:
        super().__init__(scope, id)
        name = Stack.of(self).stack_name
        self.topic = sns.Topic(self, "Alarms", display_name=f"{name} alarms", enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        alarms: list[cloudwatch.Alarm] = []

        for queue_name, dlq in dlqs.items():
            alarms.append(
                dlq.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ).create_alarm(
                    self,
                    f"{construct_key(queue_name)}DlqAlarm",
                    alarm_name=f"{name} {queue_name}-dlq has messages",
                    alarm_description=(
                        f"Messages from {queue_name} failed {queue_specs[queue_name].max_receive_count} times"
                    ),
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )

        api = {"ApiName": config.stack_name, "Stage": API_STAGE}
        errors = cloudwatch.Metric(
            namespace="AWS/ApiGateway", metric_name="5XXError", dimensions_map=api, statistic="Sum"
        )
        requests = cloudwatch.Metric(
            namespace="AWS/ApiGateway", metric_name="Count", dimensions_map=api, statistic="Sum"
        )
        alarms.append(
            cloudwatch.MathExpression(
                expression="IF(requests >= 20, errors / requests, 0)",
                using_metrics={"errors": errors, "requests": requests},
                period=Duration.minutes(5),
                label="5xx rate",
            ).create_alarm(
                self,
                "Api5xxAlarm",
                alarm_name=f"{name} API 5xx rate above 5%",
                alarm_description="More than 5% of API requests failed with a 5xx (at least 20 requests in 5 minutes)",
                threshold=0.05,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=2,
                datapoints_to_alarm=2,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )

        for machine_name, machine in machines.items():
            key = construct_key(machine_name)
            for metric_name in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"):
                alarms.append(
                    cloudwatch.Metric(
                        namespace="AWS/States",
                        metric_name=metric_name,
                        dimensions_map={"StateMachineArn": machine.attr_arn},
                        statistic="Sum",
                        period=Duration.minutes(5),
                    ).create_alarm(
                        self,
                        f"{key}{metric_name}Alarm",
                        alarm_name=f"{name} {machine_name} {metric_name}",
                        alarm_description=f"A {machine_name} execution ended badly ({metric_name})",
                        threshold=0,
                        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                        evaluation_periods=1,
                        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                    )
                )

        for function in functions:
            alarms.append(
                cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="Throttles",
                    dimensions_map={"FunctionName": function_name(function)},
                    statistic="Sum",
                    period=Duration.minutes(5),
                ).create_alarm(
                    self,
                    f"{function.logical_id}ThrottlesAlarm",
                    alarm_name=f"{name} {function.name} throttled",
                    alarm_description=f"Lambda throttled invocations of {function.name}",
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )

        throttle_metrics: dict[str, cloudwatch.IMetric] = {}
        table_dims = {"TableName": table.table_name}
        scopes: list[dict[str, str]] = [table_dims] + [
            table_dims | {"GlobalSecondaryIndexName": index.name} for index in resources.table.indexes
        ]
        for i, dims in enumerate(scopes):
            for kind in ("Read", "Write"):
                throttle_metrics[f"{kind.lower()}{i}"] = cloudwatch.Metric(
                    namespace="AWS/DynamoDB", metric_name=f"{kind}ThrottleEvents", dimensions_map=dims, statistic="Sum"
                )
        alarms.append(
            cloudwatch.MathExpression(
                expression="+".join(throttle_metrics),
                using_metrics=throttle_metrics,
                period=Duration.minutes(5),
                label="throttle events (table and indexes)",
            ).create_alarm(
                self,
                "TableThrottlesAlarm",
                alarm_name=f"{name} DynamoDB throttled",
                alarm_description="DynamoDB throttled reads or writes on the table or one of its indexes",
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        for alarm in alarms:
            alarm.add_alarm_action(action)
