"""The Tasklane stack for AWS, built from the same description the local stack provisions.

Every table key, index, queue, bus rule and state machine file comes from
infra/resources.py (infra/local.py reads the same objects for moto), so the two cannot
drift apart; tests/infra/test_stack.py proves it on the synthesized template.

The stack composes one construct per concern (infra/components/) and wires their outputs into
each other: data and users, messaging, the workflow, the app's secret, the API with its Lambda
functions, the back office site, the public API's edge cache and the alarms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnElement, CfnOutput, Stack, Tags
from constructs import Construct

from infra.components.api import Api, clean_build_dir
from infra.components.config import WORKFLOW, StageConfig
from infra.components.data import Data
from infra.components.edge import PublicEdge
from infra.components.messaging import Messaging
from infra.components.monitoring import Monitoring
from infra.components.naming import logical_id
from infra.components.secrets import Secrets
from infra.components.site import BackOfficeSite
from infra.components.users import Users
from infra.components.workflow import Workflow
from infra.resources import PREFIX, RESOURCES, Resources

__all__ = ["StageConfig", "TasklaneStack", "clean_build_dir"]


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
        Tags.of(self).add("app", PREFIX)
        Tags.of(self).add("stage", config.stage)

        self.data = Data(self, "Data", config=config, resources=resources)
        self.users = Users(self, "Users", config=config, resources=resources)
        self.messaging = Messaging(self, "Messaging", config=config, resources=resources)
        self.workflow = Workflow(self, "Workflow", config=config, resources=resources, queues=self.messaging.queues)
        self.secrets = Secrets(self, "Secrets", config=config)
        self.api = Api(
            self,
            "Api",
            config=config,
            build_dir=build_dir,
            package_region=package_region,
            table=self.data.table,
            bucket=self.data.bucket,
            user_pool=self.users.user_pool,
            user_pool_client=self.users.client,
            bus=self.messaging.bus,
            queues=self.messaging.queues,
            queue_specs=self.messaging.specs,
            workflow=self.workflow.machines[WORKFLOW],
            secret=self.secrets.secret,
        )
        self.site = BackOfficeSite(self, "Site", config=config, rest_api_id=self.api.rest_api.ref)
        self.edge = PublicEdge(self, "Edge", config=config, rest_api_id=self.api.rest_api.ref)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            resources=resources,
            table=self.data.table,
            dlqs=self.messaging.dlqs,
            queue_specs=self.messaging.specs,
            machines=self.workflow.machines,
            functions=self.api.functions,
            function_name=lambda function: self.api.function_resource(function).ref,
        )
        self._outputs()

    def _allocate_logical_id(self, cfn_element: CfnElement) -> str:
        """CDK's logical ID over the element's path without the concern constructs (naming.py):
        every resource keeps the logical ID it had when this stack made it itself."""
        return logical_id(cfn_element)

    def _outputs(self) -> None:
        outputs = {
            "TableName": self.data.table.table_name,
            "BucketName": self.data.bucket.bucket_name,
            "UserPoolId": self.users.user_pool.user_pool_id,
            "UserPoolClientId": self.users.client.user_pool_client_id,
            "EventBusName": self.messaging.bus.event_bus_name,
            "StateMachineArn": self.workflow.machines[WORKFLOW].attr_arn,
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
            "BackOfficeUrl": self.site.url,
            "BackOfficeBucketName": self.site.bucket.bucket_name,
            "BackOfficeDistributionId": self.site.distribution.distribution_id,
            "PublicApiUrl": self.edge.url,
            "PublicApiDistributionId": self.edge.distribution.distribution_id,
            "AppSecretArn": self.secrets.secret.secret_arn,
            "ApiWebAclArn": self.api.web_acl.attr_arn,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
