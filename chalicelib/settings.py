"""Typed configuration, read once from the environment.

Locally `AWS_ENDPOINT_URL` points every client at moto server; on AWS it is unset.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    region: str
    table_name: str
    bucket_name: str
    endpoint_url: str | None
    user_pool_id: str
    user_pool_client_id: str
    cognito_endpoint: str | None
    event_bus_name: str
    upload_url_ttl_seconds: int
    download_url_ttl_seconds: int
    state_machine_arn: str
    review_window_seconds: int
    payments: str
    queue_urls: dict[str, str]
    anonymity_key: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool's signing keys live: moto serves them under its own host."""
        base = self.cognito_endpoint.rstrip("/") if self.cognito_endpoint else self.issuer
        if self.cognito_endpoint:
            return f"{base}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{base}/.well-known/jwks.json"


@cache
def get_settings() -> Settings:
    env = os.environ
    endpoint = env.get("AWS_ENDPOINT_URL") or None
    return Settings(
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "eu-central-1")),
        table_name=env.get("TABLE_NAME", "tasklane"),
        bucket_name=env.get("BUCKET_NAME", "tasklane-files"),
        endpoint_url=endpoint,
        user_pool_id=env.get("USER_POOL_ID", ""),
        user_pool_client_id=env.get("USER_POOL_CLIENT_ID", ""),
        cognito_endpoint=env.get("COGNITO_ENDPOINT") or endpoint,
        event_bus_name=env.get("EVENT_BUS_NAME", "tasklane"),
        upload_url_ttl_seconds=int(env.get("UPLOAD_URL_TTL_SECONDS", "600")),
        download_url_ttl_seconds=int(env.get("DOWNLOAD_URL_TTL_SECONDS", "300")),
        state_machine_arn=env.get("STATE_MACHINE_ARN", ""),
        review_window_seconds=int(env.get("REVIEW_WINDOW_SECONDS", str(14 * 24 * 3600))),
        payments=env.get("PAYMENTS", "sandbox"),
        queue_urls=json.loads(env.get("QUEUE_URLS", "{}")),
        anonymity_key=env.get("ANONYMITY_KEY", "tasklane-local-anonymity-key"),
    )
