"""Upload records: what was presigned, for whom, for what purpose."""

from __future__ import annotations

from chalicelib.adapters.table import UploadItem


def get(upload_id: str) -> UploadItem | None:
    try:
        return UploadItem.get(f"UPLOAD#{upload_id}", "UPLOAD", consistent_read=True)
    except UploadItem.DoesNotExist:
        return None
