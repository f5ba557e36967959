"""The HTTP edge: authentication, the access policy, quotas, body parsing, problem+json errors and the
OpenAPI registry.

Request models and services are imported on first use, not at import time: importing
`app` is the Lambda cold start (a route names its body class through chalicelib.schemas.lazy).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Request, Response

from chalicelib.domain.errors import DomainError, NotFound, Throttled, ValidationFailed
from chalicelib.handlers.policy import Policy
from chalicelib.schemas import resolve

if TYPE_CHECKING:
    from pydantic import BaseModel

log = Logger(service="tasklane")  # JSON lines; POWERTOOLS_SERVICE_NAME overrides
PROBLEM = "application/problem+json"
TYPE_BASE = "https://tasklane.dev/problems/"
MAX_BODY = 256 * 1024
MAX_QUERY = 1024  # bytes of one query value: cursors fit (paging.MAX_CURSOR), DynamoDB keys stay under their limits
MAX_LIMIT = 100  # the largest page a list returns (`?limit=`): the one place it is set
MAX_ID = 128  # characters of one path parameter: every id we mint is far shorter, every key fits
_DECIMAL = re.compile(r"[0-9]{1,3}")
_ID = re.compile(rf"[\x21-\x7e]{{1,{MAX_ID}}}")  # printable ASCII, no space
# A handler's dict carrying this key asks for another success status (202: work continues elsewhere).
STATUS_KEY = "__status__"
# Cache-Control of every answer no shared cache may keep: a signed-in caller's, and every error.
NO_STORE = "private, no-store"


@dataclass
class RouteSpec:
    path: str
    method: str
    summary: str
    policy: Policy  # who may call (chalicelib/handlers/policy.py), `writable` settled for the method
    body: type[BaseModel] | None  # the class, or a chalicelib.schemas.LazyModel standing for it
    status: int
    tag: str
    query: tuple[str, ...] = ()
    money: bool = False
    quota: str | None = None  # the quota bucket charged per caller (services/quotas.py)

    @property
    def auth(self) -> str:
        """none | optional | required: whether and how a token is read."""
        return self.policy.auth


@dataclass
class Call:
    """What a handler function receives."""

    request: Request
    actor: Any
    body: Any
    params: dict[str, str] = field(default_factory=dict)
    lambda_context: Any = None

    def query(self, name: str) -> str | None:
        """A query value; over MAX_QUERY bytes is a 400, so no service builds a key DynamoDB refuses."""
        params: Any = self.request.query_params or {}
        value: str | None = params.get(name)
        if value in (None, ""):
            return None
        if len(value.encode("utf-8", "surrogatepass")) > MAX_QUERY:
            raise ValidationFailed(
                f"{name} is longer than {MAX_QUERY} bytes", [{"field": name, "message": f"at most {MAX_QUERY} bytes"}]
            )
        return value

    def limit(self, default: int = 20) -> int:
        """ASCII digits only: `str.isdigit` also takes "²", which `int` then refuses (a 500 before)."""
        raw = self.query("limit")
        if raw is None:
            return default
        if not _DECIMAL.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
            raise ValidationFailed(
                f"limit must be an integer from 1 to {MAX_LIMIT}", [{"field": "limit", "message": f"1..{MAX_LIMIT}"}]
            )
        return int(raw)


ROUTES: list[RouteSpec] = []


def problem(status: int, slug: str, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM, "Cache-Control": NO_STORE}
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def from_error(error: DomainError) -> Response:
    response = problem(error.status, error.slug, error.title, error.detail, error.errors)
    if isinstance(error, Throttled):
        response.headers["Retry-After"] = str(max(1, int(error.retry_after)))
    return response


def model(body: type[BaseModel]) -> type[BaseModel]:
    """A route's request model, imported now if it was named lazily."""
    return resolve(body)


def _text(raw: str | bytes | None) -> str:
    """The body as text; bytes that are not UTF-8 are the client's mistake (400), not ours."""
    if not isinstance(raw, bytes):
        return raw or ""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "the request body is not UTF-8",
            [{"field": "", "message": f"invalid UTF-8 at byte {exc.start}", "type": "utf8_invalid"}],
        ) from None


def parse_body(body: type[BaseModel] | None, raw: str | bytes | None) -> Any:
    """The body as the route's model; anything else (not UTF-8, not JSON, not valid) is a 400 naming the field."""
    if body is None:
        if _text(raw).strip() not in ("", "{}", "null"):
            raise ValidationFailed("this action takes no body", [{"field": "", "message": "must be empty"}])
        return None
    if raw is not None and len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw) > MAX_BODY:
        raise ValidationFailed(f"body larger than {MAX_BODY} bytes")
    from pydantic import ValidationError

    text = _text(raw)
    try:
        return model(body).model_validate_json(text if text.strip() else "{}")
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


def _known_ids(params: dict[str, str]) -> None:
    """A path id we could never have minted is a 404 before any AWS call (DynamoDB refuses keys over its limits)."""
    for name, value in params.items():
        if not _ID.fullmatch(value or ""):
            raise NotFound(f"no such {name.removesuffix('_id').replace('_', ' ')}")


def _actor(request: Request, policy: Policy) -> Any:
    """The verified caller, or None: public routes read no token; optional ones only when one is sent."""
    header = request.headers.get("authorization")
    if policy.auth == "none" or (policy.auth == "optional" and not header):
        return None
    from chalicelib.services.identity import authenticate

    return authenticate(header)


def source_ip(request: Request) -> str:
    """The caller's address: API Gateway's sourceIp, else the first X-Forwarded-For hop, else "unknown"."""
    identity = (request.context or {}).get("identity") or {}
    address = identity.get("sourceIp") if isinstance(identity, dict) else None
    if not address:
        forwarded = request.headers.get("x-forwarded-for") or ""
        address = forwarded.split(",")[0].strip()
    return str(address) if address else "unknown"


def _charge(bucket: str, request: Request, actor: Any) -> None:
    """One unit of `bucket` for this caller: the signed-in user's sub, else the source address (429 when used up)."""
    from chalicelib.services import quotas

    quotas.charge(bucket, actor.sub if actor is not None else source_ip(request))


def endpoint(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    policy: Policy,
    body: type[BaseModel] | None = None,
    status: int = 200,
    summary: str = "",
    query: tuple[str, ...] = (),
    money: bool = False,
    quota: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a route. Each request is, in order: authenticated as `policy` needs, refused unless `policy`
    admits the caller, charged to `quota`, parsed, and only then handed to the handler."""
    access = policy.for_method(method)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(
            RouteSpec(
                path,
                method,
                summary or (fn.__doc__ or "").strip(),
                access,
                body,
                status,
                bp._import_name.rsplit(".", 1)[-1],
                query,
                money,
                quota,
            )
        )

        def view(**params: str) -> Response:
            request = bp.current_request
            request_id = (request.context or {}).get("requestId") or request.headers.get("x-request-id")
            request_id = request_id or str(uuid.uuid4())
            log.set_correlation_id(request_id)
            log.append_keys(route=f"{method} {path}")
            try:
                _known_ids(params)
                actor = _actor(request, access)
                access.check(actor)
                if quota is not None:
                    _charge(quota, request, actor)
                parsed = parse_body(body, request.raw_body if method in ("POST", "PUT", "PATCH") else None)
                call = Call(request, actor, parsed, params, getattr(bp, "lambda_context", None))
                key = request.headers.get("idempotency-key") if money else None
                result = _once(call, key, lambda: fn(call, **params)) if key is not None else fn(call, **params)
            except DomainError as error:
                log.info("refused", extra={"status": error.status, "detail": error.detail})
                response = from_error(error)
            except Exception:  # the edge's last resort: logged with its traceback, answered as problem+json
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


def edge_cached(call: Call, result: dict[str, Any], max_age: int) -> Response:
    """A public read's 200 that CloudFront (infra/components/edge.py) and browsers may keep `max_age` s.

    Only an anonymous answer is public: every caller without a token gets the same one. A caller who sent
    Authorization may see more (the owner's full view), so that answer is never stored. The edge keys
    its cache on Authorization as well; `Vary` tells every other cache on the way.
    """
    anonymous = not call.request.headers.get("authorization")
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json",
        "Cache-Control": f"public, max-age={max_age}" if anonymous else NO_STORE,
        "Vary": "Authorization",
    }
    return Response(body=json.dumps(result), status_code=200, headers=headers)


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
