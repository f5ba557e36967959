"""OpenAPI 3.1 built from the registered routes and the pydantic request models."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from chalicelib.handlers.http import ROUTES
from chalicelib.handlers.http import model as resolve

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


@cache
def build() -> dict[str, Any]:
    from chalicelib.domain.uploads import LIMITS

    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}
    for route in ROUTES:
        path = re.sub(r"\{(\w+)\}", lambda m: "{" + _camel(m.group(1)) + "}", route.path)
        operation: dict[str, Any] = {
            "summary": route.summary.splitlines()[0] if route.summary else "",
            "tags": [route.tag],
            "operationId": f"{route.method.lower()}_{route.path}",
            "parameters": [
                {"name": _camel(n), "in": "path", "required": True, "schema": {"type": "string"}}
                for n in re.findall(r"\{(\w+)\}", route.path)
            ]
            + [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in route.query],
            "responses": {
                str(route.status): {"description": "success", "content": {"application/json": {}}},
                "default": {
                    "description": "error",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            },
        }
        if route.money:
            operation["parameters"].append(
                {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
            )
        if route.auth != "none":
            operation["security"] = [{"cognito": []}] if route.auth == "required" else [{}, {"cognito": []}]
        if route.body:
            model = resolve(route.body)
            schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                components[name] = definition
            name = route.body.rpartition(".")[2]
            components[name] = schema
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
            }
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tasklane API", "version": "0.1.0"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "cognito": {"type": "http", "scheme": "bearer", "bearerFormat": "Cognito ID token (JWT)"}
            },
        },
        "x-upload-limits": {
            purpose.value: {"contentTypes": sorted(types), "maxBytes": limit}
            for purpose, (types, limit) in LIMITS.items()
        },
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
