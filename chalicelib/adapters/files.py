"""S3 behind a small interface: presigned POST with a size/type policy, HEAD, presigned GET, write-once put."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    etag: str


def presigned_post(key: str, content_type: str, max_size: int) -> dict[str, Any]:
    settings = get_settings()
    post: dict[str, Any] = client("s3").generate_presigned_post(
        Bucket=settings.bucket_name,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", 1, max_size],
        ],
        ExpiresIn=settings.upload_url_ttl_seconds,
    )
    return post


def head(key: str) -> StoredObject | None:
    from botocore.exceptions import ClientError

    try:
        meta = client("s3").head_object(Bucket=get_settings().bucket_name, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return StoredObject(
        size=int(meta["ContentLength"]),
        content_type=str(meta.get("ContentType", "")),
        etag=str(meta.get("ETag", "")).strip('"'),
    )


def freeze(source_key: str, target_key: str) -> StoredObject:
    """Copy a submitted file under a prefix no upload policy ever grants: it cannot be replaced later."""
    bucket = get_settings().bucket_name
    client("s3").copy_object(Bucket=bucket, Key=target_key, CopySource={"Bucket": bucket, "Key": source_key})
    stored = head(target_key)
    if stored is None:
        raise RuntimeError(f"copy to {target_key} vanished")
    return stored


def presigned_get(key: str, filename: str) -> str:
    settings = get_settings()
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings.bucket_name,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=settings.download_url_ttl_seconds,
    )
    return url


@dataclass(frozen=True)
class StoredBytes:
    body: bytes
    content_type: str
    metadata: dict[str, str]  # S3 user metadata (`x-amz-meta-*`), keys lower-case


def get_bytes(key: str) -> StoredBytes | None:
    """The object's bytes and metadata (None: no such object). For small objects the app itself serves."""
    from botocore.exceptions import ClientError

    try:
        found = client("s3").get_object(Bucket=get_settings().bucket_name, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise
    return StoredBytes(
        body=found["Body"].read(),
        content_type=str(found.get("ContentType", "")),
        metadata={str(k).lower(): str(v) for k, v in (found.get("Metadata") or {}).items()},
    )


def put_once(key: str, body: bytes, content_type: str, metadata: dict[str, str]) -> bool:
    """Write the object only if the key is free (S3 conditional write, `If-None-Match: *`): an object written
    this way is never replaced. False: the key was taken (by an earlier or a concurrent writer)."""
    from botocore.exceptions import ClientError

    try:
        client("s3").put_object(
            Bucket=get_settings().bucket_name,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata=metadata,
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"PreconditionFailed", "ConditionalRequestConflict", "412"}:
            return False
        raise
    return True
