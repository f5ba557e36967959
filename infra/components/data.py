"""The app's data: the one DynamoDB table and the files bucket (uploads and deliverables)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.components.config import StageConfig
from infra.components.naming import Concern
from infra.resources import Resources

UPLOADS_PREFIX = "uploads/"
DELIVERABLES_PREFIX = "deliverables/"
DOCUMENTS_PREFIX = "documents/"  # contract documents, one PDF per version, written once (services/documents.py)
# Objects under uploads/ carrying this tag are expired after Bucket.abandoned_upload_days.
# Claimed uploads (verification documents, attachments) stay under uploads/ and are read
# later, so expiry must never apply to them: only a tag set at upload time and removed
# when the upload is claimed marks an upload as abandoned (see docs/deploy.md).
PENDING_UPLOAD_TAG = ("tasklane-upload", "pending")


class Data(Concern):
    """Kept on delete and deletion-protected in prod (StageConfig.removal_policy)."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, resources: Resources) -> None:
        super().__init__(scope, id)
        self.table = self._table(config, resources)
        self.bucket = self._bucket(config, resources)

    def _table(self, config: StageConfig, resources: Resources) -> dynamodb.Table:
        spec = resources.table
        table = dynamodb.Table(
            self,
            "Table",
            table_name=config.physical(spec.name),
            partition_key=dynamodb.Attribute(name=spec.hash_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=spec.range_key, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=config.prod,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType(spec.stream_view),
            removal_policy=config.removal_policy,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.hash_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=index.range_key, type=dynamodb.AttributeType.STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _bucket(self, config: StageConfig, resources: Resources) -> s3.Bucket:
        spec = resources.bucket
        tag_key, tag_value = PENDING_UPLOAD_TAG
        return s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=config.removal_policy,
            cors=[
                s3.CorsRule(
                    allowed_origins=list(config.frontend_origins),
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
