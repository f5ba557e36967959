"""The Tasklane stack for AWS, built from the same description the local stack provisions.

Every table key, index, queue, bus rule and state machine file comes from
infra/resources.py (infra/local.py reads the same objects for moto), so the two cannot
drift apart; tests/infra/test_stack.py proves it on the synthesized template.

The API and every Lambda function come from the Chalice app through
`chalice.cdk.Chalice`, which runs `chalice package` and includes its SAM template.
This module then gives each function its own IAM role holding only the actions it uses
(API_ACCESS, CONSUMER_ACCESS, FUNCTION_ACCESS below), points its SQS event sources at the
queues defined here, and sets its environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    CfnOutput,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Tags,
    Validations,
)
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.resources import PREFIX, RESOURCES, STATE_MACHINES_DIR, Resources

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dev", "prod")
PAYMENTS = ("sandbox", "stripe")
WORKFLOW = f"{PREFIX}-milestone"  # the machine whose ARN the app gets as STATE_MACHINE_ARN
UPLOADS_PREFIX = "uploads/"
DELIVERABLES_PREFIX = "deliverables/"
# Objects under uploads/ carrying this tag are expired after Bucket.abandoned_upload_days.
# Claimed uploads (verification documents, attachments) stay under uploads/ and are read
# later, so expiry must never apply to them: only a tag set at upload time and removed
# when the upload is claimed marks an upload as abandoned (see docs/deploy.md).
PENDING_UPLOAD_TAG = ("tasklane-upload", "pending")
XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
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
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
API_FUNCTION = "APIHandler"
API_STAGE = "api"  # the API Gateway stage `chalice package` writes (api_gateway_stage below)
# The app's secret: one JSON object keyed by the environment variables it replaces
# (chalicelib/settings.py SECRET_NAMES). CloudFormation generates ANONYMITY_KEY once; the Stripe
# keys start empty for the operator to fill in (docs/deploy.md). Changing the generator would
# replace the key, and with it every provider alias: leave it as it is.
SECRET_TEMPLATE = {"STRIPE_API_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
SECRET_GENERATED_KEY = "ANONYMITY_KEY"

# The back office (issue 8) on AWS: chalicelib/static/admin in a private bucket under admin/,
# and one CloudFront distribution in front of that bucket and of the API, so that the page and
# the API share an origin (the page's relative URLs, GET /config and connect-src 'self' work as
# they do on the local server, where the API function itself serves the page).
ADMIN_STATIC = ROOT / "chalicelib" / "static" / "admin"
ADMIN_PREFIX = "admin/"
# The page's own files: the suffixes chalicelib/handlers/backoffice.py serves. No API route
# under /admin/ has a dot in it, so these patterns never take an API call away from the API.
ADMIN_FILE_PATTERNS = ("/admin/*.html", "/admin/*.js", "/admin/*.css", "/admin/*.txt")
# CloudFront Function (viewer request) of the behaviors "/admin" and "/admin/": the page is
# admin/index.html in the bucket, and /admin without the slash goes to /admin/ first, as the
# API function does (the page's relative URLs need the slash).
ADMIN_PAGE_FUNCTION = """\
function handler(event) {
  var request = event.request;
  if (request.uri === "/admin") {
    return {
      statusCode: 302,
      statusDescription: "Found",
      headers: { location: { value: "/admin/" }, "cache-control": { value: "no-cache" } },
    };
  }
  if (request.uri === "/admin/") {
    request.uri = "/admin/index.html";
  }
  return request;
}
"""
# Cache-Control of the deployed files, by group (the groups split the folder between them).
ADMIN_PAGE_CACHE = "no-cache"  # index.html: always revalidated, so a deploy shows at once
ADMIN_LIBRARY_CACHE = "public, max-age=31536000, immutable"  # uplot-<version>.*: a new version is a new name
ADMIN_ASSET_CACHE = "public, max-age=300"  # app.js, app.css and anything else: short


@dataclass(frozen=True)
class Access:
    """What one Lambda function may do; anything not listed here is denied.

    The table (items and its indexes) is the one thing every function touches.
    """

    bucket: tuple[str, ...] = ()  # S3 actions on uploads/* and deliverables/* (ListBucket: on the bucket)
    workflow: tuple[str, ...] = ()  # Step Functions actions on the milestone machine
    put_events: bool = False  # events:PutEvents on the bus (the outbox publishes after commit)
    send_to: tuple[str, ...] = ()  # queues (names from infra/resources.py) it sends messages to
    users: tuple[str, ...] = ()  # Cognito admin actions on the user pool


# The API: presigned POST uploads (PutObject), HEAD and presigned GET (GetObject),
# CopyObject to deliverables/ (GetObject on the source, PutObject on the target);
# ListBucket only so that HEAD on a missing upload is a 404 instead of a 403.
API_ACCESS = Access(
    bucket=("s3:GetObject", "s3:PutObject", "s3:ListBucket"),
    workflow=("states:StartExecution", "states:SendTaskSuccess"),
    put_events=True,
    send_to=(f"{PREFIX}-payouts",),
    users=("cognito-idp:AdminUserGlobalSignOut",),  # suspension signs the user out
)
# SQS consumers, by the queue they consume (a new consumer of one of these queues gets
# these rights with no change here).
CONSUMER_ACCESS: dict[str, Access] = {
    # park a token (and answer it at once when the decision already happened), auto-accept (releases, publishes)
    f"{PREFIX}-milestone-callbacks": Access(workflow=("states:SendTaskSuccess",), put_events=True),
    f"{PREFIX}-notifications": Access(),  # inbox items only
    f"{PREFIX}-metrics": Access(),  # daily aggregates only
    f"{PREFIX}-payouts": Access(put_events=True),  # Stripe transfers/payouts, ledger, events
}
# Other functions (scheduled jobs, ...) by their Python function name.
FUNCTION_ACCESS: dict[str, Access] = {
    # the scheduled outbox sweep: re-publishes outbox items left by a failed publish, then deletes them
    "outbox_sweep": Access(put_events=True),
}


@dataclass(frozen=True)
class StageConfig:
    """Per-stage settings, read from CDK context (cdk.json, `-c key=value`)."""

    stage: str
    frontend_origins: tuple[str, ...]
    payments: str
    review_window_seconds: int
    alarm_email: str | None
    log_retention_days: int
    api_rate_limit: int  # API Gateway stage throttling: steady requests per second, all clients together
    api_burst_limit: int  # ... and the burst (token bucket size)
    waf_rate_limit: int  # WAF rate-based rule: requests per source IP in any 5 minutes, then blocked

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def stack_name(self) -> str:
        return f"{PREFIX}-{self.stage}"

    def physical(self, name: str) -> str:
        """The AWS name of a resource named in infra/resources.py: the stage is appended."""
        return f"{name}-{self.stage}"

    @classmethod
    def from_context(cls, get: Callable[[str], Any], resources: Resources = RESOURCES) -> StageConfig:
        stage = str(get("stage") or "dev")
        if stage not in STAGES:
            raise ValueError(f"context stage={stage!r}: expected one of {', '.join(STAGES)}")
        prod = stage == "prod"
        origins_value = get("frontendOrigin")
        if isinstance(origins_value, list | tuple):
            origins = tuple(str(o).strip() for o in origins_value if str(o).strip())
        elif origins_value:
            origins = tuple(o.strip() for o in str(origins_value).split(",") if o.strip())
        elif prod:
            raise ValueError("prod needs the frontend's origin for S3 CORS: -c frontendOrigin=https://app.example.com")
        else:
            origins = resources.bucket.cors_origins
        if prod and "*" in origins:
            raise ValueError("prod must not allow every origin (frontendOrigin=*)")
        payments = str(get("payments") or ("stripe" if prod else "sandbox"))
        if payments not in PAYMENTS:
            raise ValueError(f"context payments={payments!r}: expected one of {', '.join(PAYMENTS)}")
        if get("stripeSecretName"):
            raise ValueError(
                "stripeSecretName is gone: the stack owns the app's secret; put the Stripe keys in it (docs/deploy.md)"
            )
        config = cls(
            stage=stage,
            frontend_origins=origins,
            payments=payments,
            review_window_seconds=int(get("reviewWindowSeconds") or 14 * 24 * 3600),
            alarm_email=str(get("alarmEmail")) if get("alarmEmail") else None,
            log_retention_days=int(get("logRetentionDays") or (90 if prod else 14)),
            api_rate_limit=int(get("apiRateLimit") or (500 if prod else 50)),
            api_burst_limit=int(get("apiBurstLimit") or (1000 if prod else 100)),
            waf_rate_limit=int(get("wafRateLimit") or 3000),
        )
        if not 1 <= config.api_rate_limit <= 10_000 or not 1 <= config.api_burst_limit <= 5_000:
            raise ValueError("apiRateLimit must be 1..10000 and apiBurstLimit 1..5000 (the account's defaults)")
        if not 10 <= config.waf_rate_limit <= 2_000_000_000:
            raise ValueError("wafRateLimit must be 10..2000000000 requests per 5 minutes (WAF's range)")
        return config


@dataclass(frozen=True)
class Function:
    """One Lambda function of the packaged Chalice app, as `chalice package` wrote it."""

    logical_id: str
    name: str  # the Python function name (the API's is APIHandler)
    queues: dict[str, str]  # SQS event source logical name -> queue name (infra/resources.py)


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
        found.append(Function(logical_id, name, queues))
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


class TasklaneStack(Stack):
    def __init__(
        self,
        scope: Construct,
        config: StageConfig,
        *,
        resources: Resources = RESOURCES,
        build_dir: Path,
        package_region: str = "eu-central-1",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            config.stack_name,
            description=f"Tasklane ({config.stage}): API, workers, data, escrow workflow",
            **kwargs,
        )
        self.config = config
        self.resources = resources
        retain = RemovalPolicy.RETAIN if config.prod else RemovalPolicy.DESTROY
        Tags.of(self).add("app", PREFIX)
        Tags.of(self).add("stage", config.stage)

        self.table = self._table(retain)
        self.bucket = self._bucket(retain)
        self.user_pool, self.user_pool_client = self._users(retain)
        self.bus = events.EventBus(self, "EventBus", event_bus_name=config.physical(resources.event_bus))
        self.queues, self.dlqs = self._queues()
        self.rules = self._rules()
        self.machines = self._state_machines()
        self.secret = self._secret(retain)
        self.functions = self._app(build_dir, package_region)
        self.web_acl = self._rate_limits()
        self.site_bucket, self.distribution = self._back_office(retain)
        self.alarm_topic = self._alarms()
        self._outputs()

    # -- data --------------------------------------------------------------------------------

    def _table(self, removal: RemovalPolicy) -> dynamodb.Table:
        spec = self.resources.table
        table = dynamodb.Table(
            self,
            "Table",
            table_name=self.config.physical(spec.name),
            partition_key=dynamodb.Attribute(name=spec.hash_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=spec.range_key, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.config.prod,
            time_to_live_attribute=spec.ttl_attribute,
            removal_policy=removal,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.hash_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=index.range_key, type=dynamodb.AttributeType.STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _bucket(self, removal: RemovalPolicy) -> s3.Bucket:
        spec = self.resources.bucket
        tag_key, tag_value = PENDING_UPLOAD_TAG
        return s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=removal,
            cors=[
                s3.CorsRule(
                    allowed_origins=list(self.config.frontend_origins),
                    allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.POST, s3.HttpMethods.HEAD],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                # Presigned POSTs are single requests, but nothing half-written may linger.
                s3.LifecycleRule(
                    id="abort-incomplete-multipart", abort_incomplete_multipart_upload_after=Duration.days(1)
                ),
                # Only uploads never claimed (still tagged pending), only under uploads/;
                # deliverables/ is never matched by any expiring rule.
                s3.LifecycleRule(
                    id="expire-abandoned-uploads",
                    prefix=UPLOADS_PREFIX,
                    tag_filters={tag_key: tag_value},
                    expiration=Duration.days(spec.abandoned_upload_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="remove-expired-upload-markers", prefix=UPLOADS_PREFIX, expired_object_delete_marker=True
                ),
            ],
        )

    def _users(self, removal: RemovalPolicy) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        spec = self.resources.user_pool
        pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=self.config.physical(spec.name),
            self_sign_up_enabled=True,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # As locally: length over composition rules (NIST SP 800-63B).
            password_policy=cognito.PasswordPolicy(
                min_length=8,
                require_digits=False,
                require_lowercase=False,
                require_uppercase=False,
                require_symbols=False,
            ),
            deletion_protection=self.config.prod,
            removal_policy=removal,
        )
        flows = set(spec.auth_flows)
        known = {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
        if not flows <= known or "ALLOW_REFRESH_TOKEN_AUTH" not in flows:
            raise ValueError(f"auth flows {sorted(flows - known)} are not mapped in infra/stack.py")
        client = pool.add_client(
            "WebClient",
            user_pool_client_name=spec.client_name,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(
                user_password="ALLOW_USER_PASSWORD_AUTH" in flows,
                user_srp="ALLOW_USER_SRP_AUTH" in flows,
            ),
            prevent_user_existence_errors=True,
            disable_o_auth=True,  # the API and the back office sign in with InitiateAuth; no hosted UI
        )
        for group in spec.groups:
            cognito.CfnUserPoolGroup(self, f"Group{group.title()}", user_pool_id=pool.user_pool_id, group_name=group)
        return pool, client

    # -- messaging ---------------------------------------------------------------------------

    def _queues(self) -> tuple[dict[str, sqs.Queue], dict[str, sqs.Queue]]:
        queues: dict[str, sqs.Queue] = {}
        dlqs: dict[str, sqs.Queue] = {}
        for spec in self.resources.queues:
            key = spec.name.removeprefix(f"{PREFIX}-").title().replace("-", "")
            dlq = sqs.Queue(
                self,
                f"{key}Dlq",
                queue_name=self.config.physical(spec.dlq_name),
                retention_period=Duration.days(14),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
            queues[spec.name] = sqs.Queue(
                self,
                f"{key}Queue",
                queue_name=self.config.physical(spec.name),
                visibility_timeout=Duration.seconds(spec.visibility_timeout),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
            dlqs[spec.name] = dlq
        return queues, dlqs

    def _rules(self) -> list[events.Rule]:
        rules = []
        for spec in self.resources.rules:
            pattern = spec.pattern()
            rule = events.Rule(
                self,
                "Rule" + spec.name.title().replace("-", ""),
                rule_name=spec.name,
                event_bus=self.bus,
                event_pattern=events.EventPattern(source=pattern["source"], detail_type=pattern.get("detail-type")),
            )
            # SqsQueue also writes the queue policy: events.amazonaws.com, SendMessage, this rule only.
            rule.add_target(targets.SqsQueue(self.queues[spec.queue]))
            rules.append(rule)
        return rules

    def _state_machines(self) -> dict[str, sfn.CfnStateMachine]:
        machines: dict[str, sfn.CfnStateMachine] = {}
        for spec in self.resources.state_machines:
            key = spec.name.removeprefix(f"{PREFIX}-").title().replace("-", "")
            callback_queues = sorted(set(spec.substitutions.values()))
            role = iam.Role(
                self,
                f"{key}WorkflowRole",
                assumed_by=iam.ServicePrincipal(
                    "states.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
                ),
                description=f"{spec.name}: send its callback messages, write traces",
                inline_policies={
                    "workflow": iam.PolicyDocument(
                        statements=[
                            iam.PolicyStatement(
                                actions=["sqs:SendMessage"],
                                resources=[self.queues[q].queue_arn for q in callback_queues],
                            ),
                            iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"]),
                        ]
                    )
                },
            )
            # The very file infra/local.py gives moto; CloudFormation substitutes the ${...} names.
            machines[spec.name] = sfn.CfnStateMachine(
                self,
                f"{key}StateMachine",
                state_machine_name=self.config.physical(spec.name),
                state_machine_type="STANDARD",
                role_arn=role.role_arn,
                definition_string=(STATE_MACHINES_DIR / spec.definition_file).read_text(),
                definition_substitutions={
                    name: self.queues[queue].queue_url for name, queue in spec.substitutions.items()
                },
                tracing_configuration=sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True),
            )
        return machines

    # -- secrets and rate limits -----------------------------------------------------------------

    def _secret(self, removal: RemovalPolicy) -> secretsmanager.Secret:
        """The app's secret (see SECRET_TEMPLATE). Kept on delete in prod: a new anonymity key
        would give every provider new aliases."""
        return secretsmanager.Secret(
            self,
            "AppSecret",
            description=f"{self.stack_name}: ANONYMITY_KEY (generated), STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(SECRET_TEMPLATE),
                generate_string_key=SECRET_GENERATED_KEY,
                password_length=64,
                exclude_punctuation=True,
            ),
            removal_policy=removal,
        )

    def _rate_limits(self) -> wafv2.CfnWebACL:
        """Two outer limits in front of the app's own quotas (chalicelib/services/quotas.py).

        API Gateway stage throttling caps the stage's steady rate and burst, all clients together
        (429 from API Gateway itself). A REGIONAL WAF web ACL on the stage blocks a source IP that
        sends more than `waf_rate_limit` requests in any 5 minutes (403 from WAF), until it slows down.
        """
        config = self.config
        api = self.chalice.get_resource("RestAPI")
        api.add_override(
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
        name = f"{self.stack_name}-api"
        acl = wafv2.CfnWebACL(
            self,
            "ApiWebAcl",
            name=name,
            scope="REGIONAL",
            description=f"{self.stack_name}: per-address rate limit of the API",
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
                f"arn:{self.partition}:apigateway:{self.region}::/restapis/",
                api.ref,
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

    # -- the Chalice app -----------------------------------------------------------------------

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

    def _app(self, build_dir: Path, package_region: str) -> list[Function]:
        from chalice.cdk import Chalice

        with _packaging(build_dir, package_region):
            chalice = Chalice(self, "Api", source_dir=str(ROOT), stage_config=self._chalice_config())
        sam = json.loads((Path(chalice._sam_package_dir) / "sam.json").read_text())
        self.chalice = chalice
        functions = packaged_functions(sam)

        chalice.get_resource("RestAPI").add_override("Properties.Name", self.config.stack_name)
        chalice.get_resource("RestAPI").add_override("Properties.TracingEnabled", True)
        environment = self._environment()
        for function in functions:
            access = access_for(function)
            resource = chalice.get_resource(function.logical_id)
            role = self._function_role(function, access)
            resource.add_override("Properties.Role", role.role_arn)
            for event_id, queue in function.queues.items():
                if queue not in self.queues:
                    raise ValueError(f"{function.name} consumes {queue}, which infra/resources.py does not define")
                # The queue from this stack (the packaged ARN names the undecorated queue), and a
                # timeout well inside the queue's visibility timeout so a slow run is not redelivered.
                resource.add_override(f"Properties.Events.{event_id}.Properties.Queue", self.queues[queue].queue_arn)
                resource.add_override("Properties.Timeout", self._visibility(queue) // 2)
            for key, value in environment.items():
                resource.add_override(f"Properties.Environment.Variables.{key}", value)
            # Chalice's own `log_retention_in_days` cannot be used: for the API handler it writes
            # a Fn::Sub on "ApiHandler", a logical ID it renames to "APIHandler" (chalice/package.py).
            log_group = logs.CfnLogGroup(
                self,
                f"{function.logical_id}Logs",
                log_group_name=f"/aws/lambda/{resource.ref}",
                retention_in_days=self.config.log_retention_days,
            )
            log_group.apply_removal_policy(RemovalPolicy.RETAIN if self.config.prod else RemovalPolicy.DESTROY)
        return functions

    def _environment(self) -> dict[str, str]:
        machine = self.machines[WORKFLOW]
        return {
            "TABLE_NAME": self.table.table_name,
            "BUCKET_NAME": self.bucket.bucket_name,
            "USER_POOL_ID": self.user_pool.user_pool_id,
            "USER_POOL_CLIENT_ID": self.user_pool_client.user_pool_client_id,
            "EVENT_BUS_NAME": self.bus.event_bus_name,
            "STATE_MACHINE_ARN": machine.attr_arn,
            "QUEUE_URLS": self.to_json_string({name: queue.queue_url for name, queue in self.queues.items()}),
            # The secrets are read from here at each cold start (chalicelib/settings.py), never
            # put in the environment, where lambda:GetFunctionConfiguration would show them.
            "SECRETS_ARN": self.secret.secret_arn,
            "TASKLANE_ENV": "aws",
        }

    def _function_role(self, function: Function, access: Access) -> iam.Role:
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
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"/aws/lambda/{self.stack_name}-*",
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
                    ],
                )
            )
        if "s3:ListBucket" in access.bucket:
            statements.append(
                iam.PolicyStatement(sid="FilesExist", actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
            )
        if access.workflow:
            statements.append(
                iam.PolicyStatement(
                    sid="Workflow",
                    actions=list(access.workflow),
                    resources=[self.machines[WORKFLOW].attr_arn],
                )
            )
        if access.put_events:
            statements.append(
                iam.PolicyStatement(sid="Events", actions=["events:PutEvents"], resources=[self.bus.event_bus_arn])
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
            description=f"{self.stack_name} {function.name}: only what it uses",
            inline_policies={"access": iam.PolicyDocument(statements=statements)},
        )

    # -- the back office ---------------------------------------------------------------------------

    def content_security_policy(self) -> str:
        """The page's policy, as chalicelib/handlers/backoffice.py sends it: this origin only,
        plus the region's Cognito endpoint for sign-in."""
        return "; ".join(
            [
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self' data:",
                f"connect-src 'self' https://cognito-idp.{self.region}.{self.url_suffix}",
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'",
            ]
        )

    def _back_office(self, removal: RemovalPolicy) -> tuple[s3.Bucket, cloudfront.Distribution]:
        """The page's files in a private bucket, and CloudFront in front of the bucket and the API.

        Default behavior: the API (not cached, every method, every viewer header but Host, so
        Authorization reaches it). /admin/ (the page), /admin and the page's files: the bucket,
        through Origin Access Control. The API function keeps its own GET /admin routes (the
        local server serves the page through them).
        """
        bucket = s3.Bucket(
            self,
            "BackOfficeSite",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # Not versioned: every object is a copy of a file in git, written by the deployment below.
            removal_policy=removal,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "BackOfficeHeaders",
            comment=f"{self.stack_name} back office: security headers and the page's CSP",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=self.content_security_policy(), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, override=True
                ),
            ),
        )
        api = origins.HttpOrigin(
            f"{self.chalice.get_resource('RestAPI').ref}.execute-api.{self.region}.{self.url_suffix}",
            origin_path=f"/{API_STAGE}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        site = origins.S3BucketOrigin.with_origin_access_control(
            bucket, origin_access_levels=[cloudfront.AccessLevel.READ]
        )
        page_function = cloudfront.Function(
            self,
            "BackOfficePageFunction",
            code=cloudfront.FunctionCode.from_inline(ADMIN_PAGE_FUNCTION),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="/admin -> /admin/ (302); /admin/ -> admin/index.html",
        )

        def static(functions: list[cloudfront.FunctionAssociation] | None = None) -> cloudfront.BehaviorOptions:
            # CACHING_OPTIMIZED keeps the files' own Cache-Control (at least 1 s at the edge).
            return cloudfront.BehaviorOptions(
                origin=site,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=functions,
            )

        rewrite = [
            cloudfront.FunctionAssociation(
                function=page_function, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
            )
        ]
        # Path patterns without a wildcard match that path only: "/admin/" is the page and
        # nothing else, so /admin/verifications and every other /admin/... call goes to the API.
        behaviors = {"/admin/": static(rewrite), "/admin": static(rewrite)}
        behaviors |= {pattern: static() for pattern in ADMIN_FILE_PATTERNS}
        distribution = cloudfront.Distribution(
            self,
            "BackOffice",
            comment=f"{self.stack_name}: the back office at /admin/, the API everywhere else",
            default_behavior=cloudfront.BehaviorOptions(
                origin=api,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                response_headers_policy=headers,
            ),
            additional_behaviors=behaviors,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        self._deploy_back_office(bucket, distribution)
        return bucket, distribution

    def _deploy_back_office(self, bucket: s3.Bucket, distribution: cloudfront.Distribution) -> None:
        """Copy chalicelib/static/admin to admin/ in the bucket, in three groups by Cache-Control.

        BucketDeployment runs a Lambda function of CDK's own (a custom resource), not one of the
        Chalice app's: access_for() and the tables above are about the app's functions and never
        see it. Its role is written out here, action by action, instead of CDK's grants (s3:GetObject*,
        s3:List*, s3:DeleteObject*, s3:Abort* on the buckets, and the invalidation actions on "*"):
        the role is handed over immutable, so those grants are dropped and this is all it may do.
        """
        files = s3_assets.Asset(self, "BackOfficeFiles", path=str(ADMIN_STATIC), exclude=["README.md"])
        logs_group = logs.LogGroup(
            self,
            "BackOfficeDeploymentLogs",
            removal_policy=RemovalPolicy.RETAIN if self.config.prod else RemovalPolicy.DESTROY,
        )
        cfn_logs = logs_group.node.default_child
        assert isinstance(cfn_logs, logs.CfnLogGroup)
        cfn_logs.retention_in_days = self.config.log_retention_days
        role = iam.Role(
            self,
            "BackOfficeDeploymentRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.stack_name} back office deployment: copy the page's files, invalidate the CDN",
            inline_policies={
                "deploy": iam.PolicyDocument(
                    statements=[
                        # aws s3 cp of the zipped folder (a HEAD, then a GET)
                        iam.PolicyStatement(
                            sid="Source",
                            actions=["s3:GetObject"],
                            resources=[files.bucket.arn_for_objects(files.s3_object_key)],
                        ),
                        # aws s3 sync --delete to admin/: list, upload, prune
                        iam.PolicyStatement(
                            sid="SiteList",
                            actions=["s3:ListBucket"],
                            resources=[bucket.bucket_arn],
                            conditions={"StringLike": {"s3:prefix": [ADMIN_PREFIX, f"{ADMIN_PREFIX}*"]}},
                        ),
                        iam.PolicyStatement(
                            sid="SiteWrite",
                            actions=["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                            resources=[bucket.arn_for_objects(f"{ADMIN_PREFIX}*")],
                        ),
                        iam.PolicyStatement(
                            sid="Invalidate",
                            actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                            resources=[distribution.distribution_arn],
                        ),
                        iam.PolicyStatement(
                            sid="Logs",
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[logs_group.log_group_arn],
                        ),
                    ]
                )
            },
        ).without_policy_updates()
        source = s3_deployment.Source.bucket(files.bucket, files.s3_object_key)
        common: dict[str, Any] = {
            "destination_bucket": bucket,
            "destination_key_prefix": ADMIN_PREFIX,
            "sources": [source],
            "prune": True,  # a file removed from the folder is removed from the bucket
            "role": role,
            "log_group": logs_group,
        }
        # Each group syncs (and prunes) only the files its filters match: the three never overlap.
        library = s3_deployment.BucketDeployment(
            self,
            "BackOfficeLibrary",
            exclude=["*"],
            include=["uplot-*"],
            cache_control=[s3_deployment.CacheControl.from_string(ADMIN_LIBRARY_CACHE)],
            **common,
        )
        # Everything else; after its sync, the edge caches drop the old files.
        assets = s3_deployment.BucketDeployment(
            self,
            "BackOfficeAssets",
            exclude=["index.html", "uplot-*"],
            cache_control=[s3_deployment.CacheControl.from_string(ADMIN_ASSET_CACHE)],
            distribution=distribution,
            distribution_paths=[f"/{ADMIN_PREFIX}*"],
            **common,
        )
        # The page last: it never names a file that is not there yet.
        page = s3_deployment.BucketDeployment(
            self,
            "BackOfficePage",
            exclude=["*"],
            include=["index.html"],
            cache_control=[s3_deployment.CacheControl.from_string(ADMIN_PAGE_CACHE)],
            content_type="text/html; charset=utf-8",
            **common,
        )
        page.node.add_dependency(library, assets)
        # Each BucketDeployment makes an AWS CLI layer, but the function they share (a singleton,
        # made with the first one) uses only the first one's: the others would be deployed unused.
        for unused in (assets, page):
            unused.node.try_remove_child("AwsCliLayer")
        # The three share one function (a singleton). Given a role, lambda.Function also adds a
        # DependsOn on it, which the Fn::GetAtt of its Role already implies (cfn-lint W3005).
        handlers = [
            child
            for child in self.node.find_all()
            if isinstance(child, lambda_.CfnFunction) and "CDKBucketDeployment" in child.node.path
        ]
        if len(handlers) != 1:
            raise ValueError(f"expected one BucketDeployment function, found {len(handlers)}")
        handlers[0].add_deletion_override("DependsOn")

    # -- operations ------------------------------------------------------------------------------

    def _alarms(self) -> sns.Topic:
        topic = sns.Topic(self, "Alarms", display_name=f"{self.stack_name} alarms", enforce_ssl=True)
        if self.config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.config.alarm_email))
        action = cloudwatch_actions.SnsAction(topic)
        name = self.stack_name
        alarms: list[cloudwatch.Alarm] = []

        for queue_name, dlq in self.dlqs.items():
            alarms.append(
                dlq.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(1), statistic="Maximum"
                ).create_alarm(
                    self,
                    f"{queue_name.removeprefix(PREFIX + '-').title().replace('-', '')}DlqAlarm",
                    alarm_name=f"{name} {queue_name}-dlq has messages",
                    alarm_description=f"Messages from {queue_name} failed {self._receives(queue_name)} times",
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )

        api = {"ApiName": self.config.stack_name, "Stage": API_STAGE}
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

        for machine_name, machine in self.machines.items():
            key = machine_name.removeprefix(PREFIX + "-").title().replace("-", "")
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

        for function in self.functions:
            alarms.append(
                cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="Throttles",
                    dimensions_map={"FunctionName": self.chalice.get_resource(function.logical_id).ref},
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
        table_dims = {"TableName": self.table.table_name}
        scopes: list[dict[str, str]] = [table_dims] + [
            table_dims | {"GlobalSecondaryIndexName": index.name} for index in self.resources.table.indexes
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
        for alarm in alarms:
            alarm.add_alarm_action(action)
        return topic

    def _visibility(self, queue_name: str) -> int:
        return next(q.visibility_timeout for q in self.resources.queues if q.name == queue_name)

    def _receives(self, queue_name: str) -> int:
        return next(q.max_receive_count for q in self.resources.queues if q.name == queue_name)

    def _outputs(self) -> None:
        outputs = {
            "TableName": self.table.table_name,
            "BucketName": self.bucket.bucket_name,
            "UserPoolId": self.user_pool.user_pool_id,
            "UserPoolClientId": self.user_pool_client.user_pool_client_id,
            "EventBusName": self.bus.event_bus_name,
            "StateMachineArn": self.machines[WORKFLOW].attr_arn,
            "AlarmTopicArn": self.alarm_topic.topic_arn,
            "BackOfficeUrl": f"https://{self.distribution.distribution_domain_name}/{ADMIN_PREFIX}",
            "BackOfficeBucketName": self.site_bucket.bucket_name,
            "BackOfficeDistributionId": self.distribution.distribution_id,
            "AppSecretArn": self.secret.secret_arn,
            "ApiWebAclArn": self.web_acl.attr_arn,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
