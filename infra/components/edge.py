"""The public API at the edge (issue 14): a CloudFront distribution in front of the API stage that
keeps the anonymous public reads (GET /tasks, GET /tasks/{task_id}, GET /taxonomy) for a few seconds, so that
thousands of anonymous browse requests a second are answered by CloudFront and not by the task
listing partition in DynamoDB.

What may be kept, and for how long, is the app's decision: an anonymous answer of those two routes
says `Cache-Control: public, max-age=N` (chalicelib/handlers/tasks.py, `edge_cached` in
chalicelib/handlers/http.py); a signed-in caller's answer and every error say `private, no-store`,
and every other route sends no Cache-Control at all. The cache policy only honours that (default TTL
0: no header, not kept) and keys on the Authorization header, so a signed-in request never gets an
anonymous or another user's answer.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from constructs import Construct

from infra.components.api import API_STAGE
from infra.components.config import StageConfig
from infra.components.naming import Concern, unique_id, unique_resource_name

# Viewer paths of the cached behaviors. A pattern without a wildcard matches that path only; "*" matches
# "/" too, so "/tasks/*" also takes the task's sub-resources (bids, threads, submit): they stay uncached
# because their answers carry no Cache-Control and every one of them needs a token (in the cache key).
PUBLIC_PATHS = ("/tasks", "/tasks/*", "/taxonomy")  # GET /taxonomy: the pickers' lists (handlers/taxonomy.py)
# The query strings the public reads take (GET /tasks); any other one is forwarded but not in the key,
# so `?x=<random>` cannot split the cache.
CACHED_QUERY = ("category", "skill", "limit", "cursor")
MAX_TTL_SECONDS = 60  # the most the edge keeps anything, whatever the origin says
# 4xx codes CloudFront would otherwise keep 10 s whatever the origin says (it honours no-store only on
# 404, 410, 414 and 501): a 403 from the WAF's per-address rule or a 400 must not be replayed to others.
# 5xx keep CloudFront's default 10 s: during an outage the edge shields the origin.
UNCACHED_ERRORS = (400, 403, 404, 405, 414)


class PublicEdge(Concern):
    """One distribution in front of the API stage (origin path /api).

    Behaviors, in order: "/tasks", "/tasks/*" and "/taxonomy" honour the origin's Cache-Control (min and default TTL
    0, max 60 s), keyed on the path, Authorization and the `CACHED_QUERY` strings; every method is
    allowed there, only GET and HEAD are ever cached. Everything else (default): the API, never cached.
    Both forward every viewer header but Host (API Gateway routes on its own host name), every query
    string and no cookie (the API reads none).
    """

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, rest_api_id: str) -> None:
        super().__init__(scope, id)
        self.config = config
        stack = Stack.of(self)
        api = origins.HttpOrigin(
            f"{rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}",
            origin_id=unique_id(self, "PublicApi", "Origin1")[-128:],
            origin_path=f"/{API_STAGE}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        forward = cloudfront.OriginRequestPolicy(
            self,
            "PublicApiForward",
            origin_request_policy_name=unique_resource_name(self, "PublicApiForward", max_length=128),
            comment=f"{stack.stack_name} public API: every viewer header but Host, every query string, no cookie",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.deny_list("Host"),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
        )
        self.cache_policy = cloudfront.CachePolicy(
            self,
            "PublicApiCache",
            cache_policy_name=unique_resource_name(self, "PublicApiCache", max_length=128),
            comment=f"{stack.stack_name} public reads: the origin's Cache-Control, keyed on Authorization",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(MAX_TTL_SECONDS),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization"),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list(*CACHED_QUERY),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        cached = cloudfront.BehaviorOptions(
            origin=api,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
            cache_policy=self.cache_policy,
            origin_request_policy=forward,
            compress=True,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "PublicApi",
            comment=f"{stack.stack_name}: the API, anonymous public reads cached at the edge",
            default_behavior=cloudfront.BehaviorOptions(
                origin=api,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=forward,
            ),
            additional_behaviors=dict.fromkeys(PUBLIC_PATHS, cached),
            error_responses=[
                cloudfront.ErrorResponse(http_status=status, ttl=Duration.seconds(0)) for status in UNCACHED_ERRORS
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}/"
