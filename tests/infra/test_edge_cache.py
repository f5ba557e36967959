"""The public API's edge cache (infra/components/edge.py) in the synthesized templates.

The anonymous public reads are kept at the edge only as long as the app's Cache-Control says, keyed on
Authorization; every other path goes to the API uncached. Synthesized once per session (conftest.py).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.http import ROUTES
from chalicelib.handlers.tasks import BROWSE_MAX_AGE, TASK_MAX_AGE
from chalicelib.handlers.taxonomy import TAXONOMY_MAX_AGE
from infra.components.edge import CACHED_QUERY, MAX_TTL_SECONDS, PUBLIC_PATHS, UNCACHED_ERRORS
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CloudFront's managed policy, same ID everywhere
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
PUBLIC_READS = {("GET", "/tasks"), ("GET", "/tasks/{task_id}"), ("GET", "/taxonomy")}
CACHED = "cached"


def public_api(synth: Synth) -> tuple[str, dict[str, Any]]:
    """The edge's distribution (the other one is the back office's)."""
    (found,) = [
        (logical_id, resource["Properties"]["DistributionConfig"])
        for logical_id, resource in synth.of_type("AWS::CloudFront::Distribution").items()
        if logical_id.startswith("PublicApi")
    ]
    return found


def policy(synth: Synth, ref: dict[str, Any], kind: str) -> dict[str, Any]:
    resource = synth.resources[ref["Ref"]]
    assert resource["Type"] == f"AWS::CloudFront::{kind}"
    config: dict[str, Any] = resource["Properties"][f"{kind}Config"]
    return config


def where_it_goes(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The behavior CloudFront picks for a viewer path: the first pattern that matches, else the default."""
    for behavior in config["CacheBehaviors"]:
        if fnmatch.fnmatchcase(path, behavior["PathPattern"]):
            return dict(behavior)
    return dict(config["DefaultCacheBehavior"])


@pytest.fixture(params=["dev", "prod"])
def synth(request: pytest.FixtureRequest) -> Synth:
    found: Synth = request.getfixturevalue(request.param)
    return found


def test_the_public_paths_honour_the_origin_keyed_on_authorization_and_the_browse_query(synth: Synth) -> None:
    _, config = public_api(synth)
    behaviors = config["CacheBehaviors"]
    assert [b["PathPattern"] for b in behaviors] == list(PUBLIC_PATHS)
    for behavior in behaviors:
        assert set(behavior["AllowedMethods"]) == ALL_METHODS  # writes under /tasks still reach the API
        assert set(behavior["CachedMethods"]) == {"GET", "HEAD"}
        assert behavior["ViewerProtocolPolicy"] == "https-only"
        assert behavior["Compress"] is True
        cache = policy(synth, behavior["CachePolicyId"], "CachePolicy")
        # the app decides: nothing without a Cache-Control of its own is kept, nothing longer than a minute
        assert (cache["MinTTL"], cache["DefaultTTL"], cache["MaxTTL"]) == (0, 0, MAX_TTL_SECONDS)
        key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
        assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}
        assert key["QueryStringsConfig"]["QueryStringBehavior"] == "whitelist"
        assert sorted(key["QueryStringsConfig"]["QueryStrings"]) == sorted(CACHED_QUERY)
        assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    # the app's max-age fits under the edge's ceiling, or the doc's "within N s" would be a lie the other way
    assert max(BROWSE_MAX_AGE, TASK_MAX_AGE, TAXONOMY_MAX_AGE) <= MAX_TTL_SECONDS
    # every query string GET /tasks reads is in the key: two filters never share an answer
    (browse,) = [r for r in ROUTES if (r.method, r.path) == ("GET", "/tasks")]
    assert set(browse.query) == set(CACHED_QUERY)


def test_everything_else_goes_to_the_api_uncached_with_every_header_but_host(synth: Synth) -> None:
    _, config = public_api(synth)
    default = config["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == CACHING_DISABLED
    assert set(default["AllowedMethods"]) == ALL_METHODS
    assert default["ViewerProtocolPolicy"] == "https-only"
    (origin,) = config["Origins"]
    assert origin["OriginPath"] == "/api"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert {b["TargetOriginId"] for b in [default, *config["CacheBehaviors"]]} == {origin["Id"]}
    forwarded = {b["OriginRequestPolicyId"]["Ref"] for b in [default, *config["CacheBehaviors"]]}
    assert len(forwarded) == 1
    request = policy(synth, {"Ref": forwarded.pop()}, "OriginRequestPolicy")
    assert request["HeadersConfig"] == {"HeaderBehavior": "allExcept", "Headers": ["Host"]}
    assert request["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert request["CookiesConfig"] == {"CookieBehavior": "none"}
    # a 4xx CloudFront would keep 10 s whatever the origin says (a WAF 403, a 400) is not kept at all
    errors = {e["ErrorCode"]: e for e in config["CustomErrorResponses"]}
    assert set(errors) == set(UNCACHED_ERRORS)
    assert all(e == {"ErrorCode": code, "ErrorCachingMinTTL": 0} for code, e in errors.items())


def test_only_the_public_reads_can_be_answered_from_the_cache(synth: Synth) -> None:
    """Every route of the app, by the behavior its path takes: a route under the cached behavior other
    than the two public reads is a write (never cached) or needs a token (in the key, answered no-store)."""
    _, config = public_api(synth)
    taken = set()
    for route in ROUTES:
        path = re.sub(r"\{[^}]+\}", "t-1", route.path)
        if "PathPattern" in where_it_goes(config, path):  # a cached behavior, not the default
            taken.add((route.method, route.path))
            if (route.method, route.path) not in PUBLIC_READS:
                assert route.method != "GET" or route.auth == "required", (route.method, route.path)
        else:
            assert (route.method, route.path) not in PUBLIC_READS
    assert taken >= PUBLIC_READS


def test_the_outputs_name_the_public_api_url(synth: Synth) -> None:
    distribution_id, _ = public_api(synth)
    outputs = synth.template["Outputs"]
    assert outputs["PublicApiUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}, "/"]]
    }
    assert outputs["PublicApiDistributionId"]["Value"] == {"Ref": distribution_id}
