"""Upload records: what was presigned, for whom, for what purpose."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.adapters.table import UploadItem


def get(upload_id: str) -> UploadItem | None:
    try:
        return UploadItem.get(f"UPLOAD#{upload_id}", "UPLOAD", consistent_read=True)
    except UploadItem.DoesNotExist:
        return None


def batch(upload_ids: Iterable[str]) -> dict[str, UploadItem]:
    keys = [(f"UPLOAD#{i}", "UPLOAD") for i in set(upload_ids)]
    return {u.id: u for u in UploadItem.batch_get(keys)} if keys else {}
