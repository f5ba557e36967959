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

    components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA} | RESPONSE_SCHEMAS
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
            "responses": _responses(route),
        }
        if route.money:
            operation["parameters"].append(
                {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
            )
        if route.auth != "none":
            operation["security"] = [{"cognito": []}] if route.auth == "required" else [{}, {"cognito": []}]
        # who may call (chalicelib/handlers/policy.py), and the quota each caller is charged
        operation["x-access"] = route.policy.describe() | ({"quota": route.quota} if route.quota else {})
        if route.body:
            model = resolve(route.body)
            schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                components[name] = definition
            name = model.__name__
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


# --- responses --------------------------------------------------------------------------------------
# What each operation answers. Success bodies are described by their key properties (no model exists
# for them: views.py builds them); `additionalProperties` stays open so that a new field is no breaking
# change. The e2e fuzz pass (tests/e2e/test_fuzz.py) checks every answer against these schemas.

_S: dict[str, Any] = {"type": "string"}
_S0: dict[str, Any] = {"type": ["string", "null"]}
_I: dict[str, Any] = {"type": "integer"}
_I0: dict[str, Any] = {"type": ["integer", "null"]}
_B: dict[str, Any] = {"type": "boolean"}
_A: dict[str, Any] = {"type": "array"}
_O: dict[str, Any] = {"type": "object"}
_O0: dict[str, Any] = {"type": ["object", "null"]}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *optional: str) -> dict[str, Any]:
    """An object whose properties are all present except `optional` ones."""
    return {"type": "object", "required": [p for p in properties if p not in optional], "properties": properties}


def _list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _page(item: str) -> dict[str, Any]:
    return _object({"items": _list_of(_ref(item)), "nextCursor": _S0})


_MONEY = _ref("MoneyView")
_MILESTONE = {
    "id": _S,
    "title": _S,
    "amount": _MONEY,
    "dueDate": _S0,
    "acceptanceCriteria": _S0,
    "status": _S,
    "position": _I,
    "fundingSource": _S0,
    "reviewDeadline": _S0,
    "submissions": _A,
    "revisions": _A,
    "dispute": _O0,
    "evidence": _A,
    "resolution": _O0,
    "updatedAt": _S0,
    "contractId": _S,
    "payment": _ref("Payment"),
}
_PROFILE = {
    "id": _S,
    "email": _S0,
    "role": _S,
    "displayName": _S0,
    "kind": _S0,
    "skills": _list_of(_S),
    "languages": _list_of(_S),
    "hourlyRate": {"oneOf": [_MONEY, {"type": "null"}]},
    "bio": _S0,
    "anonymous": _B,
    "verification": _S,
    "verificationNote": _S0,
    "legalName": _S0,
    "rating": {"type": ["number", "null"]},
    "reviewCount": _I,
    "badges": _A,
    "suspended": _B,
    "createdAt": _S0,
}
_STANDING = _object({"strikes": _I, "activeStrikes": _I, "history": _A})
_FLAG = {
    "id": _S,
    "messageId": _S,
    "threadId": _S,
    "senderId": _S,
    "senderName": _S0,
    "originalText": _S,
    "maskedText": _S,
    "findings": _A,
    "status": _S,
    "flaggedAt": _S0,
    "decidedAt": _S0,
    "decidedBy": _S0,
    "note": _S0,
    "sender": _O,
}
_FIGURES = _object({"gmv": _MONEY, "revenue": _MONEY, "takeRateBps": _I0, "disputeRateBps": _I0})
_COMMISSION = _object(
    {
        "commission": _object({"defaultBps": _I, "overrides": _O, "version": _I}),
        "hub": _object({"categories": _list_of(_S), "version": _I}),
        "history": _list_of(_O),
    }
)
_ENTRY = _object(
    {"id": _S, "postingId": _S0, "kind": _S0, "amount": _MONEY, "contractId": _S0, "milestoneId": _S0, "at": _S0}
)

RESPONSE_SCHEMAS: dict[str, Any] = {
    "MoneyView": _object({"amount": _I, "currency": _S}),
    "Profile": _object(
        _PROFILE | {"isAdmin": _B, "standing": _STANDING, "submittedAt": _S0, "documents": _A},
        "isAdmin",
        "standing",
        "submittedAt",
        "documents",
    ),
    "Me": _object({"id": _S0, "role": _S, "email": _S0, "isAdmin": _B}),
    "ProviderCard": _object(
        {
            "id": _S,
            "displayName": _S0,
            "kind": _S0,
            "skills": _list_of(_S),
            "rating": {"type": ["number", "null"]},
            "reviewCount": _I,
            "completedContracts": _I,
            "badges": _A,
        }
    ),
    "Task": _object(
        {
            "id": _S,
            "title": _S,
            "description": _S,
            "category": _S,
            "skills": _list_of(_S),
            "budget": _MONEY,
            "mode": _S,
            "visibility": _S,
            "startDate": _S0,
            "dueDate": _S0,
            "qualityReview": _B,
            "hub": _B,
            "status": _S,
            "customerId": _S,
            "createdAt": _S0,
            "openedAt": _S0,
            "attachments": _A,
            "invitees": _A,
            "reviewNote": _S0,
            "updatedAt": _S0,
        },
        "attachments",
        "invitees",
        "reviewNote",
        "updatedAt",
    ),
    "Bid": _object(
        {
            "id": _S,
            "taskId": _S,
            "providerId": _S,
            "price": _MONEY,
            "proposal": _S,
            "durationDays": _I,
            "milestones": _A,
            "status": _S,
            "counterOffer": {"type": ["object", "null"]},
            "history": _A,
            "forwardedAt": _S0,
            "declineReason": _S0,
            "createdAt": _S0,
            "updatedAt": _S0,
            "provider": _object({"id": _S, "displayName": _S0, "anonymous": _B}),
            "matchScore": _I,
            "remark": _S0,
            "task": _object({"id": _S, "title": _S0, "customerId": _S}),
        },
        "provider",
        "matchScore",
        "remark",
        "task",
    ),
    "Milestone": _object(_MILESTONE, "contractId", "payment"),
    "Dispute": _object(_MILESTONE | {"kind": _S, "customerSide": _O0, "providerSide": _O0}, "payment"),
    "Contract": _object(
        {
            "id": _S,
            "status": _S,
            "taskId": _S,
            "bidId": _S,
            "title": _S0,
            "category": _S0,
            "customerId": _S,
            "providerId": _S,
            "reviewerId": _S0,
            "hub": _B,
            "version": _I,
            "termination": _O0,
            "total": _MONEY,
            "commissionBps": _I,
            "signatures": _O,
            "escrow": _object({"funded": _MONEY, "released": _MONEY, "refunded": _MONEY, "held": _MONEY}),
            "milestones": {"type": ["array", "null"], "items": _ref("Milestone")},
            "createdAt": _S0,
            "completedAt": _S0,
            "myRole": _S0,
        },
        "myRole",
    ),
    "ReviewedContract": _object(  # what the QC reviewer sees: the work, not the money or the parties' papers
        {
            "id": _S,
            "status": _S,
            "taskId": _S,
            "title": _S0,
            "category": _S0,
            "reviewerId": _S0,
            "hub": _B,
            "milestones": {"type": ["array", "null"], "items": _O},
            "createdAt": _S0,
            "completedAt": _S0,
            "myRole": _S0,
        },
        "myRole",
    ),
    "ReviewerCandidate": _object(
        {
            "providerId": _S,
            "displayName": _S0,
            "skills": _A,
            "rating": {"type": ["number", "null"]},
            "score": _I,
            "reasons": _A,
        }
    ),
    "QcWanted": _object({"contractId": _S, "taskId": _S, "title": _S0, "category": _S0, "since": _S0}),
    "Review": _object({"contractId": _S, "reviewerId": _S, "revieweeId": _S, "rating": _I, "text": _S0, "at": _S0}),
    "LedgerEntry": _ENTRY,
    "Notification": _object({"id": _S, "type": _S0, "title": _S0, "data": _O0, "at": _S0, "read": _B}),
    "Wallet": _object({"balances": _list_of(_object({"currency": _S, "available": _MONEY, "pending": _MONEY}))}),
    "DepositResult": _object(
        {"id": _S, "status": _S, "amount": _MONEY, "postingId": _S0, "at": _S0, "clientSecret": _S0},
        "clientSecret",
    ),
    "Bonus": _object(
        {
            "postingId": _S,
            "contractId": _S,
            "amount": _MONEY,
            "commission": _MONEY,
            "net": _MONEY,
            "note": _S0,
            "at": _S,
        }
    ),
    "Amendment": _object(
        {
            "id": _S,
            "contractId": _S,
            "status": _S,
            "proposedBy": _S,
            "proposerId": _S,
            "reason": _S,
            "changes": _list_of(_object({"op": _S})),
            "version": _I0,
            "decidedBy": _S0,
            "decidedAt": _S0,
            "createdAt": _S,
        }
    ),
    "Payment": _object(
        {
            "id": _S,
            "gateway": _S,
            "purpose": _S,
            "status": _S,
            "amount": _MONEY,
            "refunded": _MONEY,
            "refunding": _MONEY,
            "refunds": _list_of(_object({"id": _S0, "amount": _MONEY, "status": _S})),
            "contractId": _S0,
            "milestoneId": _S0,
            "createdAt": _S0,
            "updatedAt": _S0,
            "clientSecret": _S0,
            "lastError": _O0,
        },
        "clientSecret",
        "lastError",
    ),
    "Withdrawal": _object(
        {
            "id": _S,
            "status": _S,
            "amount": _MONEY,
            "profileId": _S,
            "gateway": _S0,
            "transferId": _S0,
            "payoutId": _S0,
            "reason": _S0,
            "failure": _O0,
            "history": _A,
            "requestedAt": _S0,
            "decidedAt": _S0,
            "settledAt": _S0,
            "updatedAt": _S0,
            "recentDeposits": _list_of(_ENTRY),
            "recentIncoming": _list_of(_ENTRY),
        },
        "recentDeposits",
        "recentIncoming",
    ),
    "PayoutAccount": _object(
        {"accountId": _S, "gateway": _S, "payoutsEnabled": _B, "detailsSubmitted": _B, "url": _S, "expiresAt": _S0}
    ),
    "UploadGrant": _object({"uploadId": _S, "url": _S, "fields": _O, "maxSize": _I}),
    "DownloadLink": _object({"url": _S}),
    "Thread": _object(
        {
            "id": _S,
            "kind": _S,
            "taskId": _S0,
            "contractId": _S0,
            "title": _S0,
            "members": _list_of(_object({"id": _S, "role": _S, "anonymous": _B})),
            "messageCount": _I,
            "lastMessageAt": _S0,
            "createdAt": _S0,
            "unread": _I,
        },
        "unread",
    ),
    "Message": _object(
        {
            "id": _S,
            "threadId": _S,
            "seq": _I,
            "senderId": _S,
            "senderRole": _S,
            "text": _S,
            "flagged": _B,
            "findings": _A,
            "attachments": _A,
            "createdAt": _S0,
            "maskedText": _S,
            "moderation": {},
        },
        "maskedText",
        "moderation",
    ),
    "Flag": _object(_FLAG, "sender"),
    "AuditEntry": _object(
        {
            "id": _S,
            "at": _S0,
            "actor": _S,
            "actorRole": _S,
            "action": _S,
            "subject": {},
            "from": {},
            "to": {},
            "amounts": _A,
        }
    ),
    "UserHit": _object({"id": _S, "email": _S0, "displayName": _S0, "role": _S, "suspended": _B, "matched": {}}),
    "Settings": _COMMISSION,
    "Taxonomy": _object(
        {
            "categories": _list_of(_object({"slug": _S, "name": _S, "kind": _S})),
            "skills": _list_of(_object({"slug": _S, "name": _S})),
            "languages": _list_of(_object({"code": _S, "name": _S})),
            "version": _I,
            "updatedAt": _S0,
        }
    ),
    "Ticket": _object(
        {
            "id": _S,
            "kind": _S,
            "text": _S,
            "status": _S,
            "note": _S0,
            "added": _O0,
            "createdAt": _S,
            "resolvedAt": _S0,
            "customerId": _S,
        },
        "customerId",
    ),
    "Metrics": _object(
        {
            "from": _S,
            "to": _S,
            "currency": _S,
            "days": _list_of(_object(_FIGURES["properties"] | {"date": _S})),
            "totals": _FIGURES,
        }
    ),
    "WebhookOutcome": _object({"id": _S, "type": _S, "outcome": _S, "first": _S0}, "first"),
    "Termination": _object(
        {
            "contractId": _S,
            "title": _S,
            "proposedBy": _S,
            "proposerId": _S,
            "reason": _S,
            "at": _S,
            "status": _S,
            "customerId": _S,
            "providerId": _S,
            "escrowHeld": _MONEY,
        },
        "status",
        "customerId",
        "providerId",
        "escrowHeld",
    ),
}

# "METHOD path" (as registered, snake_case parameters) → the success body's schema.
SUCCESS: dict[str, Any] = {
    "POST /me": _ref("Profile"),
    "GET /me": {"anyOf": [_ref("Profile"), _ref("Me")]},
    "POST /me/verification": _ref("Profile"),
    "GET /providers/{provider_id}": _ref("ProviderCard"),
    "GET /admin/verifications": _page("Profile"),
    "POST /admin/verifications/{user_id}/approve": _ref("Profile"),
    "POST /admin/verifications/{user_id}/reject": _ref("Profile"),
    "GET /admin/tasks": _page("Task"),
    "POST /admin/tasks/{task_id}/approve": _ref("Task"),
    "POST /admin/tasks/{task_id}/request-changes": _ref("Task"),
    "GET /admin/disputes": _page("Dispute"),
    "POST /admin/disputes/{contract_id}/{milestone_id}/resolve": _ref("Milestone"),
    "GET /admin/terminations": _page("Termination"),
    "GET /admin/settings": _ref("Settings"),
    "PUT /admin/settings/commission": _ref("Settings"),
    "PUT /admin/settings/hub": _ref("Settings"),
    "GET /admin/bids": _page("Bid"),
    "POST /admin/bids/{bid_id}/forward": _ref("Bid"),
    "POST /admin/bids/{bid_id}/decline": _ref("Bid"),
    "GET /admin/threads": _page("Thread"),
    "GET /admin/users": _page("UserHit"),
    "GET /admin/metrics": _ref("Metrics"),
    "POST /tasks/{task_id}/bids": _ref("Bid"),
    "GET /tasks/{task_id}/bids": _page("Bid"),
    "GET /me/bids": _page("Bid"),
    "GET /bids/{bid_id}": _ref("Bid"),
    "POST /bids/{bid_id}/shortlist": _ref("Bid"),
    "POST /bids/{bid_id}/reject": _ref("Bid"),
    "PUT /bids/{bid_id}/remark": _ref("Bid"),
    "POST /bids/{bid_id}/withdraw": _ref("Bid"),
    "PATCH /bids/{bid_id}": _ref("Bid"),
    "POST /bids/{bid_id}/counter": _ref("Bid"),
    "POST /bids/{bid_id}/counter/accept": _ref("Bid"),
    "POST /bids/{bid_id}/award": _ref("Contract"),
    "GET /me/contracts": _object(
        {"items": _list_of({"anyOf": [_ref("Contract"), _ref("ReviewedContract")]}), "nextCursor": _S0}
    ),
    "GET /contracts/{contract_id}": {"anyOf": [_ref("Contract"), _ref("ReviewedContract")]},
    "POST /admin/contracts/{contract_id}/reviewer": _ref("Contract"),
    "GET /admin/contracts/{contract_id}/reviewer-candidates": _object({"items": _list_of(_ref("ReviewerCandidate"))}),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/qc-approve": _ref("Milestone"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/qc-reject": _ref("Milestone"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/forward": _ref("Milestone"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/return": _ref("Milestone"),
    "GET /admin/submissions": _page("Milestone"),
    "GET /admin/qc": {"anyOf": [_page("QcWanted"), _page("Milestone")]},
    "POST /contracts/{contract_id}/sign": _ref("Contract"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/fund": _ref("Milestone"),
    "POST /contracts/{contract_id}/bonus": _ref("Bonus"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/submit": _ref("Milestone"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/accept": _ref("Milestone"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/request-revision": _ref("Milestone"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/dispute": _ref("Milestone"),
    "GET /contracts/{contract_id}/milestones/{milestone_id}/deliverables/{upload_id}": _ref("DownloadLink"),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/evidence": _ref("Milestone"),
    "GET /contracts/{contract_id}/milestones/{milestone_id}/evidence/{upload_id}": _ref("DownloadLink"),
    "GET /contracts/{contract_id}/document": {"type": "string", "format": "binary"},
    "POST /contracts/{contract_id}/reviews": _ref("Review"),
    "POST /contracts/{contract_id}/amendments": _ref("Amendment"),
    "GET /contracts/{contract_id}/amendments": _object({"items": _list_of(_ref("Amendment"))}),
    "POST /contracts/{contract_id}/amendments/{amendment_id}/accept": _ref("Amendment"),
    "POST /contracts/{contract_id}/amendments/{amendment_id}/reject": _ref("Amendment"),
    "POST /contracts/{contract_id}/terminate": _ref("Contract"),
    "GET /health": _object({"status": _S}),
    "GET /config": _object({"region": _S, "userPoolId": _S, "userPoolClientId": _S, "cognitoEndpoint": _S0}),
    "GET /openapi.json": _object({"openapi": _S, "info": _O, "paths": _O, "components": _O}),
    "GET /me/wallet": _ref("Wallet"),
    "GET /me/ledger": _page("LedgerEntry"),
    "POST /me/deposits": _ref("DepositResult"),
    "GET /me/notifications": _page("Notification"),
    "POST /webhooks/stripe": _ref("WebhookOutcome"),
    "POST /me/withdrawals": _ref("Withdrawal"),
    "GET /me/withdrawals": _page("Withdrawal"),
    "GET /admin/withdrawals": _page("Withdrawal"),
    "POST /admin/withdrawals/{withdrawal_id}/approve": _ref("Withdrawal"),
    "POST /admin/withdrawals/{withdrawal_id}/reject": _ref("Withdrawal"),
    "POST /me/payouts/onboarding": _ref("PayoutAccount"),
    "GET /payments/{payment_id}": _ref("Payment"),
    "POST /payments/{payment_id}/refund": _ref("Payment"),
    "POST /tasks": _ref("Task"),
    "GET /tasks": _page("Task"),
    "GET /me/tasks": _page("Task"),
    "GET /tasks/{task_id}": _ref("Task"),
    "PATCH /tasks/{task_id}": _ref("Task"),
    "POST /tasks/{task_id}/submit": _ref("Task"),
    "POST /tasks/{task_id}/cancel": _ref("Task"),
    "POST /tasks/{task_id}/threads": _ref("Thread"),
    "GET /contracts/{contract_id}/thread": _ref("Thread"),
    "GET /me/threads": _page("Thread"),
    "GET /threads/{thread_id}/messages": _page("Message"),
    "POST /threads/{thread_id}/messages": _ref("Message"),
    "GET /threads/{thread_id}/messages/{message_id}/attachments/{upload_id}": _ref("DownloadLink"),
    "GET /admin/messages": _page("Flag"),
    "POST /admin/messages/{message_id}/dismiss": _ref("Flag"),
    "POST /admin/messages/{message_id}/confirm": _ref("Flag"),
    "POST /admin/users/{user_id}/suspend": _ref("Profile"),
    "POST /admin/users/{user_id}/reinstate": _ref("Profile"),
    "GET /contracts/{contract_id}/audit": _page("AuditEntry"),
    "POST /uploads": _ref("UploadGrant"),
    "GET /taxonomy": _ref("Taxonomy"),
    "PUT /admin/taxonomy": _ref("Taxonomy"),
    "POST /tickets": _ref("Ticket"),
    "GET /me/tickets": _page("Ticket"),
    "GET /admin/tickets": _page("Ticket"),
    "POST /admin/tickets/{ticket_id}/resolve": _ref("Ticket"),
}

# Other success statuses an operation answers, and why.
ALTERNATES: dict[str, dict[str, str]] = {
    "POST /me/deposits": {"202": "Stripe: the card payment is still to be confirmed (client secret inside)"},
    "POST /contracts/{contract_id}/milestones/{milestone_id}/fund": {
        "202": "Stripe: funded when the card payment's webhook arrives (the payment inside)"
    },
    "POST /tasks/{task_id}/threads": {"200": "the thread existed already"},
}
# Other media types a success may come in.
OTHER_MEDIA: dict[str, dict[str, Any]] = {
    "GET /contracts/{contract_id}/audit": {"text/csv": {"schema": {"type": "string"}}},  # ?format=csv
}
# Operations whose success is not JSON: its one media type, and the headers that come with it.
BINARY: dict[str, tuple[str, dict[str, Any]]] = {
    "GET /contracts/{contract_id}/document": (
        "application/pdf",
        {
            "X-Document-SHA256": {"description": "hex SHA-256 of the body", "schema": {"type": "string"}},
            "X-Document-Version": {"description": "the contract version", "schema": {"type": "string"}},
        },
    ),
}
# Operations that may call the payment gateway (503 while it is unreachable) besides the money routes.
GATEWAY = frozenset({"POST /me/payouts/onboarding"})
ERROR_TITLES = {
    "400": "the request is malformed: body, query or header (problem+json with `errors` per field)",
    "401": "no valid token",
    "403": "the caller may not do this (role, verification, admin, suspended account)",
    "404": "no such resource, or not one the caller may see",
    "409": "conflicts with the current state (or a stale version)",
    "413": "the declared file is larger than its purpose allows",
    "422": "a business rule refuses it",
    "429": "the caller's quota is used up (Retry-After)",
    "503": "the payment gateway is unreachable; retry later",
}


def _responses(route: Any) -> dict[str, Any]:
    """Success (and its alternates) with its schema; each problem+json status the route can answer; `default`."""
    key = f"{route.method} {route.path}"
    schema = SUCCESS[key]
    content: dict[str, Any] = {"application/json": {"schema": schema}} | OTHER_MEDIA.get(key, {})
    responses: dict[str, Any] = {str(route.status): {"description": "success", "content": content}}
    if key in BINARY:
        media, headers = BINARY[key]
        responses[str(route.status)] = {"description": "success", "content": {media: {"schema": schema}}}
        responses[str(route.status)]["headers"] = headers
    for status, why in ALTERNATES.get(key, {}).items():
        responses[status] = {"description": why, "content": {"application/json": {"schema": schema}}}
    for status in _error_statuses(route, key):
        responses[status] = {"description": ERROR_TITLES[status], "content": _PROBLEM_CONTENT}
    responses["default"] = {"description": "error", "content": _PROBLEM_CONTENT}
    return responses


_PROBLEM_CONTENT = {"application/problem+json": {"schema": _ref("Problem")}}


def _error_statuses(route: Any, key: str) -> list[str]:
    write = route.method in ("POST", "PUT", "PATCH", "DELETE")
    statuses = {
        "400": write or bool(route.query) or route.money,
        "401": route.auth != "none",
        "403": route.auth == "required",
        "404": "{" in route.path,
        "409": write,
        "413": key == "POST /uploads",
        "422": write,
        "429": route.quota is not None,
        "503": route.money or key in GATEWAY,
    }
    return [status for status, applies in statuses.items() if applies]
