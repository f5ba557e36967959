"""Health, frontend configuration and the published contract."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import PUBLIC

bp = Blueprint(__name__)


@endpoint(bp, "/health", "GET", policy=PUBLIC)
def health(call: Call) -> dict[str, Any]:
    """Liveness."""
    return {"status": "ok"}


@endpoint(bp, "/config", "GET", policy=PUBLIC)
def config(call: Call) -> dict[str, Any]:
    """All a frontend needs to sign users up and in."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    return {
        "region": settings.region,
        "userPoolId": settings.user_pool_id,
        "userPoolClientId": settings.user_pool_client_id,
        "cognitoEndpoint": settings.cognito_endpoint if settings.endpoint_url else None,
    }


@endpoint(bp, "/openapi.json", "GET", policy=PUBLIC)
def openapi(call: Call) -> dict[str, Any]:
    """This contract, generated from the routes and the request models."""
    from chalicelib.handlers.openapi import build

    return build()
