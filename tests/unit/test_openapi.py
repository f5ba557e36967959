"""GET /openapi.json: every registered route, resolvable schemas, published upload limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import app  # noqa: F401  (registers every route)
from chalicelib.domain.money import CURRENCIES, MAX_AMOUNT
from chalicelib.domain.uploads import LIMITS, Purpose
from chalicelib.handlers.http import ROUTES
from chalicelib.handlers.openapi import BINARY, RESPONSE_SCHEMAS, SUCCESS, build

METHODS = {"get", "post", "put", "patch", "delete"}


def camel_path(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "{" + re.sub(r"_(\w)", lambda n: n.group(1).upper(), m.group(1)) + "}", path)


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return build()


def test_it_is_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"]
    assert doc["info"]["version"]


def test_the_core_routes_are_registered() -> None:
    registered = {(r.method, r.path) for r in ROUTES}
    assert {("GET", "/health"), ("GET", "/config"), ("GET", "/openapi.json"), ("POST", "/tasks")} <= registered


def test_every_registered_route_is_documented_exactly_once(doc: dict[str, Any]) -> None:
    documented = sorted((method.upper(), path) for path, method, _ in operations(doc))
    expected = sorted((r.method, camel_path(r.path)) for r in ROUTES)
    assert documented == expected


def test_operation_ids_are_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))


def test_path_parameters_are_declared_in_camel_case(doc: dict[str, Any]) -> None:
    for path, _, operation in operations(doc):
        in_path = re.findall(r"\{(\w+)\}", path)
        declared = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
        assert declared == in_path, path
        assert all("_" not in name for name in in_path), path


def test_request_bodies_reference_existing_components(doc: dict[str, Any]) -> None:
    components = doc["components"]["schemas"]
    by_key = {(r.method.lower(), camel_path(r.path)): r for r in ROUTES}
    for path, method, operation in operations(doc):
        route = by_key[(method, path)]
        if route.body is None:
            assert "requestBody" not in operation, (method, path)
            continue
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = route.body.__name__  # the class, or the LazyModel naming it
        assert ref == f"#/components/schemas/{name}"
        assert components[name]["type"] == "object"


def test_every_ref_in_the_document_resolves(doc: dict[str, Any]) -> None:
    all_refs = set(refs(doc))
    assert all_refs
    for ref in all_refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"], ref


def test_error_responses_are_problems(doc: dict[str, Any]) -> None:
    for path, method, operation in operations(doc):
        default = operation["responses"]["default"]["content"]
        assert default == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
            method,
            path,
        )
    assert set(doc["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}


def test_success_status_matches_the_route(doc: dict[str, Any]) -> None:
    statuses = {(r.method.lower(), camel_path(r.path)): str(r.status) for r in ROUTES}
    for path, method, operation in operations(doc):
        assert statuses[(method, path)] in operation["responses"], (method, path)
    assert "201" in doc["paths"]["/tasks"]["post"]["responses"]


def test_public_routes_need_no_token_the_rest_do(doc: dict[str, Any]) -> None:
    assert "cognito" in doc["components"]["securitySchemes"]
    auth = {(r.method.lower(), camel_path(r.path)): r.auth for r in ROUTES}
    for path, method, operation in operations(doc):
        mode = auth[(method, path)]
        if mode == "none":
            assert "security" not in operation, (method, path)
        elif mode == "required":
            assert operation["security"] == [{"cognito": []}], (method, path)
        else:
            assert {} in operation["security"], (method, path)
    for public in ("/health", "/config", "/openapi.json", "/tasks"):
        assert "security" not in doc["paths"][public]["get"], public


def test_request_schemas_use_camel_case_and_forbid_extras(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name in {r.body.__name__ for r in ROUTES if r.body}:
        schema = schemas[name]
        assert schema.get("additionalProperties") is False, name
        assert all("_" not in prop for prop in schema.get("properties", {})), name
    assert {"startDate", "dueDate", "qualityReview"} <= set(schemas["TaskFields"]["properties"])


def test_money_is_published_as_integer_minor_units(doc: dict[str, Any]) -> None:
    money = doc["components"]["schemas"]["PositiveMoney"]
    assert money["properties"]["amount"]["type"] == "integer"
    assert money["properties"]["amount"]["minimum"] == 1
    assert money["properties"]["amount"]["maximum"] == MAX_AMOUNT
    assert set(money["properties"]["currency"]["enum"]) == set(CURRENCIES)


def test_upload_limits_are_published_for_every_purpose(doc: dict[str, Any]) -> None:
    limits = doc["x-upload-limits"]
    assert set(limits) == {"verification", "deliverable", "attachment", "message", "evidence"}
    for purpose in Purpose:
        types, max_bytes = LIMITS[purpose]
        assert limits[purpose.value]["maxBytes"] == max_bytes
        assert isinstance(limits[purpose.value]["maxBytes"], int)
        assert sorted(limits[purpose.value]["contentTypes"]) == sorted(types)
    work = set(limits["deliverable"]["contentTypes"])
    assert {"application/pdf", "application/zip", "image/png", "image/jpeg", "text/plain"} <= work


# --- responses ----------------------------------------------------------------------------------------------

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def route_of() -> dict[tuple[str, str], Any]:
    return {(r.method.lower(), camel_path(r.path)): r for r in ROUTES}


def test_every_success_declares_a_json_schema(doc: dict[str, Any]) -> None:
    routes = route_of()
    for path, method, operation in operations(doc):
        route = routes[(method, path)]
        success = operation["responses"][str(route.status)]
        if f"{route.method} {route.path}" in BINARY:  # a file, not JSON
            continue
        schema = success["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("type") == "object" or schema.get("anyOf"), (method, path)


def test_the_202_alternates_are_declared_with_the_same_body(doc: dict[str, Any]) -> None:
    for path in ("/me/deposits", "/contracts/{contractId}/milestones/{milestoneId}/fund"):
        responses = doc["paths"][path]["post"]["responses"]
        success = "201" if path == "/me/deposits" else "200"
        assert responses["202"]["content"] == responses[success]["content"], path
        assert "Stripe" in responses["202"]["description"]
    assert "200" in doc["paths"]["/tasks/{taskId}/threads"]["post"]["responses"]  # the thread existed already
    accepted = {(m, p) for p, m, op in operations(doc) if "202" in op["responses"]}
    assert accepted == {("post", "/me/deposits"), ("post", "/contracts/{contractId}/milestones/{milestoneId}/fund")}


def test_the_contract_document_is_declared_as_a_pdf_with_its_hash(doc: dict[str, Any]) -> None:
    success = doc["paths"]["/contracts/{contractId}/document"]["get"]["responses"]["200"]
    assert set(success["content"]) == {"application/pdf"}
    assert success["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert "X-Document-SHA256" in success["headers"]


def test_the_csv_audit_trail_is_declared_beside_the_json_page(doc: dict[str, Any]) -> None:
    content = doc["paths"]["/contracts/{contractId}/audit"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}


def test_error_statuses_are_problems_where_they_apply(doc: dict[str, Any]) -> None:
    routes = route_of()
    for path, method, operation in operations(doc):
        route = routes[(method, path)]
        errors = {s for s in operation["responses"] if s.startswith(("4", "5"))}
        for status in errors:
            assert operation["responses"][status]["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
        assert ("401" in errors) == (route.auth != "none"), (method, path)
        assert ("404" in errors) == ("{" in path), (method, path)
        assert ("429" in errors) == (route.quota is not None), (method, path)
        assert ("503" in errors) >= route.money, (method, path)
        if method in ("post", "put", "patch"):
            assert {"400", "409", "422"} <= errors, (method, path)
    assert "403" not in doc["paths"]["/tasks"]["get"]["responses"]  # public
    assert "413" in doc["paths"]["/uploads"]["post"]["responses"]
    assert "503" in doc["paths"]["/me/payouts/onboarding"]["post"]["responses"]


def test_response_schemas_keep_their_names_beside_the_request_models(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for name, schema in RESPONSE_SCHEMAS.items():
        assert schemas[name] == schema, f"a request model named {name} replaced the response schema"


def test_success_schemas_are_true_to_what_the_views_build() -> None:
    """Checked with jsonschema on bodies the views build (the e2e fuzz pass checks the live answers)."""
    import jsonschema

    doc = build()

    def valid(name: str, body: Any) -> None:
        jsonschema.validate(body, {"$ref": f"#/components/schemas/{name}", "components": doc["components"]})

    money = {"amount": 100, "currency": "EUR"}
    valid("MoneyView", money)
    valid("Me", {"id": None, "role": "admin", "email": "a@b.c", "isAdmin": True})
    valid("DepositResult", {"id": "pi_1", "postingId": None, "status": "requires_payment", "amount": money, "at": "t"})
    valid("WebhookOutcome", {"id": "evt_1", "type": "x", "outcome": "duplicate", "first": "ignored"})
    with pytest.raises(jsonschema.ValidationError):
        valid("MoneyView", {"amount": "100", "currency": "EUR"})
    with pytest.raises(jsonschema.ValidationError):
        valid("DepositResult", {"id": "pi_1", "status": "succeeded"})


def test_every_route_has_a_success_schema() -> None:
    """A new route without one fails here (and build() would raise)."""
    assert {f"{r.method} {r.path}" for r in ROUTES} == set(SUCCESS)
