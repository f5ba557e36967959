"""The hosted back office: its page, user search, the platform figures and their event consumer.

The page is static (chalicelib/static/admin, no build step) and talks only to the public API:
GET /config to find the user pool, Cognito InitiateAuth to sign in, then the /admin routes.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Response, SQSEvent

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import ADMIN

bp = Blueprint(__name__)

METRICS_QUEUE = "tasklane-metrics"
STATIC = Path(__file__).resolve().parent.parent / "static" / "admin"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
ASSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


# --- the page ---------------------------------------------------------------------------


def content_security_policy() -> str:
    """Scripts, styles and calls from this origin only, plus the pool's Cognito endpoint for sign-in."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    cognito = (
        settings.cognito_endpoint.rstrip("/")
        if settings.endpoint_url and settings.cognito_endpoint
        else f"https://cognito-idp.{settings.region}.amazonaws.com"
    )
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {cognito}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


@cache
def _assets() -> dict[str, tuple[str, str]]:
    """name -> (content type, text) of every file shipped in chalicelib/static/admin."""
    return {
        path.name: (TYPES[path.suffix], path.read_text(encoding="utf-8"))
        for path in sorted(STATIC.iterdir())
        if path.is_file() and path.suffix in TYPES
    }


def _serve(name: str) -> Response:
    found = _assets().get(name) if ASSET.match(name) else None
    if found is None:
        from chalicelib.handlers.http import problem

        return problem(404, "not-found", "Not found", f"no file {name} in the back office")
    content_type, text = found
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Content-Security-Policy": content_security_policy(),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-cache",
        },
    )


@bp.route("/admin", methods=["GET"])
def page() -> Response:
    """The back-office page at GET /admin/ (the local server and API Gateway route it here without the slash).

    The page refers to its files and to the API by relative URLs, so that it works under any prefix
    (API Gateway's stage path, CloudFront); GET /admin without the slash is sent to /admin/ first.
    """
    requested = str((bp.current_request.context or {}).get("path") or "")
    if requested and not requested.endswith("/"):
        return Response(body="", status_code=302, headers={"Location": "admin/", "Cache-Control": "no-cache"})
    return _serve("index.html")


@bp.route("/admin/{asset}", methods=["GET"])
def asset(asset: str) -> Response:
    """The page's scripts, styles and the vendored chart library."""
    return _serve(asset)


# --- user search ------------------------------------------------------------------------


def user(found: Any) -> dict[str, Any]:
    p = found.profile
    return {
        "id": p.id,
        "email": p.email,
        "displayName": p.display_name,
        "role": p.role,
        "kind": p.kind,
        "verification": p.verification,
        "suspended": bool(p.suspended),
        "rating": views.rating(p),
        "reviewCount": int(p.rating_count or 0),
        "createdAt": p.created_at,
        "matched": found.matched,
    }


@endpoint(bp, "/admin/users", "GET", policy=ADMIN, query=("q", "cursor", "limit"))
def search_users(call: Call) -> dict[str, Any]:
    """Users whose email or display name starts with ?q= (at least 2 characters), in alphabetical order."""
    from chalicelib.services import users

    page = users.search(call.actor, call.query("q"), call.limit(), call.query("cursor"))
    return views.page([user(found) for found in page.items], page.next_cursor)


# --- platform figures -------------------------------------------------------------------


def _figures(one: Any, currency: str) -> dict[str, Any]:
    from chalicelib.domain.metrics import derived

    rates = derived(one)
    return {
        "gmv": views.money(one.amount("gmv"), currency),
        "released": views.money(one.amount("released"), currency),
        "revenue": views.money(one.amount("revenue"), currency),
        "refunded": views.money(one.amount("refunded"), currency),
        "disputed": views.money(one.amount("disputed"), currency),
        "awarded": views.money(one.amount("awarded"), currency),
        "deposits": views.money(one.amount("deposits"), currency),
        "takeRateBps": rates["take_rate_bps"],
        "disputesOpened": one.count("disputes_opened"),
        "disputesResolved": one.count("disputes_resolved"),
        "disputeRateBps": rates["dispute_rate_bps"],
        "milestonesFunded": one.count("milestones_funded"),
        "tasksPosted": one.count("tasks_posted"),
        "tasksOpened": one.count("tasks_opened"),
        "contractsAwarded": one.count("contracts_awarded"),
        "contractsCompleted": one.count("contracts_completed"),
        "medianHoursToAward": rates["median_hours_to_award"],
        "awardsTimed": one.awards_timed,
        "newUsers": one.count("new_users"),
        "reviewsPosted": one.count("reviews_posted"),
    }


@endpoint(bp, "/admin/metrics", "GET", policy=ADMIN, query=("from", "to", "currency"))
def platform_metrics(call: Call) -> dict[str, Any]:
    """Daily figures from ?from= to ?to= (YYYY-MM-DD, UTC, inclusive; default the last 30 days), one Query per shard."""
    from chalicelib.services import metrics

    result = metrics.figures(call.actor, call.query("from"), call.query("to"), call.query("currency"))
    return {
        "from": result.first,
        "to": result.last,
        "currency": result.currency,
        "days": [{"date": day.day} | _figures(day, result.currency) for day in result.days],
        "totals": _figures(result.totals, result.currency),
    }


def on_metrics_event(envelope: dict[str, Any]) -> bool:
    """An EventBridge event delivered through the metrics queue: count it into its day, once."""
    from chalicelib.services import metrics

    return metrics.count(str(envelope["detail-type"]), dict(envelope["detail"]))


@bp.on_sqs_message(queue=METRICS_QUEUE, batch_size=10)
def metrics_consumer(event: SQSEvent) -> None:
    for record in event:
        on_metrics_event(json.loads(record.body))
