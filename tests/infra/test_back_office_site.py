"""The back office on AWS: chalicelib/static/admin in a private bucket behind CloudFront, with the API.

One distribution serves the page (from the bucket, through Origin Access Control) and the API
(default behavior, not cached), so the page and the API share an origin, as on the local server.
Synthesized once per session (tests/infra/conftest.py).
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.components.site import ADMIN_FILE_PATTERNS, ADMIN_PAGE_FUNCTION, ADMIN_STATIC
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

# CloudFront's managed policies (the same IDs in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
PAGE_PATTERNS = {"/admin/", "/admin"}
# Stand-ins for the pseudo parameters, to compare rendered Fn::Join values.
PSEUDO = {"AWS::Region": "eu-central-1", "AWS::URLSuffix": "amazonaws.com", "AWS::Partition": "aws"}


# -- helpers -----------------------------------------------------------------------------------


def the(synth: Synth, kind: str) -> tuple[str, dict[str, Any]]:
    (found,) = synth.of_type(kind).items()
    return found


def distribution(synth: Synth) -> tuple[str, dict[str, Any]]:
    """The back office's distribution (the public API's edge cache has its own: test_edge_cache.py)."""
    (logical_id,) = [k for k in synth.of_type("AWS::CloudFront::Distribution") if k.startswith("BackOffice")]
    return logical_id, synth.resources[logical_id]["Properties"]["DistributionConfig"]


def origins(synth: Synth) -> dict[str, dict[str, Any]]:
    return {o["Id"]: o for o in distribution(synth)[1]["Origins"]}


def site_bucket_id(synth: Synth) -> str:
    """The bucket behind the distribution's S3 origin."""
    (origin,) = [o for o in origins(synth).values() if "S3OriginConfig" in o]
    logical_id, attribute = origin["DomainName"]["Fn::GetAtt"]
    assert attribute == "RegionalDomainName"
    return str(logical_id)


def api_origin_id(synth: Synth) -> str:
    (origin,) = [o for o in origins(synth).values() if "CustomOriginConfig" in o]
    return str(origin["Id"])


def behaviors(synth: Synth) -> dict[str, dict[str, Any]]:
    """Path pattern -> cache behavior, in CloudFront's order of evaluation."""
    return {b["PathPattern"]: b for b in distribution(synth)[1]["CacheBehaviors"]}


def render(value: Any) -> str:
    """A string, or an Fn::Join of strings and pseudo parameters, as CloudFormation would render it."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in PSEUDO:
        return PSEUDO[value["Ref"]]
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part) for part in parts)
    raise AssertionError(f"cannot render {value!r}")


def where_it_goes(synth: Synth, path: str) -> str:
    """The origin CloudFront sends a viewer path to: the first behavior whose pattern matches
    (case-sensitive; * is any run of characters, / included; ? is one), else the default."""
    for pattern, behavior in behaviors(synth).items():
        if fnmatch.fnmatchcase(path, pattern):
            return str(behavior["TargetOriginId"])
    return str(distribution(synth)[1]["DefaultCacheBehavior"]["TargetOriginId"])


def deployments(synth: Synth) -> list[dict[str, Any]]:
    return [r["Properties"] for r in synth.of_type("Custom::CDKBucketDeployment").values()]


def synced_by(deployment: dict[str, Any], name: str) -> bool:
    """`aws s3 sync --exclude ... --include ...` as the BucketDeployment handler runs it: every
    --exclude, then every --include; the last filter that matches decides, and no match keeps."""
    chosen = True
    filters = [(False, p) for p in deployment.get("Exclude", [])] + [(True, p) for p in deployment.get("Include", [])]
    for keep, pattern in filters:
        if fnmatch.fnmatchcase(name, pattern):
            chosen = keep
    return chosen


def folder_files() -> set[str]:
    return {p.name for p in ADMIN_STATIC.iterdir() if p.is_file() and p.name != "README.md"}


# -- the bucket ----------------------------------------------------------------------------------


def test_the_site_bucket_is_private_encrypted_tls_only_and_kept_in_prod(dev: Synth, prod: Synth) -> None:
    for synth, deletion in ((dev, "Delete"), (prod, "Retain")):
        bucket = synth.resources[site_bucket_id(synth)]
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["BucketEncryption"] == {
            "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        assert not {"WebsiteConfiguration", "CorsConfiguration", "BucketName"} & set(props)
        assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == (deletion, deletion)
        # no auto-delete custom resource: a dev teardown empties the bucket first (docs/deploy.md)
        assert not synth.of_type("Custom::S3AutoDeleteObjects")


def test_only_this_distribution_may_read_the_site_bucket(dev: Synth) -> None:
    bucket_id = site_bucket_id(dev)
    distribution_id, _ = distribution(dev)
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in dev.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    denies = [s for s in policy if s["Effect"] == "Deny"]
    assert [s["Condition"] for s in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]
    (grant,) = [s for s in policy if s["Effect"] == "Allow"]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Action"] == "s3:GetObject"
    assert grant["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]}
    assert list(grant["Condition"]) == ["StringEquals"]
    assert list(grant["Condition"]["StringEquals"]) == ["AWS:SourceArn"]
    parts = grant["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]
    assert ":cloudfront::" in parts and ":distribution/" in parts
    assert parts[-1] == {"Ref": distribution_id}


def test_the_distribution_reads_the_bucket_through_origin_access_control(dev: Synth) -> None:
    oac_id, oac = the(dev, "AWS::CloudFront::OriginAccessControl")
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"], config["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    (origin,) = [o for o in origins(dev).values() if "S3OriginConfig" in o]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}, "OAC, not a legacy origin access identity"
    assert "OriginPath" not in origin, "keys are admin/..., as the viewer paths"


# -- behaviors ----------------------------------------------------------------------------------------


def test_the_api_is_the_default_origin_not_cached_with_every_method(dev: Synth) -> None:
    config = distribution(dev)[1]
    default = config["DefaultCacheBehavior"]
    api = origins(dev)[default["TargetOriginId"]]
    first, *rest = api["DomainName"]["Fn::Join"][1]
    assert first == {"Ref": "RestAPI"}
    assert render({"Fn::Join": ["", rest]}) == ".execute-api.eu-central-1.amazonaws.com"
    (rest_api,) = dev.of_type("AWS::Serverless::Api").values()
    assert api["OriginPath"] == "/" + rest_api["Properties"]["StageName"] == "/api"
    assert api["CustomOriginConfig"] == {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}
    assert default["CachePolicyId"] == CACHING_DISABLED
    # every viewer header but Host (API Gateway needs its own), so Authorization reaches the API
    assert default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(default["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "DefaultRootObject" not in config, "/ is the API's"


def test_the_page_and_its_files_come_from_the_bucket_cached(dev: Synth) -> None:
    site = [k for k, o in origins(dev).items() if "S3OriginConfig" in o]
    found = behaviors(dev)
    assert set(found) == PAGE_PATTERNS | set(ADMIN_FILE_PATTERNS)
    for pattern, behavior in found.items():
        assert [behavior["TargetOriginId"]] == site, pattern
        assert behavior["CachePolicyId"] == CACHING_OPTIMIZED, pattern
        assert behavior["AllowedMethods"] == ["GET", "HEAD"], pattern
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https", pattern
        assert "OriginRequestPolicyId" not in behavior, pattern
    for path in ("/admin/", "/admin", "/admin/app.js", "/admin/app.css", "/admin/uplot-1.6.32.iife.min.js"):
        assert [where_it_goes(dev, path)] == site, path


def test_the_static_patterns_cover_exactly_what_the_api_serves_as_files() -> None:
    from chalicelib.handlers.backoffice import TYPES

    assert {p.removeprefix("/admin/*") for p in ADMIN_FILE_PATTERNS} == set(TYPES)
    assert {Path(name).suffix for name in folder_files()} <= set(TYPES)


def test_every_api_route_under_admin_still_reaches_the_api(dev: Synth) -> None:
    """The app's own routes: none under /admin/ ends in one of the page's suffixes, so only the
    page (/admin, /admin/) and its files ({asset}) are taken from the bucket."""
    import app as application

    api = api_origin_id(dev)
    routes = [path for path in application.app.routes if path.startswith("/admin")]
    assert "/admin/verifications" in routes and "/admin/settings/commission" in routes
    for route in routes:
        if route in {"/admin", "/admin/{asset}"}:
            continue
        for value in ("u-1", "x.js", "x.css", "a.b.txt"):  # even ids with dots in them
            path = re.sub(r"\{\w+\}", value, route)
            assert where_it_goes(dev, path) == api, path
    for path in ("/config", "/health", "/admin/verifications", "/admin/users?q=ab", "/Admin/", "/admin/x/"):
        assert where_it_goes(dev, path.split("?")[0]) == api, path


# -- the page function ---------------------------------------------------------------------------------


def test_the_page_function_rewrites_the_page_and_redirects_the_bare_path(dev: Synth) -> None:
    function_id, function = the(dev, "AWS::CloudFront::Function")
    props = function["Properties"]
    assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert props["AutoPublish"] is True
    code = props["FunctionCode"]
    assert code == ADMIN_PAGE_FUNCTION
    assert 'request.uri === "/admin/"' in code and 'request.uri = "/admin/index.html"' in code
    assert "statusCode: 302" in code and 'location: { value: "/admin/" }' in code
    for pattern, behavior in behaviors(dev).items():
        associations = behavior.get("FunctionAssociations", [])
        if pattern in PAGE_PATTERNS:
            assert associations == [
                {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}
            ], pattern
        else:
            assert associations == [], pattern


RUN_FUNCTION = """
const uri = process.argv[process.argv.length - 1];
const out = handler({ request: { method: "GET", uri: uri, querystring: {}, headers: {}, cookies: {} } });
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(
    shutil.which("node") is None,
    reason="node is not installed: a system JavaScript runtime is needed to run the CloudFront Function's code",
)
def test_the_page_function_runs_as_intended(dev: Synth, tmp_path: Path) -> None:
    """The deployed code, run with node (CloudFront Functions run ECMAScript 5.1 and more, which
    node runs too): an approximation of the cloudfront-js-2.0 runtime, not the runtime itself."""
    (function,) = dev.of_type("AWS::CloudFront::Function").values()
    script = tmp_path / "page-function.js"
    script.write_text(function["Properties"]["FunctionCode"] + RUN_FUNCTION)

    def run(uri: str) -> dict[str, Any]:
        node = shutil.which("node")
        assert node
        result = subprocess.run([node, str(script), uri], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer

    assert run("/admin/")["uri"] == "/admin/index.html"
    redirect = run("/admin")
    assert redirect["statusCode"] == 302
    assert redirect["headers"]["location"] == {"value": "/admin/"}
    for unchanged in ("/admin/app.js", "/admin/uplot-1.6.32.min.css", "/admin/index.html"):
        assert run(unchanged)["uri"] == unchanged


# -- headers ------------------------------------------------------------------------------------------


def test_every_response_gets_the_security_headers_and_the_pages_csp(
    dev: Synth, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    import chalicelib.settings
    from chalicelib.handlers.backoffice import content_security_policy

    policy_id, policy = the(dev, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert all(h["Override"] is True for h in headers.values())
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 365 * 24 * 3600 and hsts["IncludeSubdomains"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}  # nosniff
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    # the very policy the API function sends with the page (in the same region)
    settings = SimpleNamespace(region=PSEUDO["AWS::Region"], endpoint_url=None, cognito_endpoint=None)
    monkeypatch.setattr(chalicelib.settings, "get_settings", lambda: settings)
    csp = render(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert csp == content_security_policy()
    assert "connect-src 'self' https://cognito-idp.eu-central-1.amazonaws.com;" in csp
    config = distribution(dev)[1]
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}


# -- the files -------------------------------------------------------------------------------------------


def test_the_deployment_copies_the_admin_folder_to_admin_in_the_site_bucket(dev: Synth) -> None:
    bucket_id = site_bucket_id(dev)
    found = deployments(dev)
    assert len(found) == 3
    (keys,) = {json.dumps(d["SourceObjectKeys"]) for d in found}
    (key,) = json.loads(keys)
    for deployment in found:
        assert deployment["DestinationBucketName"] == {"Ref": bucket_id}
        assert deployment["DestinationBucketKeyPrefix"] == "admin/"
        assert deployment["Prune"] is True
    # the asset behind that key: chalicelib/static/admin as it is, without its README
    manifest = json.loads((dev.outdir / f"tasklane-{dev.stage}.assets.json").read_text())
    asset = manifest["files"][key.removesuffix(".zip")]
    assert asset["source"]["packaging"] == "zip"
    copied = dev.outdir / asset["source"]["path"]
    names = {p.name for p in copied.iterdir()}
    assert {"index.html", "app.js", "app.css"} <= names
    assert names == folder_files()
    for name in names:
        assert (copied / name).read_bytes() == (ADMIN_STATIC / name).read_bytes(), name


def test_each_file_is_deployed_once_with_its_cache_control(dev: Synth) -> None:
    found = deployments(dev)
    cache: dict[str, str] = {}
    for name in [*sorted(folder_files()), "uplot-9.9.9.iife.min.js", "new-file.js"]:
        (deployment,) = [d for d in found if synced_by(d, name)]
        cache[name] = deployment["SystemMetadata"]["cache-control"]
    assert cache["index.html"] == "no-cache"
    assert cache["app.js"] == cache["app.css"] == cache["new-file.js"] == "public, max-age=300"
    for name in ("uplot-1.6.32.iife.min.js", "uplot-1.6.32.min.css", "uplot-9.9.9.iife.min.js"):
        assert cache[name] == "public, max-age=31536000, immutable", name
    (page,) = [d for d in found if synced_by(d, "index.html")]
    assert page["SystemMetadata"]["content-type"] == "text/html; charset=utf-8"
    # the short-cached files are invalidated at the edge after each deployment
    distribution_id, _ = distribution(dev)
    (invalidating,) = [d for d in found if "DistributionId" in d]
    assert invalidating["DistributionId"] == {"Ref": distribution_id}
    assert invalidating["DistributionPaths"] == ["/admin/*"]
    assert synced_by(invalidating, "app.js")


def test_the_deployment_function_may_do_only_what_it_does(dev: Synth, prod: Synth) -> None:
    """CDK's own function (not the app's, which infra/components/functions.py's access tables cover): its role
    is spelled out action by action, and CDK's broader grants are not in the template."""
    for synth, days, deletion in ((dev, 14, "Delete"), (prod, 90, "Retain")):
        bucket_id = site_bucket_id(synth)
        distribution_id, _ = distribution(synth)
        (handler,) = synth.of_type("AWS::Lambda::Function").values()
        role_id = handler["Properties"]["Role"]["Fn::GetAtt"][0]
        role = synth.resources[role_id]["Properties"]
        assert "ManagedPolicyArns" not in role
        assert not [
            p for p in synth.of_type("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
        ]
        grants: dict[str, Any] = {}
        for policy in role["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                for action in actions:
                    assert "*" not in action, action
                    grants[action] = statement["Resource"]
        assert set(grants) == {
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "cloudfront:CreateInvalidation",
            "cloudfront:GetInvalidation",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        }
        (source_key,) = deployments(synth)[0]["SourceObjectKeys"]
        assert render_tail(grants["s3:GetObject"]) == "/" + source_key, "the folder's zip, nothing else"
        assert grants["s3:ListBucket"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
        site_objects = {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/admin/*"]]}
        assert grants["s3:PutObject"] == grants["s3:DeleteObject"] == site_objects
        assert grants["cloudfront:CreateInvalidation"]["Fn::Join"][1][-1] == {"Ref": distribution_id}
        (log_id,) = [
            k for k, g in synth.of_type("AWS::Logs::LogGroup").items() if "LogGroupName" not in g["Properties"]
        ]
        assert grants["logs:PutLogEvents"] == {"Fn::GetAtt": [log_id, "Arn"]}
        assert handler["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": log_id}}
        log_group = synth.resources[log_id]
        assert (log_group["Properties"]["RetentionInDays"], log_group["DeletionPolicy"]) == (days, deletion)
        # one AWS CLI layer, the one the function uses (each BucketDeployment would add its own)
        (layer_id,) = synth.of_type("AWS::Lambda::LayerVersion")
        assert handler["Properties"]["Layers"] == [{"Ref": layer_id}]


def render_tail(value: Any) -> str:
    """The literal end of an ARN built with Fn::Join (the part after the bucket name)."""
    return str(value["Fn::Join"][1][-1])


# -- outputs ------------------------------------------------------------------------------------------------


def test_the_outputs_name_the_back_office_url_and_its_bucket(dev: Synth) -> None:
    outputs = dev.template["Outputs"]
    distribution_id, _ = distribution(dev)
    assert outputs["BackOfficeUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}, "/admin/"]]
    }
    assert outputs["BackOfficeBucketName"]["Value"] == {"Ref": site_bucket_id(dev)}
    assert outputs["BackOfficeDistributionId"]["Value"] == {"Ref": distribution_id}


def test_the_files_bucket_cors_does_not_need_the_distribution(dev: Synth, prod: Synth) -> None:
    """Same origin: the page calls the API through the distribution, and never the files bucket."""
    for synth in (dev, prod):
        for logical_id, bucket in synth.of_type("AWS::S3::Bucket").items():
            rules = bucket["Properties"].get("CorsConfiguration", {}).get("CorsRules", [])
            assert "cloudfront" not in json.dumps(rules), logical_id
