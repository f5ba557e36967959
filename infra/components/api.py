"""The API and every Lambda function: the Chalice app through `chalice.cdk.Chalice`, which runs
`chalice package` and includes its SAM template. This construct then gives each function its
own IAM role holding only the actions it uses (functions.py), points its SQS event sources at
the stack's queues, sets its environment and log group, and puts the API Gateway stage
throttling and the WAF rate limit in front of the API.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, ArnFormat, Fn, Stack, Validations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_wafv2 as wafv2
from chalice.cdk import Chalice
from constructs import Construct

from infra.components.config import ROOT, XRAY_ACTIONS, StageConfig
from infra.components.data import DELIVERABLES_PREFIX, DOCUMENTS_PREFIX, UPLOADS_PREFIX
from infra.components.functions import (
    CONSUME_ACTIONS,
    OUTBOX_FILTER,
    STREAM_ACTIONS,
    TABLE_ACTIONS,
    Access,
    Function,
    access_for,
    packaged_functions,
)
from infra.components.naming import Concern
from infra.resources import PREFIX, Queue

API_STAGE = "api"  # the API Gateway stage `chalice package` writes (api_gateway_stage below)


def clean_build_dir(build_dir: Path) -> None:
    """Drop the packages of earlier runs (each run writes a new app and layer zip there)."""
    shutil.rmtree(build_dir / "chalice.out", ignore_errors=True)


@contextlib.contextmanager
def _packaging(build_dir: Path, region: str) -> Iterator[None]:
    """`chalice.cdk.Chalice` writes into ./chalice.out and `chalice package` needs a region."""
    build_dir.mkdir(parents=True, exist_ok=True)
    previous_dir = Path.cwd()
    previous_region = os.environ.get("AWS_DEFAULT_REGION")
    os.chdir(build_dir)
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    try:
        yield
    finally:
        os.chdir(previous_dir)
        if previous_region is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)


class StackStagedChalice(Chalice):
    """`chalice.cdk.Chalice` names the Chalice stage after `scope.to_string()`, its scope's
    construct path: inside the Api construct that would be "tasklane-dev/Api". The stage (it is
    in the aws-chalice tag of every function) stays the stack's name."""

    def _package_app(self) -> None:
        self.stage_name = Stack.of(self).stack_name
        super()._package_app()


class Api(Concern):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        build_dir: Path,
        package_region: str,
        table: dynamodb.Table,
        bucket: s3.Bucket,
        user_pool: cognito.UserPool,
        user_pool_client: cognito.UserPoolClient,
        bus: events.EventBus,
        queues: dict[str, sqs.Queue],
        queue_specs: dict[str, Queue],
        workflow: sfn.CfnStateMachine,
        secret: secretsmanager.Secret,
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        self.table = table
        self.bucket = bucket
        self.user_pool = user_pool
        self.bus = bus
        self.queues = queues
        self.workflow = workflow
        self.secret = secret

        with _packaging(build_dir, package_region):
            self.chalice = StackStagedChalice(self, "Api", source_dir=str(ROOT), stage_config=self._chalice_config())
        sam = json.loads((Path(self.chalice._sam_package_dir) / "sam.json").read_text())
        self.functions = packaged_functions(sam)
        self.rest_api = self.chalice.get_resource("RestAPI")

        self.rest_api.add_override("Properties.Name", config.stack_name)
        self.rest_api.add_override("Properties.TracingEnabled", True)
        environment = {
            "TABLE_NAME": table.table_name,
            "BUCKET_NAME": bucket.bucket_name,
            "USER_POOL_ID": user_pool.user_pool_id,
            "USER_POOL_CLIENT_ID": user_pool_client.user_pool_client_id,
            "EVENT_BUS_NAME": bus.event_bus_name,
            "STATE_MACHINE_ARN": workflow.attr_arn,
            "QUEUE_URLS": Stack.of(self).to_json_string({name: queue.queue_url for name, queue in queues.items()}),
            # The secrets are read from here at each cold start (chalicelib/settings.py), never
            # put in the environment, where lambda:GetFunctionConfiguration would show them.
            "SECRETS_ARN": secret.secret_arn,
            "TASKLANE_ENV": "aws",
        }
        for function in self.functions:
            resource = self.function_resource(function)
            role = self._function_role(function, access_for(function))
            resource.add_override("Properties.Role", role.role_arn)
            for event_id, queue in function.queues.items():
                if queue not in queues:
                    raise ValueError(f"{function.name} consumes {queue}, which infra/resources.py does not define")
                # The queue from this stack (the packaged ARN names the undecorated queue), and a
                # timeout well inside the queue's visibility timeout so a slow run is not redelivered.
                resource.add_override(f"Properties.Events.{event_id}.Properties.Queue", queues[queue].queue_arn)
                resource.add_override("Properties.Timeout", queue_specs[queue].visibility_timeout // 2)
            for event_id in function.streams:
                # This stack's table stream (the packaged ARN is a placeholder), only outbox inserts
                # (every other write of the table is filtered out before a Lambda runs), and a failing
                # batch is split to find the bad record instead of blocking the shard.
                source = f"Properties.Events.{event_id}.Properties"
                resource.add_override(f"{source}.Stream", table.table_stream_arn)
                resource.add_override(f"{source}.FilterCriteria", {"Filters": [{"Pattern": OUTBOX_FILTER}]})
                resource.add_override(f"{source}.BisectBatchOnFunctionError", True)
                resource.add_override(f"{source}.MaximumRetryAttempts", 100)
            for key, value in environment.items():
                resource.add_override(f"Properties.Environment.Variables.{key}", value)
            # Chalice's own `log_retention_in_days` cannot be used: for the API handler it writes
            # a Fn::Sub on "ApiHandler", a logical ID it renames to "APIHandler" (chalice/package.py).
            log_group = logs.CfnLogGroup(
                self,
                f"{function.logical_id}Logs",
                log_group_name=f"/aws/lambda/{resource.ref}",
                retention_in_days=config.log_retention_days,
            )
            log_group.apply_removal_policy(config.removal_policy)
        self.web_acl = self._rate_limits()

    def function_resource(self, function: Function) -> Any:
        """The function's resource in the included SAM template (a CfnResource)."""
        return self.chalice.get_resource(function.logical_id)

    def _chalice_config(self) -> dict[str, Any]:
        config = self.config
        return {
            "app_name": PREFIX,
            "api_gateway_stage": API_STAGE,
            "api_gateway_endpoint_type": "REGIONAL",
            "automatic_layer": True,  # dependencies in a layer cached by requirements.txt alone
            "xray": True,
            "lambda_memory_size": 512,
            "lambda_timeout": 30,
            # Roles are made here, one per function; the ARN is replaced after packaging.
            "manage_iam_role": False,
            "iam_role_arn": "arn:aws:iam::000000000000:role/replaced-by-cdk",
            "environment_variables": {
                "POWERTOOLS_SERVICE_NAME": PREFIX,
                "POWERTOOLS_METRICS_NAMESPACE": PREFIX.title(),
                "REVIEW_WINDOW_SECONDS": str(config.review_window_seconds),
                "PAYMENTS": config.payments,
            },
        }

    def _function_role(self, function: Function, access: Access) -> iam.Role:
        stack = Stack.of(self)
        statements = [
            iam.PolicyStatement(
                sid="Table",
                actions=list(TABLE_ACTIONS),
                resources=[self.table.table_arn, f"{self.table.table_arn}/index/*"],
            ),
            iam.PolicyStatement(
                sid="Logs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"/aws/lambda/{stack.stack_name}-*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
            iam.PolicyStatement(sid="Traces", actions=list(XRAY_ACTIONS), resources=["*"]),
            # Every function reads the settings, secrets included, at its cold start.
            iam.PolicyStatement(
                sid="Secrets", actions=["secretsmanager:GetSecretValue"], resources=[self.secret.secret_arn]
            ),
        ]
        object_actions = [a for a in access.bucket if a != "s3:ListBucket"]
        if object_actions:
            statements.append(
                iam.PolicyStatement(
                    sid="Files",
                    actions=object_actions,
                    resources=[
                        self.bucket.arn_for_objects(f"{UPLOADS_PREFIX}*"),
                        self.bucket.arn_for_objects(f"{DELIVERABLES_PREFIX}*"),
                        self.bucket.arn_for_objects(f"{DOCUMENTS_PREFIX}*"),
                    ],
                )
            )
        if "s3:ListBucket" in access.bucket:
            statements.append(
                iam.PolicyStatement(sid="FilesExist", actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
            )
        if access.workflow:
            statements.append(
                iam.PolicyStatement(sid="Workflow", actions=list(access.workflow), resources=[self.workflow.attr_arn])
            )
        if access.put_events:
            statements.append(
                iam.PolicyStatement(sid="Events", actions=["events:PutEvents"], resources=[self.bus.event_bus_arn])
            )
        if access.read_stream:
            statements.append(
                iam.PolicyStatement(
                    sid="Stream",
                    actions=list(STREAM_ACTIONS),
                    resources=[self.table.table_stream_arn or f"{self.table.table_arn}/stream/*"],
                )
            )
        if access.users:
            statements.append(
                iam.PolicyStatement(sid="Users", actions=list(access.users), resources=[self.user_pool.user_pool_arn])
            )
        if access.send_to:
            statements.append(
                iam.PolicyStatement(
                    sid="Send",
                    actions=["sqs:SendMessage"],
                    resources=[self.queues[q].queue_arn for q in access.send_to],
                )
            )
        consumed = sorted(set(function.queues.values()))
        if consumed:
            statements.append(
                iam.PolicyStatement(
                    sid="Consume",
                    actions=list(CONSUME_ACTIONS),
                    resources=[self.queues[q].queue_arn for q in consumed],
                )
            )
        return iam.Role(
            self,
            f"{function.logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{stack.stack_name} {function.name}: only what it uses",
            inline_policies={"access": iam.PolicyDocument(statements=statements)},
        )

    def _rate_limits(self) -> wafv2.CfnWebACL:
        """Two outer limits in front of the app's own quotas (chalicelib/services/quotas.py).

        API Gateway stage throttling caps the stage's steady rate and burst, all clients together
        (429 from API Gateway itself). A REGIONAL WAF web ACL on the stage blocks a source IP that
        sends more than `waf_rate_limit` requests in any 5 minutes (403 from WAF), until it slows down.
        """
        config = self.config
        stack = Stack.of(self)
        self.rest_api.add_override(
            "Properties.MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": config.api_rate_limit,
                    "ThrottlingBurstLimit": config.api_burst_limit,
                }
            ],
        )
        name = f"{stack.stack_name}-api"
        acl = wafv2.CfnWebACL(
            self,
            "ApiWebAcl",
            name=name,
            scope="REGIONAL",
            description=f"{stack.stack_name}: per-address rate limit of the API",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="per-ip-rate",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=config.waf_rate_limit, aggregate_key_type="IP", evaluation_window_sec=300
                        )
                    ),
                    visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                        cloud_watch_metrics_enabled=True,
                        metric_name=f"{name}-per-ip-rate",
                        sampled_requests_enabled=True,
                    ),
                )
            ],
        )
        # `RestAPI.Stage` is SAM's reference to the stage it generates: the association waits for it.
        stage_arn = Fn.join(
            "",
            [
                f"arn:{stack.partition}:apigateway:{stack.region}::/restapis/",
                self.rest_api.ref,
                "/stages/",
                Fn.ref("RestAPI.Stage"),
            ],
        )
        association = wafv2.CfnWebACLAssociation(
            self, "ApiWebAclAssociation", resource_arn=stage_arn, web_acl_arn=acl.attr_arn
        )
        # CDK's template check knows no SAM-generated names; the transform resolves it (cfn-lint agrees).
        Validations.of(association).acknowledge(
            Acknowledgment(id="CloudFormation-Validate::F1020", reason="RestAPI.Stage is resolved by the SAM transform")
        )
        return acl
