"""The back office on AWS (issue 8): chalicelib/static/admin in a private bucket under admin/,
and one CloudFront distribution in front of that bucket and of the API, so that the page and
the API share an origin (the page's relative URLs, GET /config and connect-src 'self' work as
they do on the local server, where the API function itself serves the page).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack, Tags
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from infra.components.api import API_STAGE
from infra.components.config import ROOT, StageConfig
from infra.components.naming import Concern, address, unique_id, unique_resource_name

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


def content_security_policy(stack: Stack) -> str:
    """The page's policy, as chalicelib/handlers/backoffice.py sends it: this origin only,
    plus the region's Cognito endpoint for sign-in."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' https://cognito-idp.{stack.region}.{stack.url_suffix}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


class BackOfficeSite(Concern):
    """The page's files in a private bucket, and CloudFront in front of the bucket and the API.

    Default behavior: the API (not cached, every method, every viewer header but Host, so
    Authorization reaches it). /admin/ (the page), /admin and the page's files: the bucket,
    through Origin Access Control. The API function keeps its own GET /admin routes (the
    local server serves the page through them).

    CloudFront's origin IDs, the names of the headers policy, the page function and the origin
    access control, and the bucket's owner tags of the deployments are derived from construct
    paths: they are given the values they had when the stack made them itself (naming.py), or
    a deploy would rename them, and replace the function.
    """

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, rest_api_id: str) -> None:
        super().__init__(scope, id)
        self.config = config
        stack = Stack.of(self)
        self.bucket = s3.Bucket(
            self,
            "BackOfficeSite",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # Not versioned: every object is a copy of a file in git, written by the deployment below.
            removal_policy=config.removal_policy,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "BackOfficeHeaders",
            response_headers_policy_name=unique_resource_name(self, "BackOfficeHeaders", max_length=128),
            comment=f"{stack.stack_name} back office: security headers and the page's CSP",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(stack), override=True
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
        # The distribution binds the default behavior's origin first (Origin1), then the site's.
        api = origins.HttpOrigin(
            f"{rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}",
            origin_id=unique_id(self, "BackOffice", "Origin1")[-128:],
            origin_path=f"/{API_STAGE}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        site = origins.S3BucketOrigin.with_origin_access_control(
            self.bucket,
            origin_id=unique_id(self, "BackOffice", "Origin2")[-128:],
            origin_access_levels=[cloudfront.AccessLevel.READ],
        )
        page_function = cloudfront.Function(
            self,
            "BackOfficePageFunction",
            function_name=stack.region + self._function_name("BackOfficePageFunction"),
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
        self.distribution = cloudfront.Distribution(
            self,
            "BackOffice",
            comment=f"{stack.stack_name}: the back office at /admin/, the API everywhere else",
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
        access_control = self.distribution.node.find_child("Origin2").node.find_child("S3OriginAccessControl")
        cfn_access_control = access_control.node.default_child
        assert isinstance(cfn_access_control, cloudfront.CfnOriginAccessControl)
        cfn_access_control.add_property_override(
            "OriginAccessControlConfig.Name",
            unique_resource_name(self, "BackOffice", "Origin2", "S3OriginAccessControl", max_length=64),
        )
        self._deploy()

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}/{ADMIN_PREFIX}"

    def _function_name(self, id: str) -> str:
        """cloudfront.Function's own name for a function `id` here (without the region prefix)."""
        name = unique_id(self, id)
        if len(name) <= 41:
            return name
        return unique_resource_name(self, id, max_length=40, allowed_special="-_")

    def _keep_owner_tag(self, deployment: s3_deployment.BucketDeployment) -> None:
        """A BucketDeployment tags its bucket "aws-cdk:cr-owned:<prefix>:<end of the address of its
        custom resource>", a hash of the construct path: the tag keeps the key it had (naming.py)."""
        custom_resource = deployment.node.find_child("CustomResource")
        made = f"aws-cdk:cr-owned:{ADMIN_PREFIX}:{custom_resource.node.addr[-8:]}"
        kept = f"aws-cdk:cr-owned:{ADMIN_PREFIX}:{address(self, deployment.node.id, 'CustomResource')[-8:]}"
        if kept != made:
            Tags.of(self.bucket).remove(made)
            Tags.of(self.bucket).add(kept, "true")

    def _deploy(self) -> None:
        """Copy chalicelib/static/admin to admin/ in the bucket, in three groups by Cache-Control.

        BucketDeployment runs a Lambda function of CDK's own (a custom resource), not one of the
        Chalice app's: access_for() and the tables of functions.py are about the app's functions and
        never see it. Its role is written out here, action by action, instead of CDK's grants
        (s3:GetObject*, s3:List*, s3:DeleteObject*, s3:Abort* on the buckets, and the invalidation
        actions on "*"): the role is handed over immutable, so those grants are dropped and this is
        all it may do.
        """
        bucket, distribution = self.bucket, self.distribution
        stack = Stack.of(self)
        files = s3_assets.Asset(self, "BackOfficeFiles", path=str(ADMIN_STATIC), exclude=["README.md"])
        logs_group = logs.LogGroup(self, "BackOfficeDeploymentLogs", removal_policy=self.config.removal_policy)
        cfn_logs = logs_group.node.default_child
        assert isinstance(cfn_logs, logs.CfnLogGroup)
        cfn_logs.retention_in_days = self.config.log_retention_days
        role = iam.Role(
            self,
            "BackOfficeDeploymentRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{stack.stack_name} back office deployment: copy the page's files, invalidate the CDN",
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
        for deployment in (library, assets, page):
            self._keep_owner_tag(deployment)
        # Each BucketDeployment makes an AWS CLI layer, but the function they share (a singleton,
        # made with the first one) uses only the first one's: the others would be deployed unused.
        for unused in (assets, page):
            unused.node.try_remove_child("AwsCliLayer")
        # The three share one function (a singleton, made in the stack itself). Given a role,
        # lambda.Function also adds a DependsOn on it, which the Fn::GetAtt of its Role already
        # implies (cfn-lint W3005).
        handlers = [
            child
            for child in stack.node.find_all()
            if isinstance(child, lambda_.CfnFunction) and "CDKBucketDeployment" in child.node.path
        ]
        if len(handlers) != 1:
            raise ValueError(f"expected one BucketDeployment function, found {len(handlers)}")
        handlers[0].add_deletion_override("DependsOn")
