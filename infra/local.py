"""Provision the resources of infra/resources.py on moto server, through boto3 as on AWS."""

from __future__ import annotations

import json
from typing import Any

import boto3

from infra.resources import RESOURCES, Resources

REGION = "eu-central-1"


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def provision(endpoint: str, resources: Resources = RESOURCES) -> dict[str, str]:
    """Create every resource; returns the identifiers the app needs as environment variables."""
    table = resources.table
    dynamodb = _client("dynamodb", endpoint)
    attributes = {table.hash_key, table.range_key} | {a for i in table.indexes for a in (i.hash_key, i.range_key)}
    dynamodb.create_table(
        TableName=table.name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        KeySchema=[
            {"AttributeName": table.hash_key, "KeyType": "HASH"},
            {"AttributeName": table.range_key, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key, "KeyType": "HASH"},
                    {"AttributeName": index.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in table.indexes
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": table.stream_view},
    )
    dynamodb.update_time_to_live(
        TableName=table.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
    )

    s3 = _client("s3", endpoint)
    s3.create_bucket(Bucket=resources.bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_cors(
        Bucket=resources.bucket.name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": list(resources.bucket.cors_origins),
                    "AllowedMethods": ["GET", "POST", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )

    cognito = _client("cognito-idp", endpoint)
    pool = cognito.create_user_pool(
        PoolName=resources.user_pool.name,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 8}},
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=resources.user_pool.client_name,
        GenerateSecret=False,
        ExplicitAuthFlows=list(resources.user_pool.auth_flows),
    )["UserPoolClient"]
    for group in resources.user_pool.groups:
        cognito.create_group(GroupName=group, UserPoolId=pool["Id"])

    events = _client("events", endpoint)
    events.create_event_bus(Name=resources.event_bus)
    sqs = _client("sqs", endpoint)
    queue_urls: dict[str, str] = {}
    for queue in resources.queues:
        dlq_url = sqs.create_queue(QueueName=queue.dlq_name)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_urls[queue.name] = sqs.create_queue(
            QueueName=queue.name,
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )["QueueUrl"]
    for rule in resources.rules:
        events.put_rule(Name=rule.name, EventBusName=resources.event_bus, EventPattern=json.dumps(rule.pattern()))
        arn = sqs.get_queue_attributes(QueueUrl=queue_urls[rule.queue], AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_targets(Rule=rule.name, EventBusName=resources.event_bus, Targets=[{"Id": rule.queue, "Arn": arn}])

    sfn = _client("stepfunctions", endpoint)
    machines = {
        machine.name: sfn.create_state_machine(
            name=machine.name,
            definition=machine.definition(queue_urls),
            roleArn="arn:aws:iam::123456789012:role/tasklane-workflow",
            type="STANDARD",
        )["stateMachineArn"]
        for machine in resources.state_machines
    }

    return {
        "STATE_MACHINE_ARN": machines[f"{resources.table.name}-milestone"],
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ENDPOINT_URL": endpoint,
        "TABLE_NAME": table.name,
        "BUCKET_NAME": resources.bucket.name,
        "USER_POOL_ID": pool["Id"],
        "USER_POOL_CLIENT_ID": client["ClientId"],
        "COGNITO_ENDPOINT": endpoint,
        "EVENT_BUS_NAME": resources.event_bus,
        "QUEUE_URLS": json.dumps(queue_urls),
    }
