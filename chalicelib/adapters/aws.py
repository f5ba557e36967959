"""boto3 clients, created on first use (import cost is cold-start cost) and reused."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.settings import get_settings


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    settings = get_settings()
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"}) if service == "s3" else None
    return boto3.session.Session().client(
        service, region_name=settings.region, endpoint_url=settings.endpoint_url, config=config
    )
