"""Upload records: what was presigned, for whom, for what purpose."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.adapters.table import UploadItem

Upload = UploadItem
SK = "UPLOAD"


def key(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def create(
    *,
    upload_id: str,
    owner_sub: str,
    purpose: str,
    filename: str,
    content_type: str,
    size: int,
    object_key: str,
    created_at: str,
) -> UploadItem:
    """Record what a presigned POST is issued for (ids are fresh ULIDs: no condition needed)."""
    upload = UploadItem(
        pk=key(upload_id),
        sk=SK,
        type="Upload",
        id=upload_id,
        owner_sub=owner_sub,
        purpose=purpose,
        filename=filename,
        content_type=content_type,
        size=size,
        key=object_key,
        created_at=created_at,
    )
    upload.save()
    return upload


def get(upload_id: str) -> UploadItem | None:
    try:
        return UploadItem.get(key(upload_id), SK, consistent_read=True)
    except UploadItem.DoesNotExist:
        return None


def batch(upload_ids: Iterable[str]) -> dict[str, UploadItem]:
    keys = [(key(i), SK) for i in set(upload_ids)]
    return {u.id: u for u in UploadItem.batch_get(keys)} if keys else {}
