"""The HTTP edge: authentication, body parsing, problem+json errors and the OpenAPI registry.

Request models and services are imported on first use, not at import time: importing
`app` is the Lambda cold start.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Request, Response

from chalicelib.domain.errors import DomainError, ValidationFailed

log = Logger(service="tasklane")  # JSON lines; POWERTOOLS_SERVICE_NAME overrides
PROBLEM = "application/problem+json"
TYPE_BASE = "https://tasklane.dev/problems/"
MAX_BODY = 256 * 1024
# A handler's dict carrying this key asks for another success status (202: work continues elsewhere).
STATUS_KEY = "__status__"


@dataclass
class RouteSpec:
    path: str
    method: str
    summary: str
    auth: str
    body: str | None
    status: int
    tag: str
    query: tuple[str, ...] = ()
    money: bool = False


@dataclass
class Call:
    """What a handler function receives."""

    request: Request
    actor: Any
    body: Any
    params: dict[str, str] = field(default_factory=dict)
    lambda_context: Any = None

    def query(self, name: str) -> str | None:
        params: Any = self.request.query_params or {}
        value: str | None = params.get(name)
        return value if value not in (None, "") else None

    def limit(self, default: int = 20) -> int:
        raw = self.query("limit")
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            raise ValidationFailed("limit must be an integer from 1 to 100", [{"field": "limit", "message": "1..100"}])
        return int(raw)


ROUTES: list[RouteSpec] = []


def problem(status: int, slug: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body=json.dumps(body), status_code=status, headers={"Content-Type": PROBLEM})


def from_error(error: DomainError) -> Response:
    return problem(error.status, error.slug, error.title, error.detail, error.errors)


def model(name: str) -> Any:
    """A request model by name: `Name` in chalicelib.schemas, or `package.module.Name` anywhere."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module or "chalicelib.schemas"), attribute)


def parse_body(model_name: str | None, raw: str | bytes | None) -> Any:
    if model_name is None:
        text = raw.decode() if isinstance(raw, bytes) else (raw or "")
        if text.strip() not in ("", "{}", "null"):
            raise ValidationFailed("this action takes no body", [{"field": "", "message": "must be empty"}])
        return None
    if raw is not None and len(raw.encode() if isinstance(raw, str) else raw) > MAX_BODY:
        raise ValidationFailed(f"body larger than {MAX_BODY} bytes")
    from pydantic import ValidationError

    try:
        text = raw.decode() if isinstance(raw, bytes) else (raw or "")
        return model(model_name).model_validate_json(text if text.strip() else "{}")
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"]),
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise ValidationFailed("the request body is not valid", errors) from None


def _actor(request: Request, auth: str) -> Any:
    header = request.headers.get("authorization")
    if auth == "none" or (auth == "optional" and not header):
        return None
    from chalicelib.services.identity import authenticate

    return authenticate(header)


def endpoint(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    auth: str = "required",
    body: str | None = None,
    status: int = 200,
    summary: str = "",
    query: tuple[str, ...] = (),
    money: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a route: every request is authenticated (unless `auth` says otherwise) and parsed first."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(
            RouteSpec(
                path,
                method,
                summary or (fn.__doc__ or "").strip(),
                auth,
                body,
                status,
                bp._import_name.rsplit(".", 1)[-1],
                query,
                money,
            )
        )

        def view(**params: str) -> Response:
            request = bp.current_request
            request_id = (request.context or {}).get("requestId") or request.headers.get("x-request-id")
            request_id = request_id or str(uuid.uuid4())
            log.set_correlation_id(request_id)
            log.append_keys(route=f"{method} {path}")
            try:
                actor = _actor(request, auth)
                parsed = parse_body(body, request.raw_body if method in ("POST", "PUT", "PATCH") else None)
                call = Call(request, actor, parsed, params, getattr(bp, "lambda_context", None))
                key = request.headers.get("idempotency-key") if money else None
                result = _once(call, key, lambda: fn(call, **params)) if key is not None else fn(call, **params)
            except DomainError as error:
                log.info("refused", extra={"status": error.status, "detail": error.detail})
                response = from_error(error)
            except Exception:
                log.exception("unhandled error")
                response = problem(500, "internal", "Internal error", f"something went wrong; quote {request_id}")
            else:
                response = result if isinstance(result, Response) else _render(result, status)
            response.headers["X-Request-Id"] = request_id
            return response

        view.__name__ = fn.__name__
        view.__doc__ = fn.__doc__
        bp.route(path, methods=[method], content_types=["application/json"])(view)
        return fn

    return decorate


def _render(result: Any, status: int) -> Response:
    if isinstance(result, dict) and STATUS_KEY in result:
        result = dict(result)
        status = int(result.pop(STATUS_KEY))
    return Response(body=json.dumps(result), status_code=status, headers={"Content-Type": "application/json"})


def _once(call: Call, key: str, run: Callable[[], Any]) -> Any:
    """Replay the first response for a repeated Idempotency-Key (money-moving routes only)."""
    if not 1 <= len(key) <= 255:
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 255 characters", [{"field": "Idempotency-Key", "message": "length"}]
        )
    from chalicelib.adapters.idempotency import run_once

    who = call.actor.sub if call.actor else "-"
    scope = f"{who} {call.request.method} {call.request.path} {json.dumps(call.params, sort_keys=True)}"
    payload = call.body.model_dump(mode="json") if call.body is not None else None
    return run_once(scope, key, payload, run, call.lambda_context)


def normalize_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice's own errors (415, 405, bad JSON) become problem+json too."""
    response = get_response(event)
    if response.status_code >= 400 and isinstance(response.body, dict) and "Code" in response.body:
        code = str(response.body.get("Code"))
        message = str(response.body.get("Message", ""))
        slug = re.sub(r"(?<!^)(?=[A-Z])", "-", code.removesuffix("Error")).lower()
        return problem(response.status_code, slug, code, message)
    return response
