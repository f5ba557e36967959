"""The synthesized CloudFormation template: resources, IAM scoping, DLQs, alarms, drift, cfn-lint.

Synthesized once per session per stage (tests/infra/conftest.py) with `python infra/app.py`,
the same command `make synth` runs.
"""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra import local
from infra.resources import PREFIX, RESOURCES, STATE_MACHINES_DIR
from tests.infra.conftest import ROOT, Synth

pytestmark = pytest.mark.infra

QUEUES = {q.name: q for q in RESOURCES.queues}
PLACEHOLDER = "https://sqs.placeholder/queue"
APP_ENVIRONMENT = {
    "TABLE_NAME",
    "BUCKET_NAME",
    "USER_POOL_ID",
    "USER_POOL_CLIENT_ID",
    "EVENT_BUS_NAME",
    "STATE_MACHINE_ARN",
    "QUEUE_URLS",
    "REVIEW_WINDOW_SECONDS",
    "PAYMENTS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "SECRETS_ARN",
    "TASKLANE_ENV",
}
SECRET_NAMES = {"ANONYMITY_KEY", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"}  # chalicelib/settings.py


# -- helpers -----------------------------------------------------------------------------------


def logical_ids_by_name(synth: Synth, kind: str, name_property: str) -> dict[str, str]:
    return {r["Properties"][name_property]: k for k, r in synth.of_type(kind).items()}


def queue_ids(synth: Synth) -> dict[str, str]:
    """Logical ID of each queue, by its name in infra/resources.py (the stage suffix removed)."""
    suffix = f"-{synth.stage}"
    return {
        name.removesuffix(suffix): logical
        for name, logical in logical_ids_by_name(synth, "AWS::SQS::Queue", "QueueName").items()
    }


def get_att(logical_id: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def files_bucket_id(synth: Synth) -> str:
    """The app's bucket (uploads, deliverables); the other one holds the back office's files."""
    return str(synth.template["Outputs"]["BucketName"]["Value"]["Ref"])


def functions(synth: Synth) -> dict[str, dict[str, Any]]:
    return synth.of_type("AWS::Serverless::Function")


def role_statements(synth: Synth, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
    role = synth.resources[role_ref["Fn::GetAtt"][0]]
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed(statements: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """action -> every resource an Allow statement grants it on."""
    grants: dict[str, list[Any]] = {}
    for statement in statements:
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                grants.setdefault(action, []).extend(as_list(statement["Resource"]))
    return grants


def all_policy_statements(synth: Synth) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for logical_id, resource in synth.resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] in {
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::SQS::QueuePolicy",
            "AWS::S3::BucketPolicy",
            "AWS::SNS::TopicPolicy",
        }:
            documents = [props["PolicyDocument"]]
        else:
            continue
        found += [(logical_id, s) for document in documents for s in document["Statement"]]
    return found


# -- the table ----------------------------------------------------------------------------------


def test_one_table_with_exactly_the_indexes_of_infra_resources(dev: Synth) -> None:
    template = Template.from_json(dev.template)
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    spec = RESOURCES.table
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": f"{spec.name}-dev",
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [
                {"AttributeName": spec.hash_key, "KeyType": "HASH"},
                {"AttributeName": spec.range_key, "KeyType": "RANGE"},
            ],
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": spec.ttl_attribute, "Enabled": True},
        },
    )
    (table,) = dev.of_type("AWS::DynamoDB::Table").values()
    indexes = {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table["Properties"]["GlobalSecondaryIndexes"]}
    assert indexes == {
        index.name: (
            [
                {"AttributeName": index.hash_key, "KeyType": "HASH"},
                {"AttributeName": index.range_key, "KeyType": "RANGE"},
            ],
            {"ProjectionType": "ALL"},
        )
        for index in spec.indexes
    }
    assert "LocalSecondaryIndexes" not in table["Properties"]


def test_prod_keeps_its_data_and_dev_can_be_torn_down(dev: Synth, prod: Synth) -> None:
    for kind in ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Cognito::UserPool"):
        assert prod.of_type(kind) and dev.of_type(kind), kind
        for kept in prod.of_type(kind).values():
            assert (kept["DeletionPolicy"], kept["UpdateReplacePolicy"]) == ("Retain", "Retain"), kind
        for dropped in dev.of_type(kind).values():
            assert dropped["DeletionPolicy"] == "Delete", kind
    (table,) = prod.of_type("AWS::DynamoDB::Table").values()
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    (pool,) = prod.of_type("AWS::Cognito::UserPool").values()
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    (dev_table,) = dev.of_type("AWS::DynamoDB::Table").values()
    assert dev_table["Properties"]["DeletionProtectionEnabled"] is False


# -- queues, rules, workflow -------------------------------------------------------------------


def test_every_queue_has_its_dead_letter_queue_and_redrive(dev: Synth) -> None:
    ids = queue_ids(dev)
    assert set(ids) == {q.name for q in RESOURCES.queues} | {q.dlq_name for q in RESOURCES.queues}
    for spec in RESOURCES.queues:
        queue = dev.resources[ids[spec.name]]["Properties"]
        assert queue["RedrivePolicy"] == {
            "deadLetterTargetArn": get_att(ids[spec.dlq_name]),
            "maxReceiveCount": spec.max_receive_count,
        }
        assert queue["VisibilityTimeout"] == spec.visibility_timeout
        assert queue["SqsManagedSseEnabled"] is True
        dlq = dev.resources[ids[spec.dlq_name]]["Properties"]
        assert "RedrivePolicy" not in dlq
        assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_bus_rules_deliver_to_their_queues_and_only_that_rule_may_send(dev: Synth) -> None:
    ids = queue_ids(dev)
    rules = logical_ids_by_name(dev, "AWS::Events::Rule", "Name")
    assert set(rules) == {r.name for r in RESOURCES.rules}
    (bus_id,) = dev.of_type("AWS::Events::EventBus")
    for spec in RESOURCES.rules:
        rule = dev.resources[rules[spec.name]]["Properties"]
        assert rule["EventBusName"] == {"Ref": bus_id}
        assert rule["EventPattern"] == spec.pattern()
        assert [t["Arn"] for t in rule["Targets"]] == [get_att(ids[spec.queue])]
        policies = [
            p["Properties"]["PolicyDocument"]["Statement"]
            for p in dev.of_type("AWS::SQS::QueuePolicy").values()
            if {"Ref": ids[spec.queue]} in p["Properties"]["Queues"]
        ]
        grants = [
            s
            for statements in policies
            for s in statements
            if s["Effect"] == "Allow" and s.get("Principal") == {"Service": "events.amazonaws.com"}
        ]
        assert any(
            "sqs:SendMessage" in as_list(s["Action"])
            and {"Fn::GetAtt": [rules[spec.name], "Arn"]} in s["Condition"]["ArnEquals"].values()
            for s in grants
        ), spec.name


def test_the_state_machine_runs_the_very_definition_the_local_stack_loads(dev: Synth) -> None:
    ids = queue_ids(dev)
    machines = logical_ids_by_name(dev, "AWS::StepFunctions::StateMachine", "StateMachineName")
    assert set(machines) == {f"{m.name}-dev" for m in RESOURCES.state_machines}
    for spec in RESOURCES.state_machines:
        machine = dev.resources[machines[f"{spec.name}-dev"]]["Properties"]
        assert machine["DefinitionSubstitutions"] == {
            name: {"Ref": ids[queue]} for name, queue in spec.substitutions.items()
        }
        # CloudFormation substitutes ${Name}; put the same placeholder in both and compare the JSON.
        deployed = machine["DefinitionString"]
        for name in spec.substitutions:
            deployed = deployed.replace("${" + name + "}", PLACEHOLDER)
        local_definition = spec.definition(dict.fromkeys(spec.substitutions.values(), PLACEHOLDER))
        assert json.loads(deployed) == json.loads(local_definition)
        assert "${" not in local_definition
        assert machine["StateMachineType"] == "STANDARD"
        assert machine["TracingConfiguration"] == {"Enabled": True}


def test_the_workflow_role_may_only_send_to_its_callback_queue(dev: Synth) -> None:
    ids = queue_ids(dev)
    (machine,) = dev.of_type("AWS::StepFunctions::StateMachine").values()
    grants = allowed(role_statements(dev, machine["Properties"]["RoleArn"]))
    assert grants.pop("sqs:SendMessage") == [get_att(ids[f"{PREFIX}-milestone-callbacks"])]
    assert set(grants) == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }


# -- IAM: least privilege ------------------------------------------------------------------------


def test_no_allow_statement_anywhere_has_a_wildcard_action(dev: Synth, prod: Synth) -> None:
    """No "*", no "service:*" and no "s3:Get*"-style actions: every action is spelled out.

    Deny statements are exempt: enforce_ssl denies "sqs:*"/"s3:*" without TLS, which only narrows.
    """
    for synth in (dev, prod):
        statements = all_policy_statements(synth)
        assert statements
        for logical_id, statement in statements:
            if statement["Effect"] != "Allow":
                assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, logical_id
                continue
            for action in as_list(statement["Action"]):
                assert "*" not in action, (logical_id, action)
            if "*" in as_list(statement.get("Resource", [])):  # only where IAM has no resource types
                assert all(a.startswith("xray:") for a in as_list(statement["Action"])), (logical_id, statement)


def test_data_resources_are_granted_only_by_arn(dev: Synth) -> None:
    (table_id,) = dev.of_type("AWS::DynamoDB::Table")
    bucket_ids = set(dev.of_type("AWS::S3::Bucket"))  # the files and the back office's site
    for logical_id, statement in all_policy_statements(dev):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            service = action.split(":")[0]
            if service in {"dynamodb", "s3", "sqs", "states", "events", "secretsmanager", "cognito-idp"}:
                assert "*" not in as_list(statement.get("Resource", [])), (logical_id, action)
                text = json.dumps(statement["Resource"])
                if service == "dynamodb":
                    assert table_id in text
                if service == "s3":  # or the back office deployment reading its zip from CDK's asset bucket
                    assert any(b in text for b in bucket_ids) or "cdk-hnb659fds-assets-" in text, logical_id


def test_each_function_gets_only_what_it_uses(dev: Synth) -> None:
    ids = queue_ids(dev)
    (table_id,) = dev.of_type("AWS::DynamoDB::Table")
    bucket_id = files_bucket_id(dev)
    (machine_id,) = dev.of_type("AWS::StepFunctions::StateMachine")
    (bus_id,) = dev.of_type("AWS::Events::EventBus")
    (secret_id,) = dev.of_type("AWS::SecretsManager::Secret")
    (pool_id,) = dev.of_type("AWS::Cognito::UserPool")
    table_actions = {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
    }
    consume = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
    seen_roles = set()
    for logical_id, function in functions(dev).items():
        props = function["Properties"]
        role = props["Role"]
        assert role["Fn::GetAtt"][1] == "Arn"
        seen_roles.add(role["Fn::GetAtt"][0])
        grants = allowed(role_statements(dev, role))
        assert table_actions <= set(grants), logical_id
        # every function reads its settings' secrets at its cold start, from this secret only
        assert grants.pop("secretsmanager:GetSecretValue") == [{"Ref": secret_id}], logical_id
        assert not any(a.startswith("secretsmanager:") for a in grants), logical_id
        users = {a: r for a, r in grants.items() if a.startswith("cognito-idp:")}
        stream_actions = {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        }
        assert not any(a.startswith("dynamodb:") and a not in table_actions | stream_actions for a in grants), (
            logical_id
        )
        assert "dynamodb:Scan" not in grants
        for action in table_actions:
            assert grants[action] == [
                get_att(table_id),
                {"Fn::Join": ["", [get_att(table_id), "/index/*"]]},
            ]
        consumed = [e["Properties"]["Queue"] for e in props.get("Events", {}).values() if e["Type"] == "SQS"]
        if logical_id == "APIHandler":
            assert grants["s3:GetObject"] == grants["s3:PutObject"]
            assert json.dumps(grants["s3:PutObject"]).count("/uploads/*") == 1
            assert json.dumps(grants["s3:PutObject"]).count("/deliverables/*") == 1
            assert json.dumps(grants["s3:PutObject"]).count("/documents/*") == 1  # contract PDFs, written once
            assert grants["s3:ListBucket"] == [get_att(bucket_id)]
            assert grants["states:StartExecution"] == [get_att(machine_id)]
            assert grants["states:SendTaskSuccess"] == [get_att(machine_id)]
            assert "events:PutEvents" not in grants  # requests write outbox items; only the relay publishes
            assert grants["sqs:SendMessage"] == [get_att(ids[f"{PREFIX}-payouts"])]
            assert users == {"cognito-idp:AdminUserGlobalSignOut": [get_att(pool_id)]}  # suspension signs out
            assert not consume & set(grants)
            assert not consumed
            continue
        assert users == {}, logical_id
        # a consumer: its own queue to consume, no files, never starts a workflow
        if logical_id == "OutboxRelay":  # the table's stream in, the bus out, nothing else
            (source,) = props["Events"].values()
            assert source["Type"] == "DynamoDB"
            assert source["Properties"]["Stream"] == get_att(table_id, "StreamArn")
            pattern = json.loads(source["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"])
            assert pattern == {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"type": {"S": ["Outbox"]}}}}
            assert grants.pop("events:PutEvents") == [get_att(bus_id)]
            for action in stream_actions:
                assert grants.pop(action) == [get_att(table_id, "StreamArn")], action
            assert not {a for a in set(grants) - table_actions if not a.startswith(("logs:", "xray:"))}
            continue
        assert "events:PutEvents" not in grants, logical_id
        if logical_id == "ExpireTasks":  # hourly on a schedule: the table and nothing else
            (source,) = props["Events"].values()
            assert source["Type"] == "Schedule" and source["Properties"]["Schedule"] == "rate(1 hour)"
            assert not {a for a in set(grants) - table_actions if not a.startswith(("logs:", "xray:"))}
            continue
        assert len(consumed) == 1, logical_id
        for action in consume:
            assert grants[action] == consumed, (logical_id, action)
        assert not any(a.startswith("s3:") for a in grants), logical_id
        assert "states:StartExecution" not in grants
        assert "sqs:SendMessage" not in grants
        queue = next(name for name, q in ids.items() if get_att(q) == consumed[0])
        if queue == f"{PREFIX}-milestone-callbacks":
            assert grants["states:SendTaskSuccess"] == [get_att(machine_id)]
        if queue in {f"{PREFIX}-notifications", f"{PREFIX}-metrics"}:
            assert not any(a.startswith(("states:", "events:")) for a in grants), logical_id
    assert len(seen_roles) == len(functions(dev)), "every function has a role of its own"


def test_consumers_read_this_stacks_queues_within_their_visibility_timeout(dev: Synth) -> None:
    ids = queue_ids(dev)
    by_arn = {json.dumps(get_att(logical)): name for name, logical in ids.items()}
    consumed = set()
    for logical_id, function in functions(dev).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            name = by_arn[json.dumps(event["Properties"]["Queue"])]  # a GetAtt on a queue of this stack
            assert name in QUEUES, (logical_id, name)
            assert function["Properties"]["Timeout"] <= QUEUES[name].visibility_timeout // 2
            consumed.add(name)
    assert {f"{PREFIX}-milestone-callbacks", f"{PREFIX}-notifications"} <= consumed


# -- functions: environment, tracing, bundle ----------------------------------------------------------


def consumes(synth: Synth, function: dict[str, Any]) -> str | None:
    """The queue (name in infra/resources.py) a function consumes, None for the API."""
    names = {json.dumps(get_att(logical)): name for name, logical in queue_ids(synth).items()}
    events = [e for e in function["Properties"].get("Events", {}).values() if e["Type"] == "SQS"]
    return names[json.dumps(events[0]["Properties"]["Queue"])] if events else None


def queue_urls_keys(value: dict[str, Any]) -> set[str]:
    parts = value["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else '"REF"' for p in parts).replace('""REF""', '"REF"')
    return set(json.loads(text))


def test_functions_get_the_environment_the_app_reads(dev: Synth, prod: Synth) -> None:
    for synth, payments in ((dev, "sandbox"), (prod, "stripe")):
        (secret_id,) = synth.of_type("AWS::SecretsManager::Secret")
        for logical_id, function in functions(synth).items():
            variables = function["Properties"]["Environment"]["Variables"]
            assert set(variables) >= APP_ENVIRONMENT, logical_id
            assert "AWS_ENDPOINT_URL" not in variables
            assert variables["PAYMENTS"] == payments
            assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Tasklane"
            assert variables["REVIEW_WINDOW_SECONDS"] == str(14 * 24 * 3600)
            assert queue_urls_keys(variables["QUEUE_URLS"]) == set(QUEUES)
            (machine_id,) = synth.of_type("AWS::StepFunctions::StateMachine")
            assert variables["STATE_MACHINE_ARN"] == get_att(machine_id)
            # Secrets are read from Secrets Manager at the cold start: none is in the environment,
            # not even as a dynamic reference CloudFormation would resolve into plaintext.
            assert variables["SECRETS_ARN"] == {"Ref": secret_id}
            assert variables["TASKLANE_ENV"] == "aws"
            assert not SECRET_NAMES & set(variables), (synth.stage, logical_id)
            assert "resolve:secretsmanager" not in json.dumps(variables), (synth.stage, logical_id)


def test_one_app_secret_with_a_generated_anonymity_key_and_stripe_keys_to_fill(dev: Synth, prod: Synth) -> None:
    for synth in (dev, prod):
        (secret,) = synth.of_type("AWS::SecretsManager::Secret").values()
        generated = secret["Properties"]["GenerateSecretString"]
        assert generated["GenerateStringKey"] == "ANONYMITY_KEY"
        assert generated["PasswordLength"] >= 32
        assert json.loads(generated["SecretStringTemplate"]) == {"STRIPE_API_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
        assert "SecretString" not in secret["Properties"]  # nothing secret is written into the template
    (kept,) = prod.of_type("AWS::SecretsManager::Secret").values()
    assert (kept["DeletionPolicy"], kept["UpdateReplacePolicy"]) == ("Retain", "Retain")  # aliases stay stable
    assert prod.template["Outputs"]["AppSecretArn"]["Value"] == {
        "Ref": next(iter(prod.of_type("AWS::SecretsManager::Secret")))
    }


def test_the_api_stage_is_throttled_and_rate_limited_per_address(dev: Synth, prod: Synth) -> None:
    for synth, (rate, burst) in ((dev, (50, 100)), (prod, (500, 1000))):
        api = synth.resources["RestAPI"]["Properties"]
        assert api["MethodSettings"] == [
            {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
        ]
        ((acl_id, acl),) = synth.of_type("AWS::WAFv2::WebACL").items()
        props = acl["Properties"]
        assert props["Scope"] == "REGIONAL"
        assert props["DefaultAction"] == {"Allow": {}}
        (rule,) = props["Rules"]
        assert rule["Action"] == {"Block": {}}
        assert rule["Statement"] == {
            "RateBasedStatement": {"AggregateKeyType": "IP", "EvaluationWindowSec": 300, "Limit": 3000}
        }
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
        (association,) = synth.of_type("AWS::WAFv2::WebACLAssociation").values()
        assert association["Properties"]["WebACLArn"] == get_att(acl_id)
        parts = association["Properties"]["ResourceArn"]["Fn::Join"][1]
        # the API's stage, through SAM's reference to the stage it generates (so the association waits for it)
        assert parts[-4:] == ["::/restapis/", {"Ref": "RestAPI"}, "/stages/", {"Ref": "RestAPI.Stage"}]
        assert parts[2] == ":apigateway:"


def test_tracing_is_on_everywhere(dev: Synth) -> None:
    template = Template.from_json(dev.template)
    for function in functions(dev).values():
        assert function["Properties"]["Tracing"] == "Active"
    template.has_resource_properties("AWS::Serverless::Api", {"TracingEnabled": True, "Name": "tasklane-dev"})
    template.has_resource_properties("AWS::StepFunctions::StateMachine", {"TracingConfiguration": {"Enabled": True}})


def test_every_function_logs_to_a_group_with_retention(dev: Synth, prod: Synth) -> None:
    for synth, days in ((dev, 14), (prod, 90)):
        groups = synth.of_type("AWS::Logs::LogGroup").values()
        # the Chalice functions' groups are named after them; CDK's functions name theirs in LoggingConfig
        names = [g["Properties"]["LogGroupName"] for g in groups if "LogGroupName" in g["Properties"]]
        for logical_id, function in synth.of_type("AWS::Lambda::Function").items():
            assert function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in synth.resources, logical_id
        assert sorted(json.dumps(n) for n in names) == sorted(
            json.dumps({"Fn::Join": ["", ["/aws/lambda/", {"Ref": f}]]}) for f in functions(synth)
        )
        assert {g["Properties"]["RetentionInDays"] for g in groups} == {days}


def test_the_lambda_bundle_carries_no_cdk(dev: Synth) -> None:
    keys = [f["Properties"]["CodeUri"]["Key"] for f in functions(dev).values()]
    keys += [
        layer["Properties"]["ContentUri"]["Key"] for layer in dev.of_type("AWS::Serverless::LayerVersion").values()
    ]
    top_level: set[str] = set()
    for key in set(keys):
        with zipfile.ZipFile(dev.outdir / f"asset.{key}") as bundle:
            # the layer holds python/lib/python3.11/site-packages/<package>/...
            top_level |= {n.split("site-packages/")[-1].split("/")[0] for n in bundle.namelist()}
    assert {"app.py", "chalicelib", "pynamodb", "pydantic"} <= top_level
    assert not top_level & {"aws_cdk", "constructs", "jsii", "cfnlint", "moto", "pytest"}


# -- operations --------------------------------------------------------------------------------------


def alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(namespace, metric, json of dimensions) for a plain or a metric-math alarm."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [(props["Namespace"], props["MetricName"], json.dumps(props.get("Dimensions", [])))]
    return [
        (
            m["MetricStat"]["Metric"]["Namespace"],
            m["MetricStat"]["Metric"]["MetricName"],
            json.dumps(m["MetricStat"]["Metric"].get("Dimensions", [])),
        )
        for m in props["Metrics"]
        if "MetricStat" in m
    ]


def test_alarms_watch_dlqs_5xx_workflow_failures_and_throttles(dev: Synth) -> None:
    alarms = dev.of_type("AWS::CloudWatch::Alarm")
    watched = [m for alarm in alarms.values() for m in alarm_metrics(alarm)]
    ids = queue_ids(dev)
    for spec in RESOURCES.queues:
        dims = json.dumps([{"Name": "QueueName", "Value": get_att(ids[spec.dlq_name], "QueueName")}])
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims) in watched, spec.dlq_name
    assert any(ns == "AWS/ApiGateway" and name == "5XXError" for ns, name, _ in watched)
    (machine_id,) = dev.of_type("AWS::StepFunctions::StateMachine")
    machine_dims = json.dumps([{"Name": "StateMachineArn", "Value": get_att(machine_id)}])
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
        assert ("AWS/States", metric, machine_dims) in watched
    for logical_id in functions(dev):
        dims = json.dumps([{"Name": "FunctionName", "Value": {"Ref": logical_id}}])
        assert ("AWS/Lambda", "Throttles", dims) in watched, logical_id
    (table_id,) = dev.of_type("AWS::DynamoDB::Table")
    table_dims = json.dumps([{"Name": "TableName", "Value": {"Ref": table_id}}])
    assert ("AWS/DynamoDB", "ReadThrottleEvents", table_dims) in watched
    assert ("AWS/DynamoDB", "WriteThrottleEvents", table_dims) in watched
    for index in RESOURCES.table.indexes:
        assert any(ns == "AWS/DynamoDB" and index.name in dims for ns, _, dims in watched), index.name
    (topic_id,) = dev.of_type("AWS::SNS::Topic")
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}], logical_id
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_alarm_email_subscribes_only_when_given(dev: Synth, prod: Synth) -> None:
    assert dev.of_type("AWS::SNS::Subscription") == {}
    (subscription,) = prod.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"


# -- files and users ---------------------------------------------------------------------------------


def test_the_bucket_is_private_versioned_encrypted_and_tls_only(dev: Synth, prod: Synth) -> None:
    template = Template.from_json(prod.template)
    template.resource_count_is("AWS::S3::Bucket", 2)  # and the back office's (test_back_office_site.py)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "CorsConfiguration": {
                "CorsRules": [
                    Match.object_like(
                        {
                            "AllowedOrigins": ["https://app.example.com", "https://admin.example.com"],
                            "AllowedMethods": ["GET", "POST", "HEAD"],
                        }
                    )
                ]
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )
    bucket = dev.resources[files_bucket_id(dev)]
    assert bucket["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == list(
        RESOURCES.bucket.cors_origins
    )
    assert "BucketName" not in bucket["Properties"], "bucket names are global: CloudFormation picks one"


def test_only_abandoned_uploads_expire_and_deliverables_never(dev: Synth) -> None:
    bucket = dev.resources[files_bucket_id(dev)]
    rules = {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["abort-incomplete-multipart"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    expiring = [
        r for r in rules.values() if {"ExpirationInDays", "NoncurrentVersionExpiration", "ExpirationDate"} & set(r)
    ]
    assert expiring == [rules["expire-abandoned-uploads"]]
    rule = rules["expire-abandoned-uploads"]
    assert rule["Prefix"] == "uploads/"
    assert rule["TagFilters"] == [{"Key": "tasklane-upload", "Value": "pending"}]
    assert rule["ExpirationInDays"] == RESOURCES.bucket.abandoned_upload_days
    for r in rules.values():
        assert not r.get("Prefix", "").startswith("deliverables"), r
        if "Prefix" not in r and "TagFilters" not in r:  # whole-bucket rules must not delete objects
            assert set(r) <= {"Id", "Status", "AbortIncompleteMultipartUpload"}, r


def test_the_user_pool_signs_in_by_email_with_the_local_client_and_groups(dev: Synth) -> None:
    template = Template.from_json(dev.template)
    spec = RESOURCES.user_pool
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UserPoolName": f"{spec.name}-dev",
            "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"],
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            "Policies": {"PasswordPolicy": Match.object_like({"MinimumLength": 8})},
        },
    )
    (client,) = dev.of_type("AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert props["ClientName"] == spec.client_name
    assert props["GenerateSecret"] is False
    assert set(props["ExplicitAuthFlows"]) == set(spec.auth_flows)
    assert "AllowedOAuthFlows" not in props
    groups = {g["Properties"]["GroupName"] for g in dev.of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(spec.groups)


# -- one source of truth -------------------------------------------------------------------------------


def test_cdk_and_local_stack_read_the_same_description(dev: Synth, prod: Synth) -> None:
    """The drift test: what the template names is what infra/resources.py names, and local.py
    provisions moto from the same RESOURCES object by default."""
    assert inspect.signature(local.provision).parameters["resources"].default is RESOURCES
    for synth in (dev, prod):
        suffix = f"-{synth.stage}"
        (table,) = synth.of_type("AWS::DynamoDB::Table").values()
        assert table["Properties"]["TableName"] == RESOURCES.table.name + suffix
        attributes = {a["AttributeName"] for a in table["Properties"]["AttributeDefinitions"]}
        assert attributes == {RESOURCES.table.hash_key, RESOURCES.table.range_key} | {
            key for i in RESOURCES.table.indexes for key in (i.hash_key, i.range_key)
        }
        assert set(queue_ids(synth)) == set(QUEUES) | {q.dlq_name for q in RESOURCES.queues}
        (bus,) = synth.of_type("AWS::Events::EventBus").values()
        assert bus["Properties"]["Name"] == RESOURCES.event_bus + suffix
        rules = {
            r["Properties"]["Name"]: r["Properties"]["EventPattern"]
            for r in synth.of_type("AWS::Events::Rule").values()
        }
        assert rules == {r.name: r.pattern() for r in RESOURCES.rules}
        machines = {
            m["Properties"]["StateMachineName"]: m["Properties"]["DefinitionString"]
            for m in synth.of_type("AWS::StepFunctions::StateMachine").values()
        }
        assert machines == {
            m.name + suffix: (STATE_MACHINES_DIR / m.definition_file).read_text() for m in RESOURCES.state_machines
        }


def test_consumer_access_is_declared_only_for_queues_of_the_description() -> None:
    """Synth itself refuses a consumer of a queue infra/resources.py does not define (a successful
    synth is the proof for the app's consumers); the declared access must name real queues too."""
    from infra.components.functions import API_ACCESS, CONSUMER_ACCESS, FUNCTION_ACCESS

    assert set(CONSUMER_ACCESS) <= set(QUEUES)
    for access in [API_ACCESS, *CONSUMER_ACCESS.values(), *FUNCTION_ACCESS.values()]:
        assert set(access.send_to) <= set(QUEUES)


# -- identity: what a deploy must not replace ------------------------------------------------------------

# Logical IDs of the resources whose replacement loses data or changes what clients hold (the users, the
# app client's ID, the anonymity key and with it every provider alias, queued messages, the back office's
# domain). CDK derives them from construct paths: infra/components/naming.py keeps the stack's constructs
# out of them, so that a refactoring of the construct tree never replaces a resource.
KEPT_LOGICAL_IDS = {
    "TableCD117FA1": "AWS::DynamoDB::Table",
    "Files8E6940B8": "AWS::S3::Bucket",
    "UserPool6BA7E5F2": "AWS::Cognito::UserPool",
    "UserPoolWebClient4C9370B0": "AWS::Cognito::UserPoolClient",
    "GroupAdmin": "AWS::Cognito::UserPoolGroup",
    "AppSecretFAB5164C": "AWS::SecretsManager::Secret",
    "EventBus7B8748AA": "AWS::Events::EventBus",
    "NotificationsQueue3B766469": "AWS::SQS::Queue",
    "NotificationsDlq12302AF4": "AWS::SQS::Queue",
    "PayoutsQueue85EFB029": "AWS::SQS::Queue",
    "PayoutsDlq3A3465BD": "AWS::SQS::Queue",
    "MetricsQueue0DAB96B7": "AWS::SQS::Queue",
    "MetricsDlqBF364CCC": "AWS::SQS::Queue",
    "MilestoneCallbacksQueue7D19BD4A": "AWS::SQS::Queue",
    "MilestoneCallbacksDlqA66C2B2B": "AWS::SQS::Queue",
    "MilestoneStateMachine": "AWS::StepFunctions::StateMachine",
    "APIHandlerLogs": "AWS::Logs::LogGroup",
    "ApiWebAcl": "AWS::WAFv2::WebACL",
    "BackOfficeSiteE10D532C": "AWS::S3::Bucket",
    "BackOffice2D98AC7C": "AWS::CloudFront::Distribution",
    "BackOfficePageFunctionFB85121A": "AWS::CloudFront::Function",
}
# Names the back office's constructs derive from their paths (a new function name replaces the function),
# and the site bucket's owner tags of its three deployments (aws-cdk:cr-owned:admin/:<path hash>).
KEPT_SITE_NAMES = {
    "dev": (
        "tasklanedevBackOfficePageFunction5521F2A8",
        "tasklanedevBackOfficeHeadersEE86B24F",
        "tasklanedevBackOfficeOrigin2S3OriginAccessControl491F10B6",
        ["tasklanedevBackOfficeOrigin1DDB21E18", "tasklanedevBackOfficeOrigin2CCA3CF77"],
        {"5c77b3fc", "9297d5dc", "9fa9b9fe"},
    ),
    "prod": (
        "tasklane-prodBacficePageFunctionCC778388",
        "tasklaneprodBackOfficeHeaders4F3F29E0",
        "tasklaneprodBackOfficeOrigin2S3OriginAccessControl8FFD613C",
        ["tasklaneprodBackOfficeOrigin16D01504E", "tasklaneprodBackOfficeOrigin201A8C9A6"],
        {"1c7e4798", "2a202535", "cb97d683"},
    ),
}


def test_resources_keep_the_logical_ids_and_names_deployed_stacks_have(dev: Synth, prod: Synth) -> None:
    for synth in (dev, prod):
        assert {k: synth.resources[k]["Type"] for k in KEPT_LOGICAL_IDS if k in synth.resources} == KEPT_LOGICAL_IDS
        function, headers, access_control, origin_ids, owners = KEPT_SITE_NAMES[synth.stage]
        (page_function,) = synth.of_type("AWS::CloudFront::Function").values()
        assert page_function["Properties"]["Name"] == {"Fn::Join": ["", [{"Ref": "AWS::Region"}, function]]}
        (policy,) = synth.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()
        assert policy["Properties"]["ResponseHeadersPolicyConfig"]["Name"] == headers
        (control,) = synth.of_type("AWS::CloudFront::OriginAccessControl").values()
        assert control["Properties"]["OriginAccessControlConfig"]["Name"] == access_control
        cdn = synth.resources["BackOffice2D98AC7C"]  # the public API's edge has its own (test_edge_cache.py)
        assert [o["Id"] for o in cdn["Properties"]["DistributionConfig"]["Origins"]] == origin_ids
        tags = synth.resources["BackOfficeSiteE10D532C"]["Properties"]["Tags"]
        assert {t["Key"] for t in tags if t["Key"].startswith("aws-cdk:cr-owned:")} == {
            f"aws-cdk:cr-owned:admin/:{owner}" for owner in owners
        }
        # chalice.cdk names the Chalice stage after its scope: still the stack, not the Api construct's path
        for function_id, resource in functions(synth).items():
            assert f":stage=tasklane-{synth.stage}:" in resource["Properties"]["Tags"]["aws-chalice"], function_id


# -- linting ----------------------------------------------------------------------------------------------


def cfn_lint() -> str:
    candidate = Path(sys.executable).parent / "cfn-lint"
    found = str(candidate) if candidate.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is not installed (pip install -r infra/requirements.txt)"
    return found


def test_cfn_lint_passes_on_the_synthesized_templates(dev: Synth, prod: Synth) -> None:
    """Both stages in one run (cfn-lint's start-up is most of its time); no rule is ignored."""
    result = subprocess.run(
        [cfn_lint(), "--format", "parseable", str(dev.template_path), str(prod.template_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


# -- configuration and the packaging gap --------------------------------------------------------------------


def test_stage_configuration_refuses_what_would_deploy_wrong() -> None:
    from infra.components.config import StageConfig

    assert StageConfig.from_context({}.get).stage == "dev"
    dev = StageConfig.from_context({"stage": "dev"}.get)
    assert (dev.payments, dev.frontend_origins, dev.stack_name) == (
        "sandbox",
        RESOURCES.bucket.cors_origins,
        "tasklane-dev",
    )
    prod = StageConfig.from_context({"stage": "prod", "frontendOrigin": "https://a.example, https://b.example"}.get)
    assert (prod.payments, prod.frontend_origins) == ("stripe", ("https://a.example", "https://b.example"))
    assert (dev.api_rate_limit, dev.api_burst_limit, dev.waf_rate_limit) == (50, 100, 3000)
    assert (prod.api_rate_limit, prod.api_burst_limit) == (500, 1000)
    tuned = StageConfig.from_context({"apiRateLimit": "5", "apiBurstLimit": "10", "wafRateLimit": "100"}.get)
    assert (tuned.api_rate_limit, tuned.api_burst_limit, tuned.waf_rate_limit) == (5, 10, 100)
    with pytest.raises(ValueError, match="stripeSecretName is gone"):
        StageConfig.from_context({"stripeSecretName": "tasklane/dev/stripe"}.get)
    with pytest.raises(ValueError, match="apiRateLimit"):
        StageConfig.from_context({"apiBurstLimit": "6000"}.get)
    with pytest.raises(ValueError, match="wafRateLimit"):
        StageConfig.from_context({"wafRateLimit": "5"}.get)
    with pytest.raises(ValueError, match="frontendOrigin"):
        StageConfig.from_context({"stage": "prod"}.get)
    with pytest.raises(ValueError, match="every origin"):
        StageConfig.from_context({"stage": "prod", "frontendOrigin": "*"}.get)
    with pytest.raises(ValueError, match="stage"):
        StageConfig.from_context({"stage": "staging"}.get)
    with pytest.raises(ValueError, match="payments"):
        StageConfig.from_context({"payments": "paypal"}.get)


def test_a_function_without_declared_access_stops_the_synth() -> None:
    from infra.components.functions import API_ACCESS, CONSUMER_ACCESS, Function, access_for

    assert access_for(Function("APIHandler", "APIHandler", {})) is API_ACCESS
    notifications = Function("N", "notifications_consumer", {"E": f"{PREFIX}-notifications"})
    assert access_for(notifications) is CONSUMER_ACCESS[f"{PREFIX}-notifications"]
    with pytest.raises(ValueError, match="CONSUMER_ACCESS"):
        access_for(Function("X", "x_consumer", {"E": f"{PREFIX}-unknown"}))
    with pytest.raises(ValueError, match="FUNCTION_ACCESS"):
        access_for(Function("Sweep", "sweep_outbox", {}))


PACKAGE_WITH_LOG_RETENTION = """
import json, sys
from chalice import api
api.package_app(project_dir=sys.argv[1], output_dir=sys.argv[2], stage="gap",
                chalice_config={"automatic_layer": True, "log_retention_in_days": 14})
print(json.dumps(json.load(open(sys.argv[2] + "/sam.json"))["Resources"]))
"""


def test_chalice_gap_log_retention_points_at_a_renamed_api_handler(tmp_path: Path) -> None:
    """Why infra/components/api.py makes the log groups itself: chalice 1.34 `log_retention_in_days` writes
    Fn::Sub "/aws/lambda/${ApiHandler}" but names the API function "APIHandler"
    (chalice/package.py, _generate_lambdafunction vs _generate_restapi), so CfnInclude refuses
    the template. When this test fails, chalice has fixed it and the workaround can go."""
    env = {"AWS_DEFAULT_REGION": "eu-central-1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PACKAGE_WITH_LOG_RETENTION, str(ROOT), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    resources = json.loads(result.stdout.strip().splitlines()[-1])
    subs = [
        r["Properties"]["LogGroupName"]["Fn::Sub"] for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"
    ]
    assert "/aws/lambda/${ApiHandler}" in subs
    assert "ApiHandler" not in resources and "APIHandler" in resources
