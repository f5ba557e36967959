"""Upload limits per purpose: which content types, how large. Published in /openapi.json."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.errors import ValidationFailed

MB = 1024 * 1024
DOCUMENT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
WORK_TYPES = frozenset({"application/pdf", "application/zip", "image/png", "image/jpeg", "text/plain"})


class Purpose(StrEnum):
    VERIFICATION = "verification"
    DELIVERABLE = "deliverable"
    ATTACHMENT = "attachment"
    MESSAGE = "message"
    EVIDENCE = "evidence"  # a dispute's proof (screenshots, mails, logs): copied under evidence/<cid>/<mid>/


LIMITS: dict[Purpose, tuple[frozenset[str], int]] = {
    Purpose.VERIFICATION: (DOCUMENT_TYPES, 10 * MB),
    Purpose.DELIVERABLE: (WORK_TYPES, 200 * MB),
    Purpose.ATTACHMENT: (WORK_TYPES, 25 * MB),
    Purpose.MESSAGE: (WORK_TYPES, 10 * MB),
    Purpose.EVIDENCE: (WORK_TYPES, 25 * MB),
}


@dataclass(frozen=True)
class NewUpload:
    """A file the caller is about to upload: the presigned POST enforces type and size (see check)."""

    purpose: Purpose
    filename: str
    content_type: str
    size: int


class TooLarge(ValidationFailed):
    status = 413
    slug = "payload-too-large"
    title = "Upload too large"


class UnsupportedType(ValidationFailed):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported file type"


def check(purpose: Purpose, content_type: str, size: int) -> int:
    """Raise 415/413 for what the purpose does not allow; return the size limit."""
    types, limit = LIMITS[purpose]
    if content_type not in types:
        raise UnsupportedType(
            f"{content_type} is not allowed for {purpose.value}; allowed: {', '.join(sorted(types))}",
            [{"field": "contentType", "message": "not allowed for this purpose"}],
        )
    if size > limit:
        raise TooLarge(
            f"{size} bytes exceeds the {limit} byte limit for {purpose.value}",
            [{"field": "size", "message": f"at most {limit}"}],
        )
    return limit


def safe_filename(name: str) -> str:
    """Keep a readable, path-free ASCII name (extension kept) for the S3 key and Content-Disposition."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""

    def clean(part: str) -> str:
        ascii_part = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_part).strip("_")

    stem, extension = clean(stem), clean(extension)[:10]
    if not stem and not clean(base.rpartition(".")[0].strip(".")):
        stem, extension = (extension, "") if base.startswith(".") else ("file", extension)
    suffix = f".{extension}" if extension else ""
    return (stem or "file")[: 120 - len(suffix)] + suffix
