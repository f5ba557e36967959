"""Presigned uploads, and checking that an upload may be used for a purpose."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import files, uploads_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import uploads as policy
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated
from chalicelib.services import text_safety
from chalicelib.services.identity import Actor


def create_upload(actor: Actor, new: policy.NewUpload) -> dict[str, Any]:
    actor.require_writable()
    limit = policy.check(new.purpose, new.content_type, new.size)
    upload_id = new_id()
    shown = new.filename
    if new.purpose != policy.Purpose.VERIFICATION:  # the other party sees the name; verification: admins only
        shown, screened = text_safety.for_file_name(new.filename, actor.require_profile(), upload_id)
        if screened.flagged:
            with unit_of_work() as uow:  # the flag (with the original name) first: nothing is lost
                screened.stage(uow, iso())
    filename = policy.safe_filename(shown)
    key = f"uploads/{actor.sub}/{new.purpose.value}/{upload_id}/{filename}"
    uploads_repo.create(
        upload_id=upload_id,
        owner_sub=actor.sub,
        purpose=new.purpose.value,
        filename=filename,
        content_type=new.content_type,
        size=new.size,
        object_key=key,
        created_at=iso(),
    )
    post = files.presigned_post(key, new.content_type, min(limit, new.size))
    return {"uploadId": upload_id, "url": post["url"], "fields": post["fields"], "maxSize": min(limit, new.size)}


def claim(actor: Actor, upload_id: str, purpose: policy.Purpose) -> uploads_repo.Upload:
    return claim_file(actor, upload_id, purpose)[0]


def freeze(upload: uploads_repo.Upload, key: str) -> dict[str, Any]:
    """Copy a claimed upload to `key` (a prefix no upload policy grants) and describe the copy as a contract
    file: deliverables and dispute evidence are kept this way, with their size and checksum."""
    frozen = files.freeze(upload.key, key)
    return {
        "uploadId": upload.id,
        "filename": upload.filename,
        "contentType": frozen.content_type,
        "size": frozen.size,
        "checksum": frozen.etag,
        "key": key,
    }


def claim_file(actor: Actor, upload_id: str, purpose: policy.Purpose) -> tuple[uploads_repo.Upload, files.StoredObject]:
    """The upload exists in S3, belongs to the actor, was made for this purpose and fits its limits."""
    upload = uploads_repo.get(upload_id)
    if upload is None or upload.owner_sub != actor.sub:
        raise BusinessRuleViolated(
            f"upload {upload_id} is not one of yours", [{"field": "uploads", "message": upload_id}]
        )
    if upload.purpose != purpose.value:
        raise BusinessRuleViolated(f"upload {upload_id} was made for {upload.purpose}, not {purpose.value}")
    stored = files.head(upload.key)
    if stored is None:
        raise BusinessRuleViolated(f"upload {upload_id} has not been uploaded yet")
    policy.check(purpose, stored.content_type, stored.size)
    if stored.content_type != upload.content_type:
        raise BusinessRuleViolated(f"upload {upload_id} is {stored.content_type}, not {upload.content_type}")
    return upload, stored


def download_url(upload: uploads_repo.Upload) -> str:
    return files.presigned_get(upload.key, upload.filename)
